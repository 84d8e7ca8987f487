"""What a notification says, rendered in the reader's language from its kind and params.

Nothing is stored as text: the inbox renders in the reader's interface language, e-mail in
the recipient's (`force_locale`). A kind without a message here falls back to a neutral line.
"""

from datetime import date

from flask_babel import format_date, gettext

from portal.extensions import db


def _day(value: str | None) -> str:
    if not value:
        return ""
    try:
        return format_date(date.fromisoformat(value), "medium")
    except ValueError:
        return value


def _agency(code: str | None, agencies: dict) -> str:
    from portal.i18n import localized_name

    agency = agencies.get(code)
    return localized_name(agency) if agency is not None else (code or "")


def agencies_for(notifications) -> dict:
    """The agencies named in a page of notifications, loaded in one query."""
    from sqlalchemy import select

    from portal.directory.models import Agency

    codes = {
        n.params.get(key)
        for n in notifications
        for key in ("from", "to")
        if n.params and n.params.get(key)
    }
    if not codes:
        return {}
    return {a.code: a for a in db.session.scalars(select(Agency).where(Agency.code.in_(codes)))}


def result_label(result: str) -> str:
    from campaigns.reviews.forms import RESULT_SHORT

    return str(RESULT_SHORT.get(result, result))


def text(notification, agencies: dict | None = None) -> str:
    """One line in the current locale."""
    p = notification.params or {}
    agencies = agencies if agencies is not None else agencies_for([notification])
    kind = notification.kind
    if kind == "yellow":
        return gettext(
            "%(ref)s is due on %(deadline)s: %(title)s",
            ref=p.get("ref"),
            deadline=_day(p.get("deadline")),
            title=p.get("title"),
        )
    if kind == "red":
        return gettext(
            "%(ref)s is overdue since %(deadline)s: %(title)s",
            ref=p.get("ref"),
            deadline=_day(p.get("deadline")),
            title=p.get("title"),
        )
    if kind == "submitted":
        return gettext(
            "%(ref)s was reported rectified and waits for your verification: %(title)s",
            ref=p.get("ref"),
            title=p.get("title"),
        )
    if kind == "extension_requested":
        return gettext(
            "%(ref)s: the lead agency asks to extend the deadline to %(deadline)s",
            ref=p.get("ref"),
            deadline=_day(p.get("new_deadline")),
        )
    if kind == "transfer_proposed":
        return gettext(
            "%(ref)s: %(from)s proposes to transfer the item to %(to)s",
            ref=p.get("ref"),
            **{"from": _agency(p.get("from"), agencies), "to": _agency(p.get("to"), agencies)},
        )
    if kind == "transfer_accepted":
        return gettext(
            "%(ref)s: %(to)s accepted the transfer from %(from)s",
            ref=p.get("ref"),
            **{"from": _agency(p.get("from"), agencies), "to": _agency(p.get("to"), agencies)},
        )
    if kind == "transfer_declined":
        return gettext(
            "%(ref)s: %(to)s declined the transfer from %(from)s",
            ref=p.get("ref"),
            **{"from": _agency(p.get("from"), agencies), "to": _agency(p.get("to"), agencies)},
        )
    if kind == "transfer_unanswered":
        return gettext(
            "%(ref)s: the transfer from %(from)s to %(to)s is unanswered after %(days)s days",
            ref=p.get("ref"),
            days=p.get("days"),
            **{"from": _agency(p.get("from"), agencies), "to": _agency(p.get("to"), agencies)},
        )
    if kind == "review_opened":
        return gettext(
            "The look-back of %(code)s %(title)s is open until %(closes_on)s",
            code=p.get("code"),
            title=p.get("title"),
            closes_on=_day(p.get("closes_on")),
        )
    if kind == "review_closing":
        return gettext(
            "The look-back of %(code)s closes on %(closes_on)s; your team has %(unchecked)s items left to check",
            code=p.get("code"),
            closes_on=_day(p.get("closes_on")),
            unchecked=p.get("unchecked"),
        )
    if kind == "relapsed":
        return gettext(
            "%(ref)s is back in rectification after the look-back (%(result)s), new deadline %(deadline)s: %(title)s",
            ref=p.get("ref"),
            result=result_label(p.get("result", "")),
            deadline=_day(p.get("deadline")),
            title=p.get("title"),
        )
    return gettext("Notification about %(ref)s", ref=p.get("ref") or p.get("code") or "")


def link(notification) -> str:
    """Where the notification leads: its item, else its campaign's look-back page.

    Plain paths (CONTRACTS' agreed URLs), so they work whichever blueprints are present.
    """
    p = notification.params or {}
    if notification.item_id and p.get("ref"):
        return f"/items/{p['ref']}"
    if notification.kind.startswith("review_") and p.get("code"):
        return f"/campaigns/{p['code']}/review"
    return "/"
