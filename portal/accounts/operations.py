"""The verbs of accounts: sign in (with throttling), sign out, manage users and tokens."""

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from portal import audit, clock
from portal.accounts.models import ApiToken, LoginAttempt, User
from portal.errors import ValidationFailed
from portal.extensions import db

# Compared against when the username does not exist, so that timing does not reveal it.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def _window_start() -> datetime:
    return clock.now() - current_app.config["LOGIN_WINDOW"]


def is_throttled(username: str, address: str) -> bool:
    """Too many recent failures for this account from this address, or from this address at all.

    The account limit is per address, so an attacker elsewhere cannot lock the real user out;
    every limit is a sliding window (PORTAL_LOGIN_WINDOW_MINUTES), so nothing lasts long.
    """
    since = _window_start()
    per_pair, per_address = db.session.execute(
        select(
            func.count().filter(LoginAttempt.username == username),
            func.count(),
        ).where(LoginAttempt.address == address, LoginAttempt.at >= since)
    ).one()
    config = current_app.config
    return (
        per_pair >= config["LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS"]
        or per_address >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]
    )


def authenticate(username: str, password: str, address: str) -> User | None:
    """The user if the password is right; records the failure otherwise."""
    user = db.session.scalar(select(User).where(User.username == username))
    ok = user.check_password(password) if user else check_password_hash(_DUMMY_HASH, password)
    if user is not None and ok and user.active:
        db.session.execute(
            delete(LoginAttempt).where(
                LoginAttempt.username == username, LoginAttempt.address == address
            )
        )
        user.last_login_at = clock.now()
        audit.record("login", actor=user, obj=user)
        return user
    db.session.add(LoginAttempt(username=username[:60], address=address))
    db.session.execute(
        delete(LoginAttempt).where(
            LoginAttempt.at < clock.now() - 2 * current_app.config["LOGIN_WINDOW"]
        )
    )
    audit.record(
        "login_failed",
        object_type="users",
        object_id=username[:60],
        reason="inactive" if user is not None and ok else "credentials",
    )
    return None


def sign_out(user: User) -> None:
    """End every session of the user (all devices)."""
    user.end_sessions()
    audit.record("logout", actor=user, obj=user)


def create_user(
    *,
    username: str,
    display_name: str,
    agency,
    roles,
    password: str | None = None,
    password_hash: str | None = None,
    by=None,
    email: str | None = None,
    phone: str | None = None,
    locale: str | None = None,
) -> User:
    """Create an account; `password_hash` (already hashed) serves bulk loads like the demo."""
    username = username.strip()
    if db.session.scalar(select(User.id).where(User.username == username)):
        raise ValidationFailed("username taken", fields={"username": "taken"})
    user = User(
        username=username,
        display_name=display_name.strip() or username,
        agency=agency,
        email=email or None,
        phone=phone or None,
        locale=locale,
    )
    if password_hash is not None:
        user.password_hash = password_hash
    else:
        user.set_password(password)
    user.set_roles(roles)
    db.session.add(user)
    db.session.flush()
    audit.record("user_created", actor=by, obj=user, roles=sorted(user.roles))
    return user


def update_user(user: User, *, by, display_name, email, phone, agency, roles) -> None:
    before = sorted(user.roles)
    user.display_name = display_name
    user.email = email or None
    user.phone = phone or None
    if user.agency_id != agency.id:
        audit.record("agency_changed", actor=by, obj=user, old=user.agency.code, new=agency.code)
        user.agency = agency
    user.set_roles(roles)
    after = sorted(user.roles)
    if before != after:
        audit.record("roles_changed", actor=by, obj=user, old=before, new=after)
    audit.record("user_updated", actor=by, obj=user)


def set_active(user: User, active: bool, *, by) -> None:
    user.active = active
    if not active:
        user.end_sessions()
        revoke_all_tokens(user)
    audit.record("user_activated" if active else "user_deactivated", actor=by, obj=user)


def reset_password(user: User, password: str, *, by) -> None:
    user.set_password(password)
    user.end_sessions()
    audit.record("password_reset", actor=by, obj=user)


def change_own_password(user: User, password: str) -> None:
    """The user's own change: every other session ends; the caller renews the current one."""
    user.set_password(password)
    user.end_sessions()
    audit.record("password_changed", actor=user, obj=user)


def issue_token(user: User, name: str, *, by=None) -> tuple[ApiToken, str]:
    """A new API token; the plain value is returned once and never stored."""
    plain = "ept_" + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, name=name or "token", token_hash=ApiToken.digest(plain), prefix=plain[:12]
    )
    db.session.add(token)
    db.session.flush()
    audit.record("token_created", actor=by or user, obj=token, user=user.username)
    return token, plain


def revoke_token(token: ApiToken, *, by) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        audit.record("token_revoked", actor=by, obj=token)


def revoke_all_tokens(user: User) -> None:
    for token in db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    ):
        token.revoked_at = clock.now()
