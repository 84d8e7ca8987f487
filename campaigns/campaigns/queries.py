"""Campaign questions asked in SQL: status on a day (from the dates), items per status."""

from datetime import date

from sqlalchemy import and_, case, func, select

from campaigns.campaigns.models import Campaign, CampaignStatus
from campaigns.items.lifecycle import OPEN_STATES
from campaigns.items.models import Item
from portal.database import add_days
from portal.extensions import db


def review_ends():
    """Campaign.review_ends as an SQL expression."""
    return add_days(Campaign.review_starts, Campaign.review_days - 1)


def status_is(status: str, day: date):
    """Filter on Campaign: its status on `day` is `status` (the rule of Campaign.status_on)."""
    status = CampaignStatus(status)
    if status == CampaignStatus.DRAFT:
        return Campaign.action_starts > day
    if status == CampaignStatus.ACTIVE:
        return and_(Campaign.action_starts <= day, Campaign.review_starts > day)
    if status == CampaignStatus.REVIEW:
        return and_(Campaign.review_starts <= day, review_ends() >= day)
    return and_(Campaign.action_starts <= day, review_ends() < day)


def status_counts(campaign_ids, item_filter, day: date) -> dict[int, dict[str, int]]:
    """{campaign id: {status: n, ..., "overdue": n, "total": n}} in one grouped query.

    `item_filter` restricts the items counted (access.visible_items(user)), so nobody learns
    the size of what they may not see.
    """
    ids = list(campaign_ids)
    counts: dict[int, dict[str, int]] = {cid: {"total": 0, "overdue": 0} for cid in ids}
    if not ids:
        return counts
    overdue = func.sum(case((and_(Item.status.in_(OPEN_STATES), Item.deadline < day), 1), else_=0))
    rows = db.session.execute(
        select(Item.campaign_id, Item.status, func.count(), overdue)
        .where(Item.campaign_id.in_(ids), item_filter)
        .group_by(Item.campaign_id, Item.status)
    )
    for campaign_id, status, n, late in rows:
        bucket = counts[campaign_id]
        bucket[status] = n
        bucket["total"] += n
        bucket["overdue"] += late or 0
    return counts
