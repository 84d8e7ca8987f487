"""The figures everyone reports upward (BRIEF §6), computed in the database.

`completion_table` runs one grouped query: per group (district, lead agency, team, category,
listing level or campaign) the items in scope, verified, open, overdue, relapsed, verified on
time and the total days to rectify, as of a cut-off date. Rates are derived from those integer
counts here, rounded half up to two decimals (73 of 78 → 93.59).

As of a cut-off date: items flagged on or before it count; an item counts as verified when it was
verified on or before it; withdrawn items never count. "Overdue" is open at the cut-off with its
deadline before it.
"""

import enum
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select

from campaigns.campaigns.models import Campaign, CampaignCategory
from campaigns.items.lifecycle import Status
from campaigns.items.models import Item, ListingLevel
from campaigns.teams.models import Team
from portal.database import days_between
from portal.directory.models import Agency, Region
from portal.extensions import db

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


class Grouping(enum.StrEnum):
    DISTRICT = "district"
    AGENCY = "agency"  # the lead (responsible) agency
    TEAM = "team"
    CATEGORY = "category"
    LISTING_LEVEL = "listing_level"
    CAMPAIGN = "campaign"


def rate(part: int, whole: int) -> Decimal | None:
    """A percentage with two decimals, rounded half up; None when there is nothing to divide."""
    if not whole:
        return None
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Row:
    key: str
    label_zh: str
    label_en: str
    items: int = 0
    verified: int = 0
    overdue: int = 0
    relapsed: int = 0
    on_time: int = 0
    days_to_rectify: int = 0  # summed over the verified items
    extra: dict = field(default_factory=dict)

    @property
    def open(self) -> int:
        return self.items - self.verified

    @property
    def completion_rate(self) -> Decimal | None:
        return rate(self.verified, self.items)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.on_time, self.verified)

    @property
    def average_days(self) -> Decimal | None:
        if not self.verified:
            return None
        return (Decimal(self.days_to_rectify) / Decimal(self.verified)).quantize(
            Decimal("0.1"), rounding=ROUND_HALF_UP
        )

    def label(self, locale: str) -> str:
        return self.label_en if locale.startswith("en") else self.label_zh


@dataclass
class Table:
    grouping: Grouping
    as_of: date
    rows: list[Row]
    total: Row


LISTING_LABELS = {
    ListingLevel.NONE: ("未挂牌", "Not listed"),
    ListingLevel.DISTRICT: ("区县挂牌", "Listed by district"),
    ListingLevel.CITY: ("市级挂牌", "Listed by city"),
    ListingLevel.PROVINCE: ("省级挂牌", "Listed by province"),
}


def _group_columns(grouping: Grouping):
    """(key column, label_zh, label_en, joins, order) for a grouping."""
    if grouping == Grouping.DISTRICT:
        return (
            Region.id,
            Region.name_zh,
            func.coalesce(Region.name_en, Region.name_zh),
            [(Region, Region.id == Item.district_id)],
            [Region.code, Region.name_zh],
        )
    if grouping == Grouping.AGENCY:
        return (
            Agency.code,
            Agency.name_zh,
            Agency.name_en,
            [(Agency, Agency.id == Item.lead_agency_id)],
            [Agency.code],
        )
    if grouping == Grouping.TEAM:
        return Team.id, Team.name, Team.name, [(Team, Team.id == Item.team_id)], [Team.name]
    if grouping == Grouping.CATEGORY:
        return (
            CampaignCategory.code,
            CampaignCategory.name_zh,
            CampaignCategory.name_en,
            [(CampaignCategory, CampaignCategory.id == Item.category_id)],
            [CampaignCategory.position, CampaignCategory.code],
        )
    if grouping == Grouping.LISTING_LEVEL:
        return Item.listing_level, Item.listing_level, Item.listing_level, [], []
    if grouping == Grouping.CAMPAIGN:
        return (
            Campaign.code,
            Campaign.title,
            Campaign.title,
            [(Campaign, Campaign.id == Item.campaign_id)],
            [Campaign.code],
        )
    raise ValueError(grouping)


def in_scope_on(as_of: date) -> ColumnElement[bool]:
    """Items that count in a rate as of the cut-off date."""
    return and_(Item.status != Status.WITHDRAWN, Item.flagged_on <= as_of)


