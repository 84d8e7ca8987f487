"""Sign-in and sign-out, wrong passwords, password rules, redirects after sign-in (sessions
ending and throttling: tests/security/test_sessions.py)."""

from sqlalchemy import select

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
