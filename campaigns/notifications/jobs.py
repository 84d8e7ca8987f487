"""Daily sweeps that notify: items turning yellow or red, transfers left unanswered.

Each sweep looks for what is due on the day and not yet notified (a NOT EXISTS on the
notification's key), so a missed day, a rerun or a second scheduler notifies nobody twice.
"""

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import String, and_, cast, exists, literal, select
from sqlalchemy.orm import selectinload

from campaigns.items.lifecycle import OPEN_STATES
from campaigns.items.models import Item, Transfer, TransferState
from campaigns.notifications import notify
from campaigns.notifications.models import Notification
from portal import clock
from portal.extensions import db
from portal.scheduler import daily


def _not_yet_sent(kind: str):
    """No notification of this kind for the item's current deadline yet (notify.light_key)."""
    key = literal(f"{kind}:") + cast(Item.id, String) + literal(":") + cast(Item.deadline, String)
    return ~exists().where(
        Notification.item_id == Item.id, Notification.kind == kind, Notification.key == key
    )


@daily("deadline_lights")
def deadline_lights(day: date) -> None:
    """An open item turns yellow within WARNING_DAYS of its deadline and red once it has
    passed; each change of light is told once per deadline."""
    warning_days = current_app.config["WARNING_DAYS"]
    open_items = Item.status.in_([s.value for s in OPEN_STATES])
    yellow = and_(Item.deadline >= day, Item.deadline <= day + timedelta(days=warning_days))
    red = Item.deadline < day
    liaisons, teams, leads = {}, {}, {}
    for light, condition in (("yellow", yellow), ("red", red)):
        items = db.session.scalars(
            select(Item).where(open_items, condition, _not_yet_sent(light)).order_by(Item.id)
        ).all()
        for item in items:
            if item.lead_agency_id not in liaisons:
                liaisons[item.lead_agency_id] = notify.liaisons_of(item.lead_agency_id)
            if item.team_id not in teams:
                teams[item.team_id] = notify.team_of(item.team_id)
            if item.campaign_id not in leads:
                leads[item.campaign_id] = notify.leads_of(item.campaign_id)
            notify.item_turned(
                item,
                light,
                liaisons=liaisons[item.lead_agency_id],
                team=teams[item.team_id],
                leads=leads[item.campaign_id],
            )


@daily("unanswered_transfers")
def unanswered_transfers(day: date) -> None:
    """A transfer still pending TRANSFER_ANSWER_DAYS after it was proposed goes to the leads."""
    days = current_app.config["TRANSFER_ANSWER_DAYS"]
    cutoff = clock.start_of_day(day - timedelta(days=days) + timedelta(days=1))
    already = exists().where(
        Notification.item_id == Transfer.item_id,
        Notification.kind == "transfer_unanswered",
        Notification.key == literal("transfer:") + cast(Transfer.id, String) + ":unanswered",
    )
    transfers = db.session.scalars(
        select(Transfer)
        .where(Transfer.state == TransferState.PENDING, Transfer.proposed_at < cutoff, ~already)
        .options(selectinload(Transfer.item), selectinload(Transfer.from_agency))
        .order_by(Transfer.id)
    ).all()
    for transfer in transfers:
        notify.transfer_unanswered(transfer.item, transfer, days)
