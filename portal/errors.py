"""Error pages (HTML in the user's language, JSON under /api) and the domain's exceptions."""

from functools import wraps

from flask import jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

# The database cannot be reached, dropped the connection (a restart, a failover) or has no
# connection free: the request is refused with 503 and the portal carries on; the pool checks
# each connection before use (pool_pre_ping), so the first request after the database is back
# works again without restarting anything.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError, PoolTimeout)
RETRY_AFTER_SECONDS = 30


class DomainError(Exception):
    """A refusal by a business rule; views turn it into a flash or an error answer."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}


class InvalidMove(DomainError):
    """The item's state does not allow this action."""

    status = 422
    code = "invalid_state"


class NotPermitted(DomainError):
    status = 403
    code = "forbidden"


class StaleVersion(DomainError):
    """Someone else changed the object since the user loaded it."""

    status = 409
    code = "conflict"


class ValidationFailed(DomainError):
    status = 422
    code = "invalid"


TITLES = {
    400: _l("The request could not be understood"),
    401: _l("Please sign in"),
    403: _l("You may not do this"),
    404: _l("Not found"),
    405: _l("Not allowed here"),
    409: _l("Someone else changed this first"),
    413: _l("The file is too large"),
    422: _l("This cannot be done now"),
    429: _l("Too many requests"),
    500: _l("Something went wrong on our side"),
    503: _l("The portal is unavailable for a moment"),
}
ADVICE = {
    400: _l("Go back, reload the page and try again."),
    401: _l("Sign in and try again."),
    403: _l(
        "If you think you should be able to, ask your campaign lead or the portal's operators."
    ),
    404: _l("The page or record does not exist, or it is not shared with you."),
    405: _l("Go back and use the buttons on the page."),
    409: _l("Reload the page to see the current state, then make your change again."),
    413: _l("Choose a smaller file and try again."),
    422: _l("Reload the page to see what can be done now."),
    429: _l("Wait a moment and try again."),
    500: _l(
        "Your change was not saved. Try again in a moment; if it keeps happening, tell the portal's operators."
    ),
    503: _l("Try again in a minute."),
}
DATABASE_ADVICE = _l(
    "The portal cannot reach its database just now. Try again in a minute. If you were saving a change, check afterwards whether it is there before sending it again."
)
API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, fields: dict | None = None):
    if wants_json():
        body = {
            "error": API_CODES.get(status, "error"),
            "message": message or str(TITLES.get(status, "")),
        }
        if fields:
            body["fields"] = fields
        return jsonify(body), status
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=TITLES.get(status, TITLES[500]),
            advice=message or ADVICE.get(status, ADVICE[500]),
        ),
        status,
    )


def _invalid_fields(error: HTTPException) -> dict | None:
    """Field errors from request validation (webargs puts them in error.data["messages"])."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not messages:
        return None
    flat = {}
    for location, problems in messages.items():
        if not isinstance(problems, dict):  # the whole body, e.g. ["Invalid JSON body."]
            flat[location] = "; ".join(map(str, problems or []))
            continue
        for field, reasons in problems.items():
            flat[
                field if location in ("json", "query", "form", "files") else f"{location}.{field}"
            ] = "; ".join(map(str, reasons)) if isinstance(reasons, list) else str(reasons)
    return flat


def _end_sessions_quietly(app) -> None:
    """End each request's database session before Flask-SQLAlchemy's own teardown would
    (registered after db.init_app: teardowns run last registered first). When the database
    went away after the answer was made, the session's closing ROLLBACK fails; the answer
    stands instead of becoming a bare 500, and the session is dropped, its connections closed
    without a ROLLBACK (never handed back to the pool inside a transaction). Found by
    tests/faults/test_database_restart.py."""
    from portal.extensions import db

    @app.teardown_appcontext
    def _end_session(_error) -> None:
        try:
            db.session.remove()
        except DATABASE_UNAVAILABLE as lost:
            app.logger.warning("the database went away as a request ended: %s", lost)
            try:  # close its connections without a ROLLBACK, never hand them back open
                db.session().invalidate()
            except Exception:  # noqa: BLE001 - nothing more can be done for a dead connection
                app.logger.debug("invalidating the session failed", exc_info=True)
            db.session.registry.clear()


def register(app):
    """The error pages; after the extensions (create_app), so that the session's end below
    comes before Flask-SQLAlchemy's."""
    _end_sessions_quietly(app)

    def _database_unavailable(error: Exception):
        from portal.extensions import db, login_manager

        app.logger.error("database unavailable on %s %s: %s", request.method, request.path, error)
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - the connection may be gone already
            app.logger.debug("rollback after a lost connection failed", exc_info=True)
        # The error page must not ask the database again (for the signed-in user, their
        # language, the inbox count): it is drawn as for a visitor, in the session's or the
        # browser's language. The session cookie is left as it is.
        login_manager._update_request_context_with_user()
        body, status = error_response(503, str(DATABASE_ADVICE))
        response = app.make_response((body, status))
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    for exception in DATABASE_UNAVAILABLE:
        app.register_error_handler(exception, _database_unavailable)

    def answers_without_database(handler):
        """An error page that needs the database (the signed-in user, their language) while
        it is down becomes the 503 page instead of a bare server error."""

        @wraps(handler)
        def wrapped(error):
            try:
                return handler(error)
            except DATABASE_UNAVAILABLE as lost:
                return _database_unavailable(lost)

        return wrapped

    @app.errorhandler(HTTPException)
    @answers_without_database
    def _http_error(error: HTTPException):
        status = error.code or 500
        if isinstance(error, CSRFError):
            from flask_babel import gettext

            return error_response(
                400,
                gettext(
                    "The form had expired or was sent from elsewhere. Reload the page and try again."
                ),
            )
        body, status = error_response(status, fields=_invalid_fields(error))
        response = app.make_response((body, status))
        retry_after = getattr(error, "retry_after", None)
        if retry_after:
            response.headers["Retry-After"] = str(retry_after)
        return response

    @app.errorhandler(DomainError)
    @answers_without_database
    def _domain_error(error: DomainError):
        from portal.extensions import db

        db.session.rollback()
        return error_response(error.status, error.message, error.fields)

    @app.errorhandler(Exception)
    @answers_without_database
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from portal.extensions import db

        db.session.rollback()
        return error_response(500)
