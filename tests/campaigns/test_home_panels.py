"""Home page panels: a lead's campaigns with their figures, and the admin's counts."""

from datetime import timedelta

import pytest

from portal import clock
from portal.extensions import db
from tests.campaigns.querycount import counting_queries
from tests.factories import World, make_campaign, make_item, make_user


@pytest.fixture
def world(app):
    return World()


def panel(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"')[1].split("</section>")[0]


def test_lead_sees_their_campaigns_with_counts_and_days_left(world, client, login):
    today = clock.today()
    world.campaign.action_ends = today + timedelta(days=19)
    world.campaign.review_starts = today + timedelta(days=20)
    for state in ["rectifying", "rectifying", "submitted", "verified"]:
        make_item(world.campaign, team=world.team_a, state=state)
    make_item(world.campaign, team=world.team_a, state="assigned", deadline=today)
    make_campaign(
        code="LOOK",
        title="回头看中的行动",
        leads=[world.lead],
        starts=today - timedelta(days=60),
        ends=today - timedelta(days=5),
        review_days=30,
    )
    make_campaign(
        code="SOON",
        leads=[world.lead],
        starts=today + timedelta(days=3),
        ends=today + timedelta(days=30),
    )
    make_campaign(
        code="DONE",
        leads=[world.lead],
        starts=today - timedelta(days=200),
        ends=today - timedelta(days=100),
    )
    db.session.commit()
    with clock.travel_to(today + timedelta(days=1)):
        login(world.lead)
        lead_panel = panel(client.get("/").get_data(as_text=True), "lead-panel")
    assert "WS2026" in lead_panel and "LOOK" in lead_panel and "SOON" in lead_panel
    assert "DONE" not in lead_panel and "ENV2026" not in lead_panel  # closed; led by nobody here
    assert "1 closed campaigns" in lead_panel
    ws_row = lead_panel.split('<code class="muted">WS2026</code>')[1].split("</tr>")[0]
    assert "19 days left in the action phase" in ws_row
    cells = [c.rsplit(">", 1)[-1] for c in ws_row.split("</a></td>")[:4]]
    assert cells == ["2", "2", "1", "1"]  # assigned, rectifying, submitted, verified
    assert 'class="late" href="/campaigns/WS2026/items?overdue=1">1<' in ws_row
    look_row = lead_panel.split("LOOK</code>")[1].split("</tr>")[0]
    assert "Look-back" in look_row and "25 days left in the look-back" in look_row
    soon_row = lead_panel.split("SOON</code>")[1].split("</tr>")[0]
    assert "starts in 2 days" in soon_row


def test_lead_panel_needs_a_fixed_number_of_queries(world, client, login):
    login(world.lead)
    with counting_queries() as one:
        client.get("/")
    for n in range(5):
        campaign = make_campaign(code=f"MORE{n}", leads=[world.lead])
        make_item(campaign, state="rectifying")
    db.session.commit()
    with counting_queries() as six:
        page = client.get("/").get_data(as_text=True)
    assert page.count("/campaigns/MORE") >= 5
    assert len(six) == len(one)


def test_a_lead_without_campaigns_is_told_so(world, client, login):
    login(make_user("lead", world.plc, "new-lead"))
    lead_panel = panel(client.get("/").get_data(as_text=True), "lead-panel")
    assert "You lead no running campaign." in lead_panel
    assert 'href="/campaigns/new"' in lead_panel


def test_admin_sees_the_portals_counts(world, client, login):
    login(world.admin)
    page = client.get("/").get_data(as_text=True)
    admin_panel = panel(page, "admin-panel")
    assert '<span class="value">8</span> <span class="label">Users</span>' in admin_panel
    assert '<span class="value">5</span> <span class="label">Agencies</span>' in admin_panel
    assert '<span class="value">3</span> <span class="label">Regions</span>' in admin_panel
    assert '<span class="value">2</span> <span class="label">Campaigns</span>' in admin_panel
    assert 'data-testid="lead-panel"' not in page  # an admin without the lead role


@pytest.mark.parametrize("who", ["inspector", "liaison_police"])
def test_others_have_neither_panel(world, client, login, who):
    login(getattr(world, who))
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="lead-panel"' not in page and 'data-testid="admin-panel"' not in page