def measures(as_of: date) -> list:
    """The aggregate columns, in Row's field order."""
    verified = and_(Item.verified_on.is_not(None), Item.verified_on <= as_of)

    def count_if(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    return [
        func.count().label("items"),
        count_if(verified).label("verified"),
        count_if(and_(~verified, Item.deadline < as_of)).label("overdue"),
        count_if(Item.relapse_count > 0).label("relapsed"),
        count_if(and_(verified, Item.verified_on <= Item.deadline)).label("on_time"),
        func.coalesce(
            func.sum(case((verified, days_between(Item.flagged_on, Item.verified_on)), else_=0)),
            0,
        ).label("days_to_rectify"),
    ]


def completion_query(scope: ColumnElement[bool], *, by: str, as_of: date) -> Select:
    """The one grouped query behind a completion table (bench/ times it alone as a ceiling)."""
    key, label_zh, label_en, joins, order = _group_columns(Grouping(by))
    query = select(key.label("key"), label_zh.label("zh"), label_en.label("en"), *measures(as_of))
    query = query.select_from(Item)
    for target, onclause in joins:
        query = query.join(target, onclause)
    # The order columns are grouped too (PostgreSQL wants every ordered column grouped).
    query = query.where(scope, in_scope_on(as_of)).group_by(key, label_zh, label_en, *order)
    return query.order_by(*(order or [key]))


def completion_table(scope: ColumnElement[bool], *, by: str, as_of: date) -> Table:
    """Completion figures of the items matching `scope`, grouped `by`, as of `as_of`."""
    grouping = Grouping(by)
    rows = []
    for r in db.session.execute(completion_query(scope, by=grouping, as_of=as_of)):
        zh, en = r.zh, r.en
        if grouping == Grouping.LISTING_LEVEL:
            zh, en = LISTING_LABELS[ListingLevel(r.key)]
        rows.append(
            Row(
                str(r.key),
                zh,
                en,
                r.items,
                r.verified,
                r.overdue,
                r.relapsed,
                r.on_time,
                int(r.days_to_rectify),
            )
        )
    total = Row("TOTAL", "合计", "Total")
    for row in rows:
        total.items += row.items
        total.verified += row.verified
        total.overdue += row.overdue
        total.relapsed += row.relapsed
        total.on_time += row.on_time
        total.days_to_rectify += row.days_to_rectify
    return Table(grouping, as_of, rows, total)


def totals(scope: ColumnElement[bool], *, as_of: date) -> Row:
    """The headline numbers of `scope` (one ungrouped query)."""
    r = db.session.execute(
        select(literal(1), *measures(as_of)).select_from(Item).where(scope, in_scope_on(as_of))
    ).one()
    return Row(
        "TOTAL",
        "合计",
        "Total",
        r.items,
        r.verified,
        r.overdue,
        r.relapsed,
        r.on_time,
        int(r.days_to_rectify),
    )


@dataclass
class Point:
    """One week of the progress line: items in scope and verified by the week's last day."""

    day: date
    items: int
    verified: int

    @property
    def completion_rate(self) -> Decimal | None:
        return rate(self.verified, self.items)


def week_ends(start: date, as_of: date, *, max_weeks: int = 26) -> list[date]:
    """The cut-off day and every seventh day before it, back to `start` (at most `max_weeks`)."""
    days = [as_of]
    while len(days) < max_weeks and days[-1] - timedelta(days=7) >= start:
        days.append(days[-1] - timedelta(days=7))
    return days[::-1]


def weekly_series(scope: ColumnElement[bool], *, start: date, as_of: date) -> list[Point]:
    """Completion per week up to the cut-off: ONE query with two counts per week's end."""
    days = week_ends(start, as_of)
    columns = []
    for i, day in enumerate(days):
        flagged = Item.flagged_on <= day
        verified = and_(flagged, Item.verified_on.is_not(None), Item.verified_on <= day)
        columns.append(_count_if(flagged).label(f"items_{i}"))
        columns.append(_count_if(verified).label(f"verified_{i}"))
    row = db.session.execute(
        select(*columns).select_from(Item).where(scope, Item.status != Status.WITHDRAWN)
    ).one()
    return [Point(day, int(row[2 * i]), int(row[2 * i + 1])) for i, day in enumerate(days)]


def state_counts(scope: ColumnElement[bool]) -> dict[str, int]:
    """Items of `scope` by their state now (withdrawn included), in lifecycle order."""
    found = dict(
        db.session.execute(
            select(Item.status, func.count()).where(scope).group_by(Item.status)
        ).all()
    )
    return {status.value: int(found.get(status.value, 0)) for status in Status}


def lagging(rows: list[Row]) -> list[Row]:
    """Rows ordered with who lags most first: lowest completion, then most overdue."""
    return sorted(
        rows,
        key=lambda r: (
            r.completion_rate if r.completion_rate is not None else HUNDRED + 1,
            -r.overdue,
            r.label_zh,
        ),
    )


def _count_if(condition):
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)
