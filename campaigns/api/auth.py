"""Bearer-token authentication and per-token rate limits for the API.

Cookies never authenticate an API request and CSRF does not apply to it: a request without a
valid `Authorization: Bearer <token>` answers 401 whatever cookies it carries. Tokens are stored
as SHA-256 digests; a revoked token or a deactivated user's token answers 401.
Rate limits (Flask-Limiter) count per token, in Redis when REDIS_URL is set (shared by every
web worker), in memory otherwise; over the limit the answer is 429 with Retry-After.
"""

import hashlib
from datetime import timedelta

from flask import current_app, g, request
from flask_limiter import Limiter
from flask_login import AnonymousUserMixin
from sqlalchemy import select

from portal import clock
from portal.accounts.models import ApiToken
from portal.errors import error_response
from portal.extensions import db

LAST_USED_EVERY = timedelta(minutes=1)


def _bearer() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def _limit_key() -> str:
    """Per token (the limiter runs before authentication, so from the header itself)."""
    token = _bearer()
    if token:
        return "token:" + hashlib.sha256(token.encode()).hexdigest()[:24]
    return f"address:{request.remote_addr}"


def _limit() -> str:
    return current_app.config["API_RATE_LIMIT"]


limiter = Limiter(key_func=_limit_key, default_limits=[])


def authenticate():
    """before_request of the API blueprint: the token's user becomes current_user, or 401."""
    g._login_user = AnonymousUserMixin()  # a session cookie does not count here
    value = _bearer()
    if value is None:
        return error_response(401, "Send an API token: Authorization: Bearer <token>.")
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == ApiToken.digest(value)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return error_response(401, "The API token is unknown, revoked or its user deactivated.")
    g._login_user = token.user
    g.api_token = token
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        token.last_used_at = now
        db.session.commit()
    return None


def protect(blueprint) -> None:
    """Token authentication and the rate limit for every endpoint of `blueprint`."""
    limiter.limit(_limit)(blueprint)
    blueprint.before_request(authenticate)


def init(app) -> None:
    app.config.setdefault("API_RATE_LIMIT", "600/minute")
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    # Redis down: count in each worker's memory meanwhile rather than fail the request
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    limiter.init_app(app)
