"""The inbox: a person's notifications, newest first; opening one marks it read."""

import logging

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select, update

from campaigns.notifications import mail, messages
from campaigns.notifications.models import Notification
from portal import clock
from portal.accounts.forms import ConfirmForm
from portal.extensions import db
from portal.pagination import paginate

bp = Blueprint("notifications", __name__)
log = logging.getLogger(__name__)


@bp.route("/inbox")
def inbox():
    page = paginate(
        select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        per_page=30,
    )
    agencies = messages.agencies_for(page.items)
    rows = [(n, messages.text(n, agencies), messages.link(n)) for n in page.items]
    return render_template("notifications/inbox.html", page=page, rows=rows, form=ConfirmForm())


@bp.route("/notifications/<int:notification_id>")
def open_notification(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        abort(404)
    if notification.read_at is None:
        notification.read_at = clock.now()
        db.session.commit()
    return redirect(messages.link(notification))


@bp.route("/inbox/read-all", methods=["POST"])
def read_all():
    ConfirmForm().validate_on_submit() or abort(400)
    db.session.execute(
        update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )
    db.session.commit()
    flash(_("All notifications are marked read."), "success")
    return redirect(url_for("notifications.inbox"))


@bp.before_app_request
def _note_request_start():
    g.request_started = clock.now()


@bp.after_app_request
def _send_mail_after_commit(response):
    """E-mail for the notifications this request made (its view has committed by now)."""
    if g.get("notifications_queued") and mail.configured():
        try:
            mail.deliver_pending(since=g.get("request_started"))
        except Exception:  # noqa: BLE001 - never fail the page; the scheduler retries
            log.exception("notification e-mail after the request failed")
            db.session.rollback()
    return response
