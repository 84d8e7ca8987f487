"""Sessions and sign-in: a new session at sign-in (no fixation), a signed-in cookie that stops
working after sign-out, deactivation, a password change or reset, and after the idle timeout;
sign-in throttled per account (from one address) and per address, counted in the database.

The session is a signed cookie, so "the session ends" means: the cookie a browser (or a thief)
kept from before no longer signs anyone in, however it is replayed.
"""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import clock, create_app
from portal.accounts.models import ApiToken, LoginAttempt
from portal.accounts.operations import issue_token
from portal.extensions import db
from tests.conftest import IsolatedClient, base_config
from tests.factories import PASSWORD, make_user

COOKIE = "portal_session"


def cookie(client) -> str | None:
    found = client.get_cookie(COOKIE)
    return found.value if found else None


def signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def sign_in(client, username, password=PASSWORD, address="10.0.0.1"):
    return client.post(
        "/login",
        data={"username": username, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def replay(client, value: str) -> None:
    client.set_cookie(COOKIE, value)


@pytest.fixture
def alice(app):
    user = make_user("inspector", username="alice")
    db.session.commit()
    return user


# --- Fixation and the cookie --------------------------------------------------------------------


def test_signing_in_starts_a_new_session(app, client, alice):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = cookie(client)
    response = sign_in(client, "alice")
    assert response.status_code == 302
    after = cookie(client)
    assert after and after != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{alice.id}:{alice.session_version}"
    # The cookie from before sign-in, replayed, is not signed in.
    attacker = app.test_client()
    replay(attacker, before)
    assert not signed_in(attacker)


def test_the_cookie_is_secure_httponly_samesite_and_nothing_remembers(app, client, alice):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = client.post(
        "/login", data={"username": "alice", "password": PASSWORD}, base_url="https://localhost"
    )
    cookies = response.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith(f"{COOKIE}="))
    for flag in ("Secure", "HttpOnly", "SameSite=Lax"):
        assert flag in session_cookie
    assert not any(c.startswith("remember_token=") for c in cookies)


# --- The session ends -----------------------------------------------------------------------------


def test_after_sign_out_the_old_cookie_signs_nobody_in(app, client, alice):
    sign_in(client, "alice")
    stolen = cookie(client)
    phone = app.test_client()
    sign_in(phone, "alice")
    assert signed_in(phone)
    client.post("/logout")
    assert not signed_in(client)
    thief = app.test_client()
    replay(thief, stolen)
    assert not signed_in(thief)
    assert not signed_in(phone)  # sign-out ends every device's session


def test_deactivation_ends_sessions_and_tokens_at_once(app, client, alice):
    _token, plain = issue_token(alice, "script")
    admin = make_user("admin", username="root")
    db.session.commit()
    sign_in(client, "alice")
    kept = cookie(client)
    assert signed_in(client)
    operator = app.test_client()
    sign_in(operator, "root", address="10.0.0.9")
    assert operator.post(f"/admin/users/{alice.id}/deactivate").status_code == 302
    assert not signed_in(client)
    thief = app.test_client()
    replay(thief, kept)
    assert not signed_in(thief)
    api = app.test_client().get("/api/v1/campaigns", headers={"Authorization": f"Bearer {plain}"})
    assert api.status_code == 401
    assert db.session.scalar(select(func.count()).where(ApiToken.revoked_at.is_(None))) == 0
    assert sign_in(app.test_client(), "alice").status_code == 401
    assert admin.active


def test_password_change_ends_the_other_sessions_and_reset_ends_all(app, client, alice):
    sign_in(client, "alice")
    other = app.test_client()
    sign_in(other, "alice")
    stolen = cookie(other)
    form = {"current": PASSWORD, "password": "a-new-password-1", "confirm": "a-new-password-1"}
    assert client.post("/profile", data=form).status_code == 302
    assert signed_in(client)  # this device stays in, with a new cookie
    assert not signed_in(other)
    thief = app.test_client()
    replay(thief, stolen)
    assert not signed_in(thief)
    make_user("admin", username="root")
    db.session.commit()
    operator = app.test_client()
    sign_in(operator, "root", address="10.0.0.9")
    reset = {"reset-password": "reset-password-2", "reset-confirm": "reset-password-2"}
    assert operator.post(f"/admin/users/{alice.id}/password", data=reset).status_code == 302
    assert not signed_in(client)


def test_an_idle_session_ends_and_its_cookie_with_it(app, client, alice):
    sign_in(client, "alice")
    kept = cookie(client)
    idle = app.config["IDLE_TIMEOUT"]
    with clock.travel_to(clock.now() + idle - timedelta(minutes=5)):
        assert signed_in(client)  # still within the limit (and the request renews it)
    with clock.travel_to(clock.now() + idle + timedelta(minutes=1)):
        thief = app.test_client()
        replay(thief, kept)
        response = thief.get("/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    with clock.travel_to(clock.now() + 2 * idle):
        response = client.get("/")
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        assert client.get("/").status_code == 302  # not signed in again by a later request


# --- Throttling -------------------------------------------------------------------------------------


def attempts() -> int:
    return db.session.scalar(select(func.count()).select_from(LoginAttempt))


def test_one_account_is_throttled_from_one_address_only(app, client, alice):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit):
        assert sign_in(client, "alice", "wrong-password").status_code == 401
    assert attempts() == limit  # kept in the database, for every web worker to count
    response = sign_in(client, "alice")
    assert response.status_code == 429 and b"Too many failed sign-ins" in response.data
    assert sign_in(app.test_client(), "alice", address="10.0.0.2").status_code == 302
    make_user(username="bob")
    db.session.commit()
    assert sign_in(app.test_client(), "bob").status_code == 302


def test_one_address_is_throttled_for_every_account(app, client, alice):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    for n in range(limit):  # a different made-up account every time
        assert sign_in(client, f"guess{n}", "wrong-password").status_code == 401
    assert sign_in(app.test_client(), "alice").status_code == 429
    assert sign_in(app.test_client(), "alice", address="10.0.0.2").status_code == 302


def test_the_count_is_shared_by_every_worker_and_the_pause_ends(tmp_path, app, client, alice):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
    for _ in range(limit):
        sign_in(client, "alice", "wrong-password")
    # Another web worker: another app on the same database, with nothing in memory.
    other = create_app(base_config(tmp_path, app.config["SQLALCHEMY_DATABASE_URI"]))
    other.test_client_class = IsolatedClient
    try:
        assert sign_in(other.test_client(), "alice").status_code == 429
        later = clock.now() + app.config["LOGIN_WINDOW"] + timedelta(seconds=1)
        with clock.travel_to(later):
            assert sign_in(other.test_client(), "alice").status_code == 302
    finally:
        with other.app_context():
            db.engine.dispose()
