"""The item lists as SQL: filters, sort, counts per status, a liaison's joint cases, the
inspector's home panel.

What follows from the deadline (overdue, the warning light) is an SQL expression against
clock.today() here, and a property on the model for one item (Item.light_on); never stored.
Every list loads its rows with their related objects in a fixed number of queries.
"""

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, func, or_, select, union
from sqlalchemy.orm import aliased, joinedload, selectinload

from campaigns.campaigns.models import Campaign, CampaignCategory
from campaigns.items.lifecycle import OPEN_STATES, Status
from campaigns.items.models import (
    EntryKind,
    Item,
    Light,
    TimelineEntry,
    Transfer,
    TransferState,
    item_co_agencies,
)
from campaigns.targets.models import Target
from campaigns.teams.models import Team
from portal import access, clock
from portal.database import on_postgresql
from portal.extensions import db
from portal.pagination import paginate

OPEN = sorted(OPEN_STATES)
# Where the lead agency still has to act (a submitted item waits for the team).
WITH_LEAD_AGENCY = (Status.ASSIGNED, Status.RECTIFYING)
STATUS_ORDER = list(Status)


def warning_days() -> int:
    return current_app.config["WARNING_DAYS"]


def overdue_clause(today: date):
    return and_(Item.status.in_(OPEN), Item.deadline < today)


def light_clause(light: str, today: date, days: int):
    """Items showing this warning light today (closed items show none)."""
    soon = today + timedelta(days=days)
    deadline = {
        Light.RED: Item.deadline < today,
        Light.YELLOW: Item.deadline.between(today, soon),
        Light.GREEN: Item.deadline > soon,
    }[Light(light)]
    return and_(Item.status.in_(OPEN), deadline)


def _in_category(code: str):
    return Item.category_id.in_(select(CampaignCategory.id).where(CampaignCategory.code == code))


def _with_co_agency(agency_id: int):
    return Item.id.in_(
        select(item_co_agencies.c.item_id).where(item_co_agencies.c.agency_id == agency_id)
    )


def _matching(q: str):
    """Items whose reference, title or target's name holds `q`."""
    ref = Item.ref.icontains(q, autoescape=True)
    title = Item.title.icontains(q, autoescape=True)
    # The matching targets once, not a lookup of each item's target.
    target = Item.target_id.in_(select(Target.id).where(Target.name.icontains(q, autoescape=True)))
    if not on_postgresql():
        return or_(ref, title, target)  # SQLite reads the rows either way; one pass is quickest
    # PostgreSQL: each part from its trigram index (migration 3c2f6a1d9b7e); written as one OR,
    # it read every item (0.3 s for a target's name at city scale, docs/PERFORMANCE.md).
    parts = [select(Item.id).where(clause).correlate(None) for clause in (ref, title, target)]
    return Item.id.in_(union(*parts))


def _ids(value) -> list[int]:
    """One id, or several (the API names a team by its name, which campaigns may share)."""
    return [int(v) for v in value] if isinstance(value, list | tuple) else [int(value)]


def filter_clauses(values: dict, *, skip=()) -> list:
    """SQL conditions for the list's filters; `values` holds only checked, non-empty ones."""
    today, days = clock.today(), warning_days()
    builders = {
        "campaign": lambda v: Item.campaign.has(Campaign.code == v),
        "status": lambda v: Item.status == v,
        "light": lambda v: light_clause(v, today, days),
        "district": lambda v: Item.district_id == int(v),
        "town": lambda v: Item.town_id == int(v),
        "lead_agency": lambda v: Item.lead_agency_id == int(v),
        "co_agency": lambda v: _with_co_agency(int(v)),
        "agency": lambda v: or_(Item.lead_agency_id == int(v), _with_co_agency(int(v))),
        "team": lambda v: Item.team_id.in_(_ids(v)),
        "category": _in_category,
        "severity": lambda v: Item.severity == v,
        "listing_level": lambda v: Item.listing_level == v,
        "overdue": lambda v: overdue_clause(today) if v == "yes" else ~overdue_clause(today),
        "q": _matching,
    }
    return [builders[key](value) for key, value in values.items() if value and key not in skip]


