"""Factories: objects for tests, built through the same operations the portal uses."""

import itertools
from datetime import timedelta

from sqlalchemy import select
from werkzeug.security import generate_password_hash

from campaigns.campaigns.operations import create_campaign
from campaigns.items.lifecycle import Status
from campaigns.items.models import EntryKind, Item, TimelineEntry
from campaigns.items.operations import flag_item
from campaigns.targets.models import Target
from campaigns.teams.operations import save_team
from portal import clock
from portal.accounts.models import User
from portal.directory.models import Agency, Region
from portal.extensions import db

PASSWORD = "correct-horse-battery"
_HASH = generate_password_hash(PASSWORD)
_seq = itertools.count(1)


def _n() -> int:
    return next(_seq)


def make_agency(code: str | None = None, **fields) -> Agency:
    if code and (found := db.session.scalar(select(Agency).where(Agency.code == code))):
        return found
    n = _n()
    agency = Agency(
        code=code or f"agency{n}",
        name_zh=fields.get("name_zh", f"单位{n}"),
        name_en=fields.get("name_en", f"Agency {n}"),
        kind=fields.get("kind", "regulator"),
    )
    db.session.add(agency)
    db.session.flush()
    return agency


def make_region(
    level: str = "district",
    parent: Region | None = None,
    name: str | None = None,
    code: str | None = None,
) -> Region:
    if level in ("district", "county") and parent is None:
        parent = make_region("city")
    if level == "town" and parent is None:
        parent = make_region("district")
    region = Region(level=level, parent=parent, name_zh=name or f"{level}{_n()}", code=code)
    db.session.add(region)
    db.session.flush()
    return region


def make_user(
    role: str | None = "inspector",
    agency: Agency | None = None,
    username: str | None = None,
    roles=None,
    active: bool = True,
    locale: str | None = None,
) -> User:
    user = User(
        username=username or f"user{_n()}",
        display_name=username or "Test User",
        password_hash=_HASH,
        agency=agency or make_agency(),
        active=active,
        locale=locale,
    )
    user.set_roles(roles if roles is not None else ([role] if role else []))
    db.session.add(user)
    db.session.flush()
    return user


def make_campaign(
    *,
    leads=(),
    lead_agency=None,
    agencies=(),
    kind="work_safety",
    code=None,
    starts=None,
    ends=None,
    **fields,
):
    today = clock.today()
    return create_campaign(
        by=None,
        code=code or f"C{_n()}",
        title=fields.pop("title", "Test campaign"),
        kind=kind,
        lead_agency=lead_agency or make_agency(),
        agencies=agencies,
        leads=leads,
        action_starts=starts or today - timedelta(days=10),
        action_ends=ends or today + timedelta(days=60),
        **fields,
    )


def make_team(campaign, *, members=(), leader=None, name=None, towns=()):
    return save_team(
        None,
        campaign=campaign,
        by=None,
        name=name or f"Team {_n()}",
        leader=leader,
        members=members,
        towns=towns,
    )


def make_target(region=None, name=None, credit_code=None) -> Target:
    target = Target(
        name=name or f"Enterprise {_n()}",
        region=region or make_region("town"),
        credit_code=credit_code,
    )
    db.session.add(target)
    db.session.flush()
    return target


def make_item(
    campaign=None,
    *,
    state: str = "assigned",
    team=None,
    lead_agency=None,
    co_agencies=(),
    district=None,
    town=None,
    deadline=None,
    listing_level="none",
    title=None,
    by=None,
    category=None,
    flagged_at=None,
    verified_at=None,
) -> Item:
    """An item flagged through flag_item, then put in `state` with a matching timeline."""
    campaign = campaign or make_campaign()
    team = team or make_team(campaign)
    if town is not None:
        district = town.parent
    district = district or make_region("district")
    item = flag_item(
        campaign,
        by=by,
        team=team,
        target=make_target(town or make_region("town", district)),
        district=district,
        town=town,
        category=category or campaign.categories[0],
        title=title or f"Problem {_n()}",
        lead_agency=lead_agency or make_agency(),
        co_agencies=co_agencies,
        deadline=clock.today() + timedelta(days=20),
        listing_level=listing_level,
        listing_doc_no="DOC-1" if listing_level != "none" else None,
        check_access=False,
    )
    if deadline is not None:  # may lie in the past, which the flag form refuses
        item.deadline = item.original_deadline = deadline
    if flagged_at is not None:
        item.flagged_at = flagged_at
        item.flagged_on = clock.local_date(flagged_at)
    now = clock.now()
    path = {
        "assigned": [],
        "rectifying": ["rectifying"],
        "submitted": ["rectifying", "submitted"],
        "verified": ["rectifying", "submitted", "verified"],
        "withdrawn": ["withdrawn"],
    }[state]
    previous = Status.ASSIGNED
    for step in path:
        if step == "rectifying":
            item.acknowledged_at = now
        elif step == "submitted":
            item.submitted_at = now
            item.measures = "Measures taken"
        elif step == "verified":
            item.verified_at = verified_at or now
            item.verified_on = clock.local_date(item.verified_at)
        elif step == "withdrawn":
            item.withdrawn_at = now
        item.status = step
        db.session.add(
            TimelineEntry(
                item_id=item.id, kind=EntryKind.MOVED, from_status=previous, to_status=step, at=now
            )
        )
        previous = step
    db.session.flush()
    return item


class World:
    """A small, complete scene: one campaign with two teams, three agencies, every role.

    - `lead` leads the campaign; `admin` is an admin;
    - `inspector` is in team_a (which flags the items), `inspector_b` in team_b of the same
      campaign, `outsider` in a team of another campaign;
    - `police` is the lead agency of `item`, `env` a co-agency, `transport` unrelated;
      `liaison_police`, `liaison_env`, `liaison_transport` are their liaisons.
    """

    def __init__(self):
        self.plc = make_agency("plc")
        self.police = make_agency("police")
        self.env = make_agency("env")
        self.transport = make_agency("transport")
        self.emergency = make_agency("emergency")
        self.city = make_region("city", name="淄博市", code="370300")
        self.district = make_region("district", self.city, name="张店区", code="370303")
        self.town = make_region("town", self.district, name="车站街道")
        self.admin = make_user("admin", self.plc, "admin1")
        self.lead = make_user("lead", self.plc, "lead1")
        self.inspector = make_user("inspector", self.emergency, "inspector1")
        self.inspector_b = make_user("inspector", self.emergency, "inspector2")
        self.outsider = make_user("inspector", self.emergency, "inspector3")
        self.liaison_police = make_user("liaison", self.police, "liaison-police1")
        self.liaison_env = make_user("liaison", self.env, "liaison-env1")
        self.liaison_transport = make_user("liaison", self.transport, "liaison-transport1")
        self.campaign = make_campaign(
            leads=[self.lead],
            lead_agency=self.plc,
            code="WS2026",
            agencies=[self.police, self.env, self.transport],
        )
        self.team_a = make_team(
            self.campaign, members=[self.inspector], name="Team A", leader=self.inspector
        )
        self.team_b = make_team(self.campaign, members=[self.inspector_b], name="Team B")
        self.other_campaign = make_campaign(
            code="ENV2026", kind="environment", lead_agency=self.plc
        )
        self.other_team = make_team(self.other_campaign, members=[self.outsider])
        self.item = make_item(
            self.campaign,
            team=self.team_a,
            lead_agency=self.police,
            co_agencies=[self.env],
            town=self.town,
        )
        db.session.commit()
