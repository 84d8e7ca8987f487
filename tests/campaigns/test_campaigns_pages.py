"""Campaigns through the web: create, edit, list, filter, the campaign page and its status."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from campaigns.campaigns.models import Campaign
from campaigns.campaigns.operations import default_categories
from campaigns.campaigns.queries import status_is
from campaigns.reviews.models import Review
from portal import clock
from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.campaigns.querycount import counting_queries
from tests.factories import World, make_campaign, make_item, make_team, make_user


@pytest.fixture
def world(app):
    return World()


def form(world, **changes) -> dict:
    today = clock.today()
    data = {
        "code": "TRF2027",
        "title": "道路交通安全专项整治",
        "kind": "traffic",
        "description": "联合巡查",
        "lead_agency_id": world.plc.id,
        "agency_ids": [world.police.id, world.transport.id],
        "lead_ids": [world.lead.id],
        "action_starts": (today + timedelta(days=1)).isoformat(),
        "action_ends": (today + timedelta(days=60)).isoformat(),
        "review_starts": "",
        "review_days": "30",
        "review_scope": "listed",
    }
    data.update(changes)
    return data


def campaign_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Campaign))


@pytest.mark.parametrize(
    "kind", ["environment", "traffic", "work_safety", "financial_order", "other"]
)
def test_lead_creates_a_campaign_seeded_with_its_kinds_categories(world, client, login, kind):
    login(world.lead)
    response = client.post("/campaigns/new", data=form(world, code="new27", kind=kind))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/campaigns/NEW27")
    page = client.get("/campaigns/NEW27").get_data(as_text=True)
    assert "道路交通安全专项整治" in page
    for _code, _zh, en in default_categories(kind):
        assert en in page
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "NEW27"))
    assert [c.code for c in campaign.categories] == [c for c, _zh, _en in default_categories(kind)]
    assert campaign.review_starts == campaign.action_ends + timedelta(days=1)
    assert campaign.review_days == 30 and campaign.review_scope == "listed"
    assert {a.code for a in campaign.agencies} == {"plc", "police", "transport"}
    assert [u.username for u in campaign.leads] == ["lead1"]
    assert db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.action == "campaign_created", AuditEntry.object_id == str(campaign.id)
        )
    )


def test_every_field_is_kept(world, client, login):
    login(world.admin)
    other_lead = make_user("lead", world.plc, "lead-two")
    db.session.commit()
    response = client.post(
        "/campaigns/new",
        data=form(
            world,
            code="WS2027",
            kind="work_safety",
            lead_agency_id=world.emergency.id,
            lead_ids=[world.lead.id, other_lead.id],
            action_starts="2027-03-01",
            action_ends="2027-05-31",
            review_starts="2027-05-20",
            review_days="45",
            review_scope="verified",
        ),
    )
    assert response.status_code == 302
    campaign = db.session.scalar(select(Campaign).where(Campaign.code == "WS2027"))
    assert campaign.lead_agency.code == "emergency"
    assert (campaign.action_starts, campaign.action_ends) == (date(2027, 3, 1), date(2027, 5, 31))
    assert campaign.review_starts == date(2027, 5, 20) and campaign.review_days == 45
    assert campaign.review_ends == date(2027, 7, 3)
    assert campaign.review_scope == "verified"
    assert {u.username for u in campaign.leads} == {"lead1", "lead-two"}
    assert campaign.description == "联合巡查"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"code": "env 2026!"}, "2 to 16 letters and digits"),
        ({"code": "9ABC"}, "2 to 16 letters and digits"),
        ({"code": "ws2026"}, "Another campaign already has this code."),
        (
            {"action_starts": "2027-05-01", "action_ends": "2027-04-30"},
            "The action phase must end on or after the day it starts.",
        ),
        (
            {
                "action_starts": "2027-05-01",
                "action_ends": "2027-06-30",
                "review_starts": "2027-04-01",
            },
            "The look-back must start after the action phase has started.",
        ),
        ({"review_days": "0"}, "between 1 and 366"),
        ({"lead_ids": []}, "Choose at least one lead."),
        ({"title": ""}, "This field is required."),
        ({"action_starts": "01/05/2027"}, "Not a valid date value."),
    ],
)
def test_invalid_campaign_is_refused_with_a_message(world, client, login, changes, message):
    login(world.lead)
    before = campaign_count()
    response = client.post("/campaigns/new", data=form(world, **changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert campaign_count() == before
    # What was typed is still there to correct.
    assert "道路交通安全专项整治" in response.get_data(as_text=True) or changes.get("title") == ""


def test_lead_edits_their_campaign(world, client, login):
    login(world.lead)
    campaign = world.campaign
    page = client.get("/campaigns/WS2026/edit").get_data(as_text=True)
    assert f'name="version" type="hidden" value="{campaign.version}"' in page
    data = form(
        world,
        title="安全生产联合执法（调整）",
        action_starts=campaign.action_starts.isoformat(),
        action_ends=(campaign.action_ends + timedelta(days=10)).isoformat(),
        review_starts=(campaign.action_ends - timedelta(days=5)).isoformat(),  # brought forward
        review_days="20",
        version=str(campaign.version),
    )
    response = client.post("/campaigns/WS2026/edit", data=data)
    assert response.status_code == 302
    db.session.refresh(campaign)
    assert campaign.title == "安全生产联合执法（调整）"
    assert campaign.review_starts == campaign.action_ends - timedelta(days=15)
    assert campaign.review_days == 20
    assert campaign.kind == "work_safety"  # the kind (and code) do not change
    # The same form again carries an old version: someone else's change is not overwritten.
    assert client.post("/campaigns/WS2026/edit", data=data).status_code == 409


def test_review_start_defaults_to_the_day_after_the_action_phase_on_edit(world, client, login):
    login(world.lead)
    data = form(world, action_starts="2026-01-01", action_ends="2026-12-31", review_starts="")
    assert client.post("/campaigns/WS2026/edit", data=data).status_code == 302
    db.session.refresh(world.campaign)
    assert world.campaign.review_starts == date(2027, 1, 1)


def test_a_default_look_back_start_follows_a_longer_action_phase(world, client, login):
    campaign = world.campaign
    login(world.lead)
    data = form(
        world,
        action_starts=campaign.action_starts.isoformat(),
        action_ends=(campaign.action_ends + timedelta(days=30)).isoformat(),
        review_starts=campaign.review_starts.isoformat(),  # as the edit form shows it
    )
    old_end = campaign.action_ends
    assert client.post("/campaigns/WS2026/edit", data=data).status_code == 302
    db.session.refresh(campaign)
    assert campaign.review_starts == old_end + timedelta(days=31)


def test_a_lead_cannot_take_themselves_off(world, client, login):
    other = make_user("lead", world.plc, "lead-two")
    db.session.commit()
    login(world.lead)
    response = client.post("/campaigns/WS2026/edit", data=form(world, lead_ids=[other.id]))
    assert response.status_code == 200
    assert "You cannot take yourself off the campaign" in response.get_data(as_text=True)
    db.session.refresh(world.campaign)
    assert [u.username for u in world.campaign.leads] == ["lead1"]


def test_review_dates_are_fixed_once_the_look_back_opened(world, client, login):
    campaign = world.campaign
    db.session.add(
        Review(
            campaign_id=campaign.id, opens_on=campaign.review_starts, closes_on=campaign.review_ends
        )
    )
    db.session.commit()
    login(world.lead)
    data = form(
        world,
        action_starts=campaign.action_starts.isoformat(),
        action_ends=campaign.action_ends.isoformat(),
        review_days="60",
    )
    response = client.post("/campaigns/WS2026/edit", data=data)
    assert response.status_code == 200
    assert "The look-back has opened" in response.get_data(as_text=True)


# --- Who may do what ------------------------------------------------------------------------


def _user(world, who):
    if who == "other_lead":
        return make_user("lead", world.plc, "lead-elsewhere")
    return getattr(world, who)


PERMISSIONS = [
    # (who, what, status)
    ("admin", "create", 200),
    ("lead", "create", 200),
    ("other_lead", "create", 200),
    ("inspector", "create", 403),
    ("liaison_police", "create", 403),
    ("admin", "edit", 200),
    ("lead", "edit", 200),
    ("other_lead", "edit", 404),
    ("inspector", "edit", 403),
    ("outsider", "edit", 404),
    ("liaison_police", "edit", 403),
    ("admin", "categories", 200),
    ("lead", "categories", 200),
    ("other_lead", "categories", 404),
    ("inspector", "categories", 403),
    ("liaison_police", "categories", 403),
    ("admin", "view", 200),
    ("lead", "view", 200),
    ("other_lead", "view", 404),
    ("inspector", "view", 200),
    ("inspector_b", "view", 200),
    ("outsider", "view", 404),
    ("liaison_police", "view", 200),
    ("liaison_env", "view", 200),
]
PATHS = {
    "create": "/campaigns/new",
    "edit": "/campaigns/WS2026/edit",
    "categories": "/campaigns/WS2026/categories",
    "view": "/campaigns/WS2026",
}


@pytest.mark.parametrize(("who", "what", "status"), PERMISSIONS)
def test_campaign_permissions(world, client, login, who, what, status):
    user = _user(world, who)
    db.session.commit()
    login(user)
    assert client.get(PATHS[what]).status_code == status
    if what in ("edit", "categories") and status != 200:
        title_before = world.campaign.title
        response = client.post(PATHS[what], data=form(world, title="taken over"))
        assert response.status_code == status
        db.session.refresh(world.campaign)
        assert world.campaign.title == title_before
    if what == "create" and status != 200:
        assert client.post(PATHS[what], data=form(world)).status_code == status
        assert not db.session.scalar(select(Campaign.id).where(Campaign.code == "TRF2027"))


def test_campaigns_outside_scope_are_not_listed(world, client, login):
    login(world.liaison_transport)
    make_campaign(code="FIN2026", kind="financial_order", lead_agency=world.plc)
    db.session.commit()
    page = client.get("/campaigns/").get_data(as_text=True)
    assert "WS2026" in page  # transport takes part in WS2026
    assert "ENV2026" not in page and "FIN2026" not in page
    assert client.get("/campaigns/FIN2026").status_code == 404
    assert client.get("/campaigns/NOPE").status_code == 404


# --- The list --------------------------------------------------------------------------------


def test_list_filters_by_status_kind_and_text(world, client, login):
    today = clock.today()
    make_campaign(
        code="DRAFT1",
        title="校园周边治理",
        kind="other",
        leads=[world.lead],
        starts=today + timedelta(days=5),
        ends=today + timedelta(days=40),
    )
    make_campaign(
        code="OLD2025",
        title="往年环境整治",
        kind="environment",
        leads=[world.lead],
        starts=today - timedelta(days=200),
        ends=today - timedelta(days=120),
    )
    db.session.commit()
    login(world.lead)

    def codes(query):
        page = client.get(f"/campaigns/{query}").get_data(as_text=True)
        return {c for c in ("WS2026", "DRAFT1", "OLD2025") if f"<code>{c}</code>" in page}

    assert codes("") == {"WS2026", "DRAFT1", "OLD2025"}
    assert codes("?status=draft") == {"DRAFT1"}
    assert codes("?status=active") == {"WS2026"}
    assert codes("?status=closed") == {"OLD2025"}
    assert codes("?status=review") == set()
    assert codes("?kind=environment") == {"OLD2025"}
    assert codes("?q=校园") == {"DRAFT1"}
    assert codes("?q=ws20") == {"WS2026"}
    assert codes("?status=nonsense") == {"WS2026", "DRAFT1", "OLD2025"}


def test_list_is_paginated(world, client, login):
    for n in range(30):
        make_campaign(code=f"P{n:02d}", leads=[world.lead])
    db.session.commit()
    login(world.lead)
    first = client.get("/campaigns/").get_data(as_text=True)
    assert "Page 1 of 2" in first and "31 in all" in first
    second = client.get("/campaigns/?page=2").get_data(as_text=True)
    assert "Page 2 of 2" in second


# --- Status from the dates -----------------------------------------------------------------


def test_status_follows_the_dates(world, client, login):
    start = clock.today() + timedelta(days=10)
    campaign = make_campaign(
        code="DATES",
        leads=[world.lead],
        starts=start,
        ends=start + timedelta(days=29),
        review_days=10,
    )
    db.session.commit()
    expected = [
        (-1, "draft", "Not started"),
        (0, "active", "Action phase"),
        (29, "active", "Action phase"),
        (30, "review", "Look-back"),
        (39, "review", "Look-back"),
        (40, "closed", "Closed"),
    ]
    for offset, status, label in expected:
        day = start + timedelta(days=offset)
        with clock.travel_to(day):
            assert campaign.status == status
            login(world.lead)  # sessions end when idle: sign in on the day
            page = client.get("/campaigns/DATES").get_data(as_text=True)
            assert f'data-testid="campaign-status">{label}<' in page, (offset, status)
            listed = client.get(f"/campaigns/?status={status}").get_data(as_text=True)
            assert "<code>DATES</code>" in listed, (offset, status)


def test_status_in_sql_agrees_with_the_model_every_day(world):
    """The list filter (SQL date arithmetic, SQLite or PostgreSQL) follows Campaign.status_on."""
    start = date(2026, 2, 20)  # across the end of February
    campaigns = [
        make_campaign(code="A1", starts=start, ends=start + timedelta(days=7), review_days=3),
        make_campaign(
            code="A2",
            starts=start,
            ends=start + timedelta(days=20),
            review_starts=start + timedelta(days=5),  # brought forward
            review_days=1,
        ),
        make_campaign(code="A3", starts=start + timedelta(days=3), ends=start + timedelta(days=3)),
    ]
    db.session.commit()
    for offset in range(-2, 45):
        day = start + timedelta(days=offset)
        for status in ("draft", "active", "review", "closed"):
            found = set(
                db.session.scalars(
                    select(Campaign.code).where(status_is(status, day), Campaign.code.like("A%"))
                )
            )
            assert found == {c.code for c in campaigns if c.status_on(day) == status}, (day, status)


# --- The campaign page ----------------------------------------------------------------------


def test_campaign_page_counts_items_per_status(world, client, login):
    for state in ["assigned", "rectifying", "rectifying", "verified", "withdrawn"]:
        make_item(world.campaign, team=world.team_a, lead_agency=world.transport, state=state)
    make_item(
        world.campaign,
        team=world.team_a,
        lead_agency=world.transport,
        state="assigned",
        deadline=clock.today(),
    )
    db.session.commit()
    with clock.travel_to(clock.today() + timedelta(days=1)):
        login(world.lead)
        page = client.get("/campaigns/WS2026").get_data(as_text=True)
    assert '<span class="value">7</span> <span class="label">All items</span>' in page
    assert '<span class="value">3</span> <span class="label">Assigned</span>' in page
    assert '<span class="value">2</span> <span class="label">Rectifying</span>' in page
    assert '<span class="value">1</span> <span class="label">Verified and closed</span>' in page
    assert '<span class="value late">1</span> <span class="label">Overdue</span>' in page
    # A liaison counts only their agency's joint cases: nothing reveals the others.
    login(world.liaison_police)
    page = client.get("/campaigns/WS2026").get_data(as_text=True)
    assert '<span class="value">1</span> <span class="label">All items</span>' in page


LINKS = {
    "items": "/campaigns/WS2026/items",
    "flag": "/campaigns/WS2026/items/new",
    "dashboard": "/campaigns/WS2026/dashboard",
    "review": "/campaigns/WS2026/review",
    "bulletins": "/campaigns/WS2026/bulletins",
    "import": "/campaigns/WS2026/import",
    "export": "/campaigns/WS2026/export/ledger.csv",
    "edit": "/campaigns/WS2026/edit",
    "new team": "/campaigns/WS2026/teams/new",
}


@pytest.mark.parametrize(
    ("who", "shown"),
    [
        (
            "lead",
            {"items", "dashboard", "review", "bulletins", "import", "export", "edit", "new team"},
        ),
        (
            "admin",
            {"items", "dashboard", "review", "bulletins", "import", "export", "edit", "new team"},
        ),
        ("inspector", {"items", "flag", "dashboard", "review", "bulletins", "export"}),
        ("liaison_police", {"items", "export"}),
    ],
)
def test_campaign_page_shows_only_the_links_the_user_may_use(world, client, login, who, shown):
    login(getattr(world, who))
    page = client.get("/campaigns/WS2026").get_data(as_text=True)
    for name, link in LINKS.items():
        assert (f'href="{link}"' in page) == (name in shown), name


def test_campaign_page_does_not_query_per_team_or_item(world, client, login):
    login(world.lead)
    with counting_queries() as small:
        assert client.get("/campaigns/WS2026").status_code == 200
    for n in range(6):
        team = make_team(
            world.campaign, members=[make_user("inspector"), make_user("inspector")], name=f"T{n}"
        )
        make_item(world.campaign, team=team, state="rectifying")
    db.session.commit()
    with counting_queries() as large:
        assert client.get("/campaigns/WS2026").status_code == 200
    assert len(large) == len(small)


def test_user_text_is_escaped(world, client, login):
    login(world.lead)
    client.post("/campaigns/new", data=form(world, code="XSS1", title="<script>alert(1)</script>"))
    for path in ("/campaigns/", "/campaigns/XSS1", "/"):
        page = client.get(path).get_data(as_text=True)
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, path
