from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.factories import PASSWORD, make_user


def test_login_and_logout(client, login):
    user = make_user("inspector", username="alice")
    db.session.commit()
    response = login(user)
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert b"Sign out" in client.get("/").data
    client.post("/logout")
    assert client.get("/").status_code == 302
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["login", "logout"]


def test_wrong_password_is_refused_and_audited(client, login):
    user = make_user(username="bob")
    db.session.commit()
    response = login(user, password="not-the-password")
    assert response.status_code == 401
    assert b"Wrong username or password" in response.data
    assert client.get("/").status_code == 302
    assert db.session.scalar(select(AuditEntry.action)) == "login_failed"


def test_deactivated_user_cannot_sign_in(client, login):
    user = make_user(username="carol", active=False)
    db.session.commit()
    assert login(user).status_code == 401


def test_throttling_per_account_and_address(app, client, login):
    user = make_user(username="dave")
    db.session.commit()
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit):
        assert login(user, password="wrong-password").status_code == 401
    # Even the right password is refused while throttled.
    response = login(user)
    assert response.status_code == 429
    assert b"Too many failed sign-ins" in response.data


def test_throttling_is_not_global(app, client, login):
    """One account's failures from one address do not lock others, or the account elsewhere."""
    victim = make_user(username="erin")
    other = make_user(username="frank")
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]):
        login(victim, password="wrong-password")
    assert login(other).status_code == 302
    elsewhere = app.test_client()
    response = elsewhere.post(
        "/login",
        data={"username": "erin", "password": PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 302


def test_throttle_window_passes(app, client, login):
    user = make_user(username="gina")
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]):
        login(user, password="wrong-password")
    assert login(user).status_code == 429
    with clock.travel_to(clock.now() + app.config["LOGIN_WINDOW"] + timedelta(seconds=1)):
        assert login(user).status_code == 302


def test_session_is_new_at_login(client, login):
    user = make_user(username="hank")
    db.session.commit()
    with client.session_transaction() as session:
        session["planted"] = "by-attacker"
    login(user)
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{user.id}:")


def test_logout_ends_sessions_everywhere(app, login, client):
    user = make_user(username="ivy")
    db.session.commit()
    login(user)
    phone = app.test_client()
    phone.post("/login", data={"username": "ivy", "password": PASSWORD})
    assert phone.get("/").status_code == 200
    client.post("/logout")
    assert phone.get("/").status_code == 302


def test_deactivation_throws_user_out_on_next_request(app, client, login):
    user = make_user(username="jack")
    db.session.commit()
    login(user)
    assert client.get("/").status_code == 200
    user.active = False
    user.end_sessions()
    db.session.commit()
    assert client.get("/").status_code == 302


def test_password_change_ends_other_sessions(app, client, login):
    user = make_user(username="kate")
    db.session.commit()
    login(user)
    other = app.test_client()
    other.post("/login", data={"username": "kate", "password": PASSWORD})
    response = client.post(
        "/profile",
        data={
            "current": PASSWORD,
            "password": "a-new-password-1",
            "confirm": "a-new-password-1",
        },
    )
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this device stays in
    assert other.get("/").status_code == 302  # the other is out
    assert login(user, password="a-new-password-1").status_code == 302


def test_password_length_limits(client, login):
    user = make_user(username="liam")
    db.session.commit()
    login(user)
    for bad in ("short", "x" * 129):
        response = client.post(
            "/profile", data={"current": PASSWORD, "password": bad, "confirm": bad}
        )
        assert response.status_code == 200
        assert b"Field must be between 8 and 128 characters" in response.data


def test_idle_timeout(app, client, login):
    user = make_user(username="mia")
    db.session.commit()
    login(user)
    assert client.get("/").status_code == 200
    with clock.travel_to(clock.now() + app.config["IDLE_TIMEOUT"] + timedelta(minutes=1)):
        response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_open_redirect_refused(client, login):
    make_user(username="nia")
    db.session.commit()
    response = client.post(
        "/login?next=https://evil.example/", data={"username": "nia", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"
    client.post("/logout")
    response = client.post(
        "/login?next=//evil.example/x", data={"username": "nia", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_session_cookie_flags(app, client):
    app.config["SESSION_COOKIE_SECURE"] = True
    make_user(username="olga")
    db.session.commit()
    response = client.post(
        "/login", data={"username": "olga", "password": PASSWORD}, base_url="https://localhost"
    )
    cookie = response.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
