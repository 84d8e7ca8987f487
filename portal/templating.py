"""What every template can use: the access policy's questions, locale helpers, the inbox count."""

from flask import request, url_for
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import func, select

from portal import access, i18n
from portal.accounts.forms import ROLE_LABELS
from portal.accounts.models import Role
from portal.directory.forms import AGENCY_KIND_LABELS
from portal.directory.models import AgencyKind
from portal.extensions import db


def unread_notifications() -> int:
    from campaigns.notifications.models import Notification

    if not current_user.is_authenticated:
        return 0
    return db.session.scalar(
        select(func.count()).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)
        )
    )


def url_with(**changes) -> str:
    """This page's URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items()})
    args = {k: v for k, v in args.items() if v not in (None, "")}
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app):
    i18n.register(app)
    # Globals (not a context processor) so that imported macros can use them too.
    app.jinja_env.globals.update(
        access=access,
        Role=Role,
        unread_notifications=unread_notifications,
        view_functions=app.view_functions,
        url_with=url_with,
        role_label=lambda role: ROLE_LABELS[Role(role)],
        agency_kind_label=lambda kind: AGENCY_KIND_LABELS[AgencyKind(kind)],
    )

    @app.context_processor
    def locale_for_templates():
        return {"locale": str(get_locale() or app.config["BABEL_DEFAULT_LOCALE"])}
