from portal.extensions import db
from tests.factories import make_user


def test_language_switch_is_kept_per_user(client, login):
    user = make_user(username="qin")
    db.session.commit()
    login(user)
    assert "Sign out" in client.get("/").get_data(as_text=True)
    client.post("/language", data={"lang": "zh", "next": "/"})
    page = client.get("/").get_data(as_text=True)
    assert "退出" in page
    assert user.locale == "zh"
    # kept across sessions: sign in again on another client
    other = client.application.test_client()
    from tests.factories import PASSWORD

    other.post("/login", data={"username": "qin", "password": PASSWORD})
    assert "退出" in other.get("/").get_data(as_text=True)


def test_anonymous_language_choice_and_accept_language(client):
    assert "登录" in client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9"}).get_data(
        as_text=True
    )
    client.post("/language", data={"lang": "en", "next": "/login"})
    assert "Sign in" in client.get("/login", headers={"Accept-Language": "zh-CN"}).get_data(
        as_text=True
    )


def test_error_pages_in_both_languages(client):
    assert "Not found" in client.get("/nowhere").get_data(as_text=True)
    client.post("/language", data={"lang": "zh"})
    assert "找不到" in client.get("/nowhere").get_data(as_text=True)


def test_dates_in_user_locale(app):
    from datetime import date

    from flask_babel import force_locale, format_date

    with app.test_request_context():
        with force_locale("zh"):
            assert format_date(date(2026, 11, 20), "medium") == "2026年11月20日"
        with force_locale("en"):
            assert format_date(date(2026, 11, 20), "medium") == "Nov 20, 2026"


def test_date_filter_in_each_language_and_a_moment_in_the_users_zone(app):
    """The `date` filter formats each date once per language (cached): switching the language
    never serves the other language's text, and a moment keeps its day in the user's zone."""
    from datetime import UTC, date, datetime

    from flask_babel import force_locale

    from portal.i18n import date_text

    with app.test_request_context():
        for _ in range(2):  # the second round comes from the cache
            with force_locale("zh"):
                assert date_text(date(2026, 11, 20)) == "2026年11月20日"
            with force_locale("en"):
                assert date_text(date(2026, 11, 20)) == "Nov 20, 2026"
                assert date_text(date(2026, 11, 20), "short") == "11/20/26"
                # 20:00 UTC is already the 21st in Asia/Shanghai (the portal's zone)
                assert date_text(datetime(2026, 11, 20, 20, 0, tzinfo=UTC)) == "Nov 21, 2026"
                assert date_text(None) == ""
