"""The weekly progress bulletin (通报): a snapshot of one campaign's week, kept as it was.

Issued on Mondays for the week before (Monday to Sunday), with figures as of that Sunday and
the change since the Sunday before. Figures come from campaigns.figures.queries (grouped SQL);
lists are capped so that a bulletin stays a meeting paper, with the full counts beside them.
"""

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import joinedload

from campaigns.bulletins.models import Bulletin
from campaigns.campaigns.models import Campaign, CampaignStatus
from campaigns.figures import queries as figures
from campaigns.items.lifecycle import Status
from campaigns.items.models import (
    EntryKind,
    Item,
    ListingLevel,
    TimelineEntry,
    Transfer,
    TransferState,
)
from portal import clock
from portal.extensions import db
from portal.scheduler import unique_effect

LIST_CAP = 50
LISTED_CAP = 300
LAGGING_CAP = 10
ISSUED_FOR = (CampaignStatus.ACTIVE, CampaignStatus.REVIEW)


def _rate(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _change(now: Decimal | None, before: Decimal | None) -> str | None:
    if now is None or before is None:
        return None
    return str(now - before)


def _item_row(item: Item) -> dict:
    return {
        "ref": item.ref,
        "title": item.title,
        "district_zh": item.district.name_zh,
        "district_en": item.district.name_en or item.district.name_zh,
        "agency_zh": item.lead_agency.name_zh,
        "agency_en": item.lead_agency.name_en,
        "status": item.status,
        "deadline": item.deadline.isoformat(),
        "listing_level": item.listing_level,
        "relapses": item.relapse_count,
    }


def _items(query, cap: int = LIST_CAP) -> tuple[int, list[dict]]:
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.options(joinedload(Item.district), joinedload(Item.lead_agency)).limit(cap)
    ).all()
    return total, [_item_row(item) for item in rows]


def _groups(by: str, scope, as_of: date, before: date) -> list[dict]:
    now = figures.completion_table(scope, by=by, as_of=as_of)
    previous = {row.key: row for row in figures.completion_table(scope, by=by, as_of=before).rows}
    rows = []
    for row in now.rows:
        last = previous.get(row.key)
        rows.append(
            {
                "key": row.key,
                "zh": row.label_zh,
                "en": row.label_en,
                "items": row.items,
                "verified": row.verified,
                "overdue": row.overdue,
                "rate": _rate(row.completion_rate),
                "previous": _rate(last.completion_rate if last else None),
                "change": _change(row.completion_rate, last.completion_rate if last else None),
            }
        )
    return rows


def build_content(campaign: Campaign, week_starts: date) -> dict:
    """The bulletin issued on `week_starts` (a Monday) for the seven days before it."""
    first, last = week_starts - timedelta(days=7), week_starts - timedelta(days=1)
    before = first - timedelta(days=1)
    scope = Item.campaign_id == campaign.id
    counted = and_(scope, figures.in_scope_on(last))
    now, previous = figures.totals(scope, as_of=last), figures.totals(scope, as_of=before)

    by_ref = (Item.deadline, Item.id)
    new_total, new_items = _items(
        select(Item).where(scope, Item.flagged_on.between(first, last)).order_by(Item.id)
    )
    verified_total, verified_items = _items(
        select(Item)
        .where(scope, Item.verified_on.between(first, last))
        .order_by(Item.verified_on, Item.id)
    )
    returned = (
        select(TimelineEntry.item_id)
        .where(
            TimelineEntry.kind == EntryKind.MOVED,
            TimelineEntry.action == "return",
            TimelineEntry.at >= clock.start_of_day(first),
            TimelineEntry.at < clock.end_of_day(last),
        )
        .distinct()
    )
    returned_total, returned_items = _items(
        select(Item).where(scope, Item.id.in_(returned)).order_by(Item.id)
    )
    not_verified = or_(Item.verified_on.is_(None), Item.verified_on > last)
    overdue_total, overdue_items = _items(
        select(Item).where(counted, not_verified, Item.deadline < last).order_by(*by_ref)
    )
    listed_total, listed = _items(
        select(Item)
        .where(scope, Item.listing_level != ListingLevel.NONE, Item.status != Status.WITHDRAWN)
        .order_by(Item.listing_level.desc(), *by_ref),
        cap=LISTED_CAP,
    )
    by_district = _groups("district", scope, last, before)
    by_agency = _groups("agency", scope, last, before)
    overall = now.completion_rate
    lagging = []
    if overall is not None:
        for kind, rows in (("district", by_district), ("agency", by_agency)):
            behind = [
                r
                for r in rows
                if r["rate"] is not None and Decimal(r["rate"]) < overall and r["overdue"]
            ]
            behind.sort(key=lambda r: (Decimal(r["rate"]), -r["overdue"]))
            lagging += [{"kind": kind, **r} for r in behind[:LAGGING_CAP]]
    transfers = db.session.scalars(
        select(Transfer)
        .join(Item, Item.id == Transfer.item_id)
        .where(scope, Transfer.state == TransferState.PENDING)
        .options(
            joinedload(Transfer.item),
            joinedload(Transfer.from_agency),
            joinedload(Transfer.to_agency),
        )
        .order_by(Transfer.proposed_at)
    ).all()
    return {
        "campaign": {"code": campaign.code, "title": campaign.title},
        "week_starts": week_starts.isoformat(),
        "first": first.isoformat(),
        "last": last.isoformat(),
        "status": campaign.status_on(week_starts).value,
        "totals": {
            "items": now.items,
            "verified": now.verified,
            "open": now.open,
            "overdue": now.overdue,
            "relapsed": now.relapsed,
            "rate": _rate(overall),
            "previous": _rate(previous.completion_rate),
            "change": _change(overall, previous.completion_rate),
            "on_time_rate": _rate(now.on_time_rate),
        },
        "week": {
            "new": new_total,
            "verified": verified_total,
            "returned": returned_total,
            "overdue": overdue_total,
        },
        "new_items": new_items,
        "verified_items": verified_items,
        "returned_items": returned_items,
        "overdue_items": overdue_items,
        "by_district": by_district,
        "by_agency": by_agency,
        "lagging": lagging,
        "listed_total": listed_total,
        "listed": listed,
        "transfers": [
            {
                "ref": t.item.ref,
                "title": t.item.title,
                "from_zh": t.from_agency.name_zh,
                "from_en": t.from_agency.name_en,
                "to_zh": t.to_agency.name_zh,
                "to_en": t.to_agency.name_en,
                "proposed_on": clock.local_date(t.proposed_at).isoformat(),
                "days": (week_starts - clock.local_date(t.proposed_at)).days,
            }
            for t in transfers
        ],
    }


def issue(campaign: Campaign, week_starts: date) -> Bulletin | None:
    """Generate and keep the bulletin of `week_starts`; None if it exists already."""
    exists = db.session.scalar(
        select(Bulletin.id).where(
            Bulletin.campaign_id == campaign.id, Bulletin.week_starts == week_starts
        )
    )
    if exists:
        return None
    bulletin = Bulletin(
        campaign_id=campaign.id,
        week_starts=week_starts,
        generated_at=clock.now(),
        content=build_content(campaign, week_starts),
    )
    with unique_effect() as outcome:
        db.session.add(bulletin)
    return bulletin if outcome["made"] else None
