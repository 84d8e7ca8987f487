"""The portal's shell: the app factory every feature plugs into."""

import os
from pathlib import Path

from flask import Flask, flash, request, session
from flask_babel import lazy_gettext as _l
from flask_login import logout_user

ROOT = Path(__file__).resolve().parent.parent

CSP = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'; img-src 'self' blob:; script-src 'self'; style-src 'self'"
)


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=os.environ.get("PORTAL_INSTANCE", str(ROOT / "instance")),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from portal.config import from_environment

    app.config.update(from_environment(app.instance_path))
    app.config.update(config or {})
    if proxies := int(os.environ.get("PORTAL_PROXY_COUNT", "0")):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    _init_extensions(app)
    _register_blueprints(app)
    _register_request_hooks(app)

    from portal import cli, errors, templating

    errors.register(app)
    templating.register(app)
    cli.register(app)
    return app


def _init_extensions(app: Flask) -> None:
    from portal import models  # noqa: F401 - the whole schema for SQLAlchemy and Alembic
    from portal.database import configure_sqlite, render_migration_item
    from portal.extensions import babel, csrf, db, login_manager, migrate
    from portal.i18n import select_locale

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # A database host that does not answer at all fails the request in seconds (503)
        # instead of holding a web worker until gunicorn's timeout.
        options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
        options["connect_args"] = {
            "connect_timeout": app.config["DATABASE_CONNECT_TIMEOUT"],
            **options.get("connect_args", {}),
        }
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options
    db.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine)
    migrate.init_app(
        app,
        db,
        directory=str(ROOT / "migrations"),
        render_as_batch=True,
        compare_type=True,
        render_item=render_migration_item,
    )
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(ROOT / "portal" / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # sessions end by session_version instead

    from sqlalchemy.orm import joinedload

    from portal.accounts.models import User

    @login_manager.user_loader
    def load_user(value: str):
        try:
            user_id, version = (int(part) for part in value.split(":"))
        except ValueError:
            return None
        # One query for the user, their agency and roles (every request asks).
        user = db.session.get(User, user_id, options=[joinedload(User.role_rows)])
        if user is None or not user.active or user.session_version != version:
            return None
        return user


def _register_blueprints(app: Flask) -> None:
    from portal import health
    from portal.accounts import views as accounts
    from portal.directory import views as directory
    from portal.home import views as home
    from portal.i18n import bp as i18n

    for bp in (accounts.bp, accounts.admin_bp, directory.bp, home.bp, i18n, health.bp):
        app.register_blueprint(bp)

    from campaigns import blueprints
    from campaigns.api import init_api

    for bp in blueprints():
        app.register_blueprint(bp)
    init_api(app)


def _register_request_hooks(app: Flask) -> None:
    from portal import access, clock

    @app.before_request
    def end_idle_session():
        if "_user_id" not in session or request.blueprint == "api":
            return
        now = clock.now().timestamp()
        seen = session.get("seen")
        idle = app.config["IDLE_TIMEOUT"].total_seconds()
        if seen is None or now - seen > idle:
            logout_user()
            session.clear()
            if request.method == "GET":
                flash(_l("You were signed out after a period of inactivity."), "info")
            return
        if now - seen > 60:
            session["seen"] = now

    app.before_request(access.guard_request)

    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["Referrer-Policy"] = "same-origin"
        headers["X-Frame-Options"] = "DENY"
        headers.setdefault("Permissions-Policy", "geolocation=(), microphone=()")
        if request.endpoint != "static" and "no-store" not in headers.get("Cache-Control", ""):
            headers["Cache-Control"] = "no-store"  # send_file's no-cache would let disks keep it
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