# What a list row shows besides the item's own columns: the target (one of tens of
# thousands) joined, the small tables' rows (campaigns, regions, categories, agencies, teams)
# each loaded once for the whole page (by primary key), like the co-agencies.
ROW_JOINED = (Item.target,)
ROW_LOADED = (
    Item.campaign,
    Item.district,
    Item.town,
    Item.category,
    Item.lead_agency,
    Item.team,
    Item.co_agencies,
)


def rows(ids: list[int]) -> list[Item]:
    """The items `ids` (a page, in that order) with what a list row shows, in a fixed number
    of queries whatever the page's length.

    A list first takes its page of ids from an index (`listing`), then loads these rows:
    joining the relations in the query that finds the page made PostgreSQL join every
    visible item before taking the page (issue 7, docs/PERFORMANCE.md)."""
    if not ids:
        return []
    found = db.session.scalars(
        select(Item)
        .where(Item.id.in_(ids))
        .options(*map(joinedload, ROW_JOINED), *map(selectinload, ROW_LOADED))
    )
    by_id = {item.id: item for item in found}
    return [by_id[i] for i in ids if i in by_id]


def ordered(query, sort: str):
    status_rank = case({s.value: i for i, s in enumerate(STATUS_ORDER)}, value=Item.status)
    order = {
        "deadline": (Item.deadline, Item.id),
        "flagged": (Item.flagged_at.desc(), Item.id.desc()),
        "ref": (Item.campaign_id, Item.seq),
        "status": (status_rank, Item.deadline, Item.id),
    }.get(sort) or (Item.deadline, Item.id)
    return query.order_by(*order)


def listing(where: list, sort: str):
    """The ids of a list's items in its order (a page of them is loaded with `rows`)."""
    return ordered(select(Item.id).where(*where), sort)


def page_of_items(where: list, sort: str, **pagination):
    """A page of a list (pagination in the database), its items loaded with `rows`."""
    page = paginate(listing(where, sort), **pagination)
    page.items = rows(list(page.items))
    return page


def status_counts(where: list) -> dict[str, int]:
    """How many items of each status match (one query, one filtered count per status: with a
    GROUP BY, SQLite walked the status index and looked up every row; without it, it counts
    from a covering index of the filter)."""
    row = db.session.execute(
        select(*(func.count().filter(Item.status == status) for status in STATUS_ORDER)).where(
            *where
        )
    ).one()
    return {status.value: int(n) for status, n in zip(STATUS_ORDER, row, strict=True)}


# --- A liaison's joint cases -----------------------------------------------------------------

# What needs the agency's action, then (so that it sees its work come to an end) what closed.
JOINT_GROUPS = (
    "to_acknowledge",
    "returned",
    "transfers",
    "overdue",
    "due_this_week",
    "closed_recently",
)
CLOSED_DAYS = 30


def _latest_move_was(action: str):
    """Filter on Item: the item's latest state change was `action`.

    Found from the timeline's side (entries of that action with no later move, through the
    action index), once for the whole query, not by a lookup per item (issue 7)."""
    later = aliased(TimelineEntry)
    return Item.id.in_(
        select(TimelineEntry.item_id).where(
            TimelineEntry.action == action,
            TimelineEntry.kind == EntryKind.MOVED,
            ~exists().where(
                later.item_id == TimelineEntry.item_id,
                later.kind == EntryKind.MOVED,
                later.id > TimelineEntry.id,
            ),
        )
    )


# Groups made only of items the agency leads, or is offered: they are its joint cases by
# definition, so they need no look at the co-agency relation.
OWN_GROUPS = ("to_acknowledge", "returned", "transfers")


def joint_case_clauses(agency_id: int) -> dict:
    """What needs an agency's action, group by group."""
    today = clock.today()
    lead = Item.lead_agency_id == agency_id
    waiting = Item.status.in_(WITH_LEAD_AGENCY)
    return {
        "to_acknowledge": and_(lead, Item.status == Status.ASSIGNED),
        "returned": and_(lead, Item.status == Status.RECTIFYING, _latest_move_was("return")),
        "transfers": Item.id.in_(
            select(Transfer.item_id).where(
                Transfer.to_agency_id == agency_id, Transfer.state == TransferState.PENDING
            )
        ),
        "overdue": and_(waiting, Item.deadline < today),
        "due_this_week": and_(waiting, Item.deadline.between(today, today + timedelta(days=6))),
        "closed_recently": and_(
            Item.status == Status.VERIFIED,
            Item.verified_on >= today - timedelta(days=CLOSED_DAYS),
        ),
    }


