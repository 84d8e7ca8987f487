"""The demo data (CONTRACTS C1): loaded once through the operations, with every case in it."""

from sqlalchemy import distinct, func, select
from stdnum.cn import uscc

from campaigns.campaigns.models import Campaign, CampaignStatus
from campaigns.items.lifecycle import Status
from campaigns.items.models import (
    EnforcementAction,
    EnforcementKind,
    Evidence,
    ExtensionRequest,
    Item,
    Light,
    ListingLevel,
    RequestState,
    TimelineEntry,
    Transfer,
    TransferState,
    item_co_agencies,
)
from campaigns.targets.models import Target, TargetKind
from campaigns.teams.models import Team
from portal import clock
from portal.accounts.models import User
from portal.directory.models import Agency
from portal.extensions import db


def values(column) -> set:
    return set(db.session.scalars(select(column).distinct()))


def test_demo_loads_every_case_once_and_its_people_sign_in(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data loaded." in result.output
    today = clock.today()

    campaigns = {c.code: c for c in db.session.scalars(select(Campaign))}
    assert {"ENV2026", "TRF2026", "WS2026", "FIN2026"} <= set(campaigns)
    assert {c.kind for c in campaigns.values()} >= {
        "environment",
        "traffic",
        "work_safety",
        "financial_order",
    }
    statuses = {code: c.status_on(today) for code, c in campaigns.items()}
    assert statuses["ENV2026"] == CampaignStatus.REVIEW  # its look-back is open today
    assert (campaigns["ENV2026"].review_starts - campaigns["ENV2026"].action_ends).days == 1
    assert (today - campaigns["ENV2026"].action_ends).days == 10
    assert {"active", "closed"} <= set(statuses.values())
    lead = db.session.scalar(select(User).where(User.username == "lead"))
    inspector = db.session.scalar(select(User).where(User.username == "inspector"))
    for campaign in campaigns.values():
        assert lead in campaign.leads
        teams = db.session.scalars(select(Team).where(Team.campaign_id == campaign.id)).all()
        assert any(inspector in t.members for t in teams), campaign.code
        assert all(t.towns for t in teams)

    items = db.session.scalars(select(Item)).all()
    assert 250 <= len(items) <= 600
    assert {i.status for i in items} == set(Status)
    assert {i.light_on(today, 3) for i in items} == {Light.GREEN, Light.YELLOW, Light.RED, None}
    assert any(i.late for i in items) and any(i.overdue for i in items)
    assert any(i.relapse_count for i in items)
    assert {i.listing_level for i in items} == set(ListingLevel)
    assert all(i.listing_doc_no for i in items if i.listing_level != ListingLevel.NONE)
    assert values(Transfer.state) == set(TransferState)
    assert values(ExtensionRequest.state) == set(RequestState)
    assert values(EnforcementAction.kind) == set(EnforcementKind)
    assert db.session.scalar(select(func.count()).where(TimelineEntry.kind == "comment")) >= 20
    # Flagged and verified days spread over the past weeks, as real timelines.
    assert len({i.flagged_on for i in items}) > 40
    assert all(i.flagged_on < today for i in items)
    moves = db.session.scalar(select(func.count()).where(TimelineEntry.kind == "moved"))
    assert moves > len(items)

    photos = db.session.scalars(select(Evidence)).all()
    assert photos and all(p.content_type == "image/jpeg" and p.thumbnail_name for p in photos)
    from campaigns.items.evidence import path_of

    assert path_of(photos[0].stored_name).exists()

    kinds = values(Target.kind)
    assert kinds == set(TargetKind)
    for code in db.session.scalars(
        select(Target.credit_code).where(Target.credit_code.is_not(None))
    ):
        assert uscc.is_valid(code)
    shared = db.session.execute(
        select(Item.target_id)
        .group_by(Item.target_id)
        .having(func.count(distinct(Item.campaign_id)) > 1)
    ).all()
    assert shared, "some targets appear in several campaigns"

    # liaison-police and liaison-env have plenty of joint cases, as lead and as co-agency.
    for code in ("police", "env"):
        agency = db.session.scalar(select(Agency).where(Agency.code == code))
        as_lead = db.session.scalar(select(func.count()).where(Item.lead_agency_id == agency.id))
        as_co = db.session.scalar(
            select(func.count()).where(item_co_agencies.c.agency_id == agency.id)
        )
        assert as_lead >= 20 and as_co >= 10, (code, as_lead, as_co)

    _demo_accounts_sign_in_and_see_their_work(client)

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0 and "already loaded" in again.output
    assert db.session.scalar(select(func.count()).select_from(Item)) == len(items)


def _demo_accounts_sign_in_and_see_their_work(client):
    for username in ("admin", "lead", "inspector", "liaison-police", "liaison-env"):
        client.post("/logout")
        response = client.post("/login", data={"username": username, "password": "portal-demo"})
        assert response.status_code == 302, username
        assert client.get("/campaigns/").status_code == 200
    client.post("/logout")
    client.post("/login", data={"username": "lead", "password": "portal-demo"})
    home = client.get("/").get_data(as_text=True)
    for code in ("ENV2026", "TRF2026", "WS2026", "FIN2026"):
        assert code in home
    client.post("/logout")
    client.post("/login", data={"username": "liaison-police", "password": "portal-demo"})
    page = client.get("/campaigns/ENV2026").get_data(as_text=True)
    joint_cases = int(page.split('<span class="value">')[1].split("<")[0])
    assert joint_cases > 0  # their joint cases in the environment campaign
