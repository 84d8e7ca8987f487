"""The JSON API (CONTRACTS C5) at /api/v1, described by its OpenAPI document.

flask-smorest builds the OpenAPI 3 document from the marshmallow schemas the endpoints declare
and validates request bodies and query strings against them. The API goes through the same
access policy and the same operations as the pages; only authentication differs (bearer tokens,
never cookies) and errors are JSON (portal/errors.py).
"""

from flask_smorest import Api

from campaigns.api.schemas import ApiError


class PortalApi(Api):
    """flask-smorest, but errors go through the portal's own handlers (JSON under /api), and
    the document describes those answers (every error status uses the C5 error body)."""

    ERROR_SCHEMA = ApiError

    def _register_error_handlers(self):
        return None


API_CONFIG = {
    "API_TITLE": "Joint Enforcement Coordination Portal API",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
}


def init_api(app) -> None:
    for key, value in API_CONFIG.items():
        app.config.setdefault(key, value)
    api = PortalApi()
    api.init_app(
        app,
        spec_kwargs={
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "ept_…"}
                }
            },
            "security": [{"bearer": []}],
        },
    )
    from campaigns.api import auth, views

    auth.init(app)
    api.register_blueprint(views.bp)
    app.extensions["portal_api"] = api