def _group_order(key: str) -> tuple:
    """Soonest deadline first; what closed, latest first."""
    if key == "closed_recently":
        return (Item.verified_at.desc(), Item.id.desc())
    return (Item.deadline, Item.id)


def _in_group(agency_id: int, key: str, clause, *, first: int | None = None):
    """Filter on Item: the agency's joint cases in a group (with `first`: only candidates for
    the group's first rows, taken from each part of the agency's UNION in the group's order)."""
    if key in OWN_GROUPS:
        return clause
    return Item.id.in_(
        access.agency_item_ids(
            agency_id, clause, first=(_group_order(key), first) if first else None
        )
    )


def joint_case_counts(user) -> dict[str, int]:
    """How many items wait in each group, in two queries: the agency's own groups each from
    an index, the others in one pass over the agency's joint cases (access.agency_items; a
    count of each group's UNION took twice as long at city scale, docs/PERFORMANCE.md)."""
    clauses = joint_case_clauses(user.agency_id)
    own = [select(func.count()).where(clauses[key]).scalar_subquery() for key in OWN_GROUPS]
    shared = [key for key in JOINT_GROUPS if key not in OWN_GROUPS]
    counts = dict(zip(OWN_GROUPS, db.session.execute(select(*own)).one(), strict=True))
    in_one_pass = select(*(func.count().filter(clauses[key]) for key in shared)).where(
        access.agency_items(user.agency_id, counting=True), or_(*(clauses[key] for key in shared))
    )
    counts |= dict(zip(shared, db.session.execute(in_one_pass).one(), strict=True))
    return {key: counts[key] for key in JOINT_GROUPS}


def joint_cases(user, *, limit: int = 20) -> dict[str, list[Item]]:
    """The first items of each group: soonest deadline first, or latest closed first."""
    clauses = joint_case_clauses(user.agency_id)
    groups = {}
    for key in JOINT_GROUPS:
        where = _in_group(user.agency_id, key, clauses[key], first=limit)
        query = select(Item.id).where(where).order_by(*_group_order(key))
        groups[key] = db.session.scalars(query.limit(limit)).all()
    loaded = {item.id: item for item in rows([i for ids in groups.values() for i in ids])}
    return {key: [loaded[i] for i in ids] for key, ids in groups.items()}


# --- An inspector's home panel ------------------------------------------------------------


def inspector_overview(user, *, limit: int = 10) -> dict:
    """Their teams' items awaiting verification, overdue items, and the latest changes."""
    mine = Item.team_id.in_(select(Team.id).where(access.team_membership(user)))
    today = clock.today()
    counts = db.session.execute(
        select(
            func.count().filter(Item.status == Status.SUBMITTED),
            func.count().filter(overdue_clause(today)),
        ).where(mine)
    ).one()
    recent = db.session.scalars(
        select(TimelineEntry)
        .join(Item, Item.id == TimelineEntry.item_id)
        .where(mine)
        .options(joinedload(TimelineEntry.item), joinedload(TimelineEntry.actor))
        .order_by(TimelineEntry.at.desc(), TimelineEntry.id.desc())
        .limit(limit)
    ).all()
    return {
        "awaiting_count": counts[0],
        "overdue_count": counts[1],
        "awaiting": rows(
            db.session.scalars(
                listing([mine, Item.status == Status.SUBMITTED], "deadline").limit(limit)
            ).all()
        ),
        "overdue": rows(
            db.session.scalars(
                listing([mine, overdue_clause(today)], "deadline").limit(limit)
            ).all()
        ),
        "recent": recent,
    }


def has_team(user) -> bool:
    return bool(db.session.scalar(select(Team.id).where(access.team_membership(user)).limit(1)))
