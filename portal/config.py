"""Configuration from environment variables, with safe defaults.

Every setting is listed in the README's configuration table; keep the two in step.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, or one generated once and kept in the instance folder."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def from_environment(instance_path: str) -> dict:
    """The app's settings: environment variables over defaults."""
    instance = Path(instance_path)
    max_upload_mb = _int("PORTAL_MAX_UPLOAD_MB", 10)
    max_import_mb = _int("PORTAL_MAX_IMPORT_MB", 20)
    idle_hours = _int("PORTAL_IDLE_TIMEOUT_HOURS", 8)
    return {
        "SECRET_KEY": secret_key(instance_path),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{instance / 'portal.db'}"
        ),
        # Each pooled connection is checked before use, so the portal carries on by itself
        # after the database restarts; connecting gives up after DATABASE_CONNECT_TIMEOUT.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "DATABASE_CONNECT_TIMEOUT": _int("PORTAL_DB_CONNECT_TIMEOUT", 10),
        # Sessions: cookies are signed, HttpOnly, SameSite=Lax and Secure unless told otherwise.
        "SESSION_COOKIE_SECURE": _flag("PORTAL_SECURE_COOKIES", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "portal_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=idle_hours),
        "IDLE_TIMEOUT": timedelta(hours=idle_hours),
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        # Login throttling: failures counted in the database, within a sliding window.
        "LOGIN_WINDOW": timedelta(minutes=_int("PORTAL_LOGIN_WINDOW_MINUTES", 15)),
        "LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS": _int("PORTAL_LOGIN_MAX_PER_ACCOUNT", 5),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": _int("PORTAL_LOGIN_MAX_PER_ADDRESS", 30),
        # Uploads
        "UPLOAD_FOLDER": os.environ.get("PORTAL_UPLOAD_FOLDER", str(instance / "uploads")),
        "MAX_EVIDENCE_BYTES": max_upload_mb * 1024 * 1024,
        "MAX_IMPORT_BYTES": max_import_mb * 1024 * 1024,
        "MAX_CONTENT_LENGTH": (max(max_upload_mb, max_import_mb) + 1) * 1024 * 1024,
        # Domain settings
        "PORTAL_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "Asia/Shanghai"),
        "WARNING_DAYS": _int("PORTAL_WARNING_DAYS", 3),
        "TRANSFER_ANSWER_DAYS": _int("PORTAL_TRANSFER_ANSWER_DAYS", 3),
        "ITEMS_PER_PAGE": _int("PORTAL_ITEMS_PER_PAGE", 50),
        # Interface language
        "BABEL_DEFAULT_LOCALE": os.environ.get("PORTAL_DEFAULT_LOCALE", "zh"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("PORTAL_TIMEZONE", "Asia/Shanghai"),
        "LANGUAGES": ("zh", "en"),
        # Mail (optional): without MAIL_SERVER notifications stay in the inbox only.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _flag("MAIL_USE_TLS", False),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "portal@localhost"),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        # The portal's address as users reach it, for links in e-mail.
        "BASE_URL": os.environ.get("PORTAL_BASE_URL", "http://localhost:5000"),
        # Scheduler: "embedded" runs it inside `flask start`; "off" never starts it there.
        "SCHEDULER_MODE": os.environ.get("PORTAL_SCHEDULER", "embedded"),
        # API rate limit per token (Flask-Limiter notation); counted in Redis when REDIS_URL.
        "REDIS_URL": os.environ.get("REDIS_URL", ""),
        "API_RATE_LIMIT": os.environ.get("PORTAL_API_RATE_LIMIT", "600/minute"),
        "WTF_CSRF_TIME_LIMIT": None,
    }
