"""Error pages for 400/403/404/405/409/413/500, in both languages, and JSON under /api."""

import pytest
from werkzeug.exceptions import Conflict

from portal import create_app
from portal.extensions import db
from tests.conftest import IsolatedClient, base_config
from tests.factories import make_user

CASES = {
    400: ("The request could not be understood", "无法识别该请求"),
    403: ("You may not do this", "您无权进行此操作"),
    404: ("Not found", "找不到页面"),
    405: ("Not allowed here", "此处不允许该操作"),
    409: ("Someone else changed this first", "已有他人先行修改"),
    413: ("The file is too large", "文件过大"),
    500: ("Something went wrong on our side", "系统出现错误"),
}


@pytest.fixture
def error_app(tmp_path, app):
    """An app with routes that fail on purpose (registered before its first request)."""
    broken = create_app(base_config(tmp_path))
    broken.test_client_class = IsolatedClient

    @broken.route("/boom")
    def boom():
        raise RuntimeError("kaboom")

    @broken.route("/conflict")
    def conflict():
        raise Conflict()

    @broken.route("/api/v1/boom")
    def api_boom():
        raise RuntimeError("kaboom")

    yield broken
    with broken.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("language", ["en", "zh"])
def test_error_pages(error_app, language):
    user = make_user("inspector")
    db.session.commit()
    client = error_app.test_client()
    client.post("/login", data={"username": user.username, "password": "correct-horse-battery"})
    client.post("/language", data={"lang": language})
    responses = {
        403: client.get("/admin/users/"),
        404: client.get("/no/such/page"),
        405: client.get("/logout"),
        409: client.get("/conflict"),
        413: client.post(
            "/language",
            data=b"x" * (error_app.config["MAX_CONTENT_LENGTH"] + 1),
            content_type="application/octet-stream",
        ),
        500: client.get("/boom"),
    }
    for status, response in responses.items():
        assert response.status_code == status
        text = response.get_data(as_text=True)
        expected = CASES[status][0 if language == "en" else 1]
        assert expected in text, (status, language)
        assert "kaboom" not in text and "Traceback" not in text


def test_bad_request_page(tmp_path, app):
    strict = create_app(base_config(tmp_path) | {"WTF_CSRF_ENABLED": True})
    response = strict.test_client().post("/login", data={"username": "x", "password": "y"})
    assert response.status_code == 400
    assert "The form had expired" in response.get_data(as_text=True)
    with strict.app_context():
        db.engine.dispose()


def test_api_errors_are_json(error_app):
    client = error_app.test_client()
    response = client.get("/api/v1/boom")
    assert response.status_code == 401
    assert response.json["error"] == "unauthorized"
    user = make_user("inspector")
    db.session.commit()
    client.post("/login", data={"username": user.username, "password": "correct-horse-battery"})
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.is_json and set(response.json) == {"error", "message"}
    assert "kaboom" not in response.get_data(as_text=True)


def test_an_answer_stands_when_the_database_goes_away_as_the_request_ends(
    app, client, login, monkeypatch, caplog
):
    """The database stopped after the page was made: the session's closing ROLLBACK fails.
    The page is still answered (not replaced by a bare 500), and the next request works."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    login(make_user("inspector"))
    real_close = Session.close
    failures = []

    def close_on_a_dead_connection(session):
        if not failures:
            failures.append(session)
            raise OperationalError("ROLLBACK", {}, Exception("terminating connection"))
        return real_close(session)

    monkeypatch.setattr(Session, "close", close_on_a_dead_connection)
    page = client.get("/")
    assert page.status_code == 200 and failures
    assert "the database went away as a request ended" in caplog.text
    # Its connection was closed, not handed back inside its transaction (whose locks would
    # hold up every later writer).
    assert db.engine.pool.checkedout() == 0
    monkeypatch.setattr(Session, "close", real_close)
    assert client.get("/").status_code == 200
