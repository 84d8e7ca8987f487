"""Notification e-mail, with the standard library (smtplib, email).

The standard library is enough for plain-text messages to one relay on a closed network;
a Flask mail extension would add a dependency for nothing we use.

Mail goes out after the transaction that created the notification has committed: at the end
of the request that caused it, and on every scheduler tick for the rest (notifications made
by jobs, and retries of those a relay refused). Each notification is claimed before it is
sent (emailed_at set where it was empty, committed), so two senders never send it twice; if
sending fails the claim is released and the next tick tries again. Without MAIL_SERVER,
nothing is sent and notifications stay in the inbox only.
"""

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from campaigns.notifications import messages
from campaigns.notifications.models import Notification
from portal import clock
from portal.accounts.models import User
from portal.extensions import db

log = logging.getLogger(__name__)

# Notifications older than this are not e-mailed (e.g. when mail is configured later on).
SEND_WITHIN = timedelta(days=3)
BATCH = 200


def configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def deliver_pending(*, since=None, limit: int = BATCH) -> int:
    """Send the e-mail of notifications not yet e-mailed (created at or after `since`, when
    given); return how many were sent."""
    if not configured():
        return 0
    query = (
        select(Notification.id)
        .join(User, User.id == Notification.user_id)
        .where(
            Notification.emailed_at.is_(None),
            Notification.created_at >= clock.now() - SEND_WITHIN,
            User.active,
            User.email.is_not(None),
            User.email != "",
        )
        .order_by(Notification.id)
        .limit(limit)
    )
    if since is not None:
        query = query.where(Notification.created_at >= since)
    pending = list(db.session.scalars(query))
    db.session.commit()
    if not pending:
        return 0
    sent = 0
    connection = None
    try:
        for notification_id in pending:
            if not _claim(notification_id):
                continue
            notification = db.session.get(Notification, notification_id)
            message = _message(notification)
            try:
                if connection is None:
                    connection = _connect()
                connection.send_message(message)
            except (OSError, smtplib.SMTPException):
                log.warning("e-mail for notification %s not sent; retried later", notification_id)
                _release(notification_id)
                break
            sent += 1
    finally:
        if connection is not None:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return sent


def _claim(notification_id: int) -> bool:
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.emailed_at.is_(None))
        .values(emailed_at=clock.now())
    ).rowcount
    db.session.commit()
    return claimed == 1


def _release(notification_id: int) -> None:
    db.session.rollback()
    db.session.execute(
        update(Notification).where(Notification.id == notification_id).values(emailed_at=None)
    )
    db.session.commit()


def _connect() -> smtplib.SMTP:
    config = current_app.config
    connection = smtplib.SMTP(
        config["MAIL_SERVER"], config["MAIL_PORT"], timeout=config["MAIL_TIMEOUT"]
    )
    if config["MAIL_USE_TLS"]:
        connection.starttls()
    if config["MAIL_USERNAME"]:
        connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
    return connection


def _message(notification: Notification) -> EmailMessage:
    user = notification.user
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        line = messages.text(notification)
        link = current_app.config["BASE_URL"].rstrip("/") + messages.link(notification)
        subject = gettext("[Joint Enforcement Portal] %(line)s", line=line)
        body = "\n\n".join(
            [
                line,
                gettext("Open: %(link)s", link=link),
                gettext("This message was sent by the Joint Enforcement Portal."),
            ]
        )
    message = EmailMessage()
    message["Subject"] = subject[:200]
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = formataddr((user.display_name, user.email))
    message["Message-ID"] = make_msgid(domain="portal")
    message.set_content(body + "\n")
    return message
