"""What the dashboard and the overview show, assembled from the grouped queries in queries.py.

Everything is counted in the database: one grouped query per table, one query for the weekly
line, one for the states; the short item lists are limited queries with their joins loaded.
"""

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from campaigns.campaigns.models import Campaign
from campaigns.figures.queries import (
    Point,
    Row,
    Table,
    completion_table,
    lagging,
    state_counts,
    totals,
    weekly_series,
)
from campaigns.items.lifecycle import OPEN_STATES, Status
from campaigns.items.models import Item, ListingLevel
from campaigns.reviews.models import Review
from portal import access
from portal.extensions import db
from portal.pagination import paginate

LIST_LIMIT = 10

REVIEW_LABELS = {
    "none": _l("Not opened"),
    "open": _l("Under way"),
    "closed": _l("Closed"),
}


@dataclass
class Dashboard:
    campaign: Campaign
    as_of: date
    total: Row
    by_district: Table
    by_agency: Table
    by_listing: Table
    states: dict[str, int]
    weeks: list[Point]
    overdue_items: list[Item]
    listed_items: list[Item]

    @property
    def lagging_districts(self) -> list[Row]:
        return lagging(self.by_district.rows)

    @property
    def lagging_agencies(self) -> list[Row]:
        return lagging(self.by_agency.rows)


def campaign_scope(campaign: Campaign, user):
    """The items of this campaign whose figures `user` may see."""
    return and_(Item.campaign_id == campaign.id, access.figures_scope(user))


def _item_list(scope, *conditions, order):
    return list(
        db.session.scalars(
            select(Item)
            .where(scope, *conditions)
            .options(joinedload(Item.lead_agency), joinedload(Item.district))
            .order_by(*order)
            .limit(LIST_LIMIT)
        )
    )


def campaign_dashboard(campaign: Campaign, user, as_of: date) -> Dashboard:
    scope = campaign_scope(campaign, user)
    overdue = _item_list(
        scope,
        Item.status.in_([s.value for s in OPEN_STATES]),
        Item.deadline < as_of,
        Item.flagged_on <= as_of,
        order=[Item.deadline, Item.id],
    )
    listed = _item_list(
        scope,
        Item.listing_level != ListingLevel.NONE,
        Item.status != Status.WITHDRAWN,
        Item.flagged_on <= as_of,
        order=[Item.deadline, Item.id],
    )
    return Dashboard(
        campaign=campaign,
        as_of=as_of,
        total=totals(scope, as_of=as_of),
        by_district=completion_table(scope, by="district", as_of=as_of),
        by_agency=completion_table(scope, by="agency", as_of=as_of),
        by_listing=completion_table(scope, by="listing_level", as_of=as_of),
        states=state_counts(scope),
        weeks=weekly_series(scope, start=min(campaign.action_starts, as_of), as_of=as_of),
        overdue_items=overdue,
        listed_items=listed,
    )


@dataclass
class OverviewRow:
    campaign: Campaign
    figures: Row
    review: str  # none | open | closed


def overview(user, as_of: date):
    """A page of the campaigns `user` sees, each with its figures and look-back state."""
    page = paginate(
        select(Campaign)
        .where(access.visible_campaigns(user))
        .order_by(Campaign.action_starts.desc(), Campaign.code)
    )
    ids = [c.id for c in page.items]
    table = completion_table(
        and_(Item.campaign_id.in_(ids), access.figures_scope(user)), by="campaign", as_of=as_of
    )
    figures = {row.key: row for row in table.rows}
    reviews = dict(
        db.session.execute(
            select(Review.campaign_id, Review.closed_at).where(Review.campaign_id.in_(ids))
        ).all()
    )
    rows = []
    for campaign in page.items:
        if campaign.id not in reviews:
            review = "none"
        else:
            review = "closed" if reviews[campaign.id] is not None else "open"
        row = figures.get(campaign.code) or Row(campaign.code, campaign.title, campaign.title)
        rows.append(OverviewRow(campaign, row, review))
    return page, rows, table.total
