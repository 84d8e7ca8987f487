"""The dashboard and the overview as people see them; who sees which figures."""

from datetime import timedelta

import pytest
from sqlalchemy import event

from campaigns.reviews.models import Review
from portal import clock
from portal.extensions import db
from tests.factories import World, make_agency, make_campaign, make_item, make_region, make_user


@pytest.fixture
def world(app):
    w = World()
    other = make_region("district", w.city, name="淄川区")
    for state in ("verified", "verified", "verified", "rectifying"):
        make_item(w.campaign, team=w.team_a, district=w.district, lead_agency=w.police, state=state)
    make_item(
        w.campaign,
        team=w.team_b,
        district=other,
        lead_agency=w.env,
        state="rectifying",
        deadline=clock.today() - timedelta(days=3),
        listing_level="city",
    )
    db.session.commit()
    return w


def test_dashboard_shows_headline_charts_rankings(world, client, login):
    login(world.lead)
    response = client.get("/campaigns/WS2026/dashboard")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    # 6 items (world.item + 5), 3 verified
    assert 'data-testid="completion-rate">50.00%' in text
    assert 'data-chart="bar"' in text and 'data-chart="line"' in text
    assert "vendor/chartjs/chart.umd.js" in text and "js/charts.js" in text
    assert "<script>" not in text  # CSP: no inline script
    assert "淄川区" in text and "张店区" in text
    # lagging first: 淄川区 (0 %, 1 overdue) before 张店区 (60 %)
    ranking = text.split('id="rank-districts"')[1]
    assert ranking.index("淄川区") < ranking.index("张店区")
    assert "/campaigns/WS2026/export/completion.xlsx?by=district&amp;as_of=" in text
    assert "/campaigns/WS2026/import" in text  # the lead may import


def test_dashboard_cut_off_date(world, client, login):
    login(world.lead)
    yesterday = clock.today() - timedelta(days=1)
    text = client.get(f"/campaigns/WS2026/dashboard?as_of={yesterday}").get_data(as_text=True)
    assert f'value="{yesterday.isoformat()}"' in text
    assert 'data-testid="completion-rate"><span class="muted">–</span>' in text  # nothing yet
    response = client.get("/campaigns/WS2026/dashboard?as_of=not-a-date")
    assert response.status_code == 200
    assert "Enter a date as YYYY-MM-DD" in response.get_data(as_text=True)


def test_liaison_sees_only_their_agencys_figures(world, client, login):
    login(world.liaison_env)
    text = client.get("/campaigns/WS2026/dashboard").get_data(as_text=True)
    # env: co-agency of world.item, lead of the 淄川区 item; neither verified
    assert 'data-testid="completion-rate">0.00%' in text
    assert "/campaigns/WS2026/import" not in text
    login(world.liaison_transport)
    text = client.get("/campaigns/WS2026/dashboard").get_data(as_text=True)
    assert "No items yet." in text


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("lead", 200),
        ("inspector", 200),
        ("liaison_police", 200),
        ("outsider", 404),
        ("liaison_other", 404),
    ],
)
def test_dashboard_access(world, client, login, who, status):
    world.liaison_other = make_user("liaison", make_agency("court"))
    db.session.commit()
    login(getattr(world, who))
    assert client.get("/campaigns/WS2026/dashboard").status_code == status


def test_dashboard_queries_do_not_grow_with_items(world, client, login):
    login(world.lead)

    def queries():
        seen = []
        listener = lambda *args: seen.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/campaigns/WS2026/dashboard").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(seen)

    before = queries()
    for _ in range(15):
        make_item(
            world.campaign,
            team=world.team_a,
            state="rectifying",
            deadline=clock.today() - timedelta(days=1),
        )
    db.session.commit()
    assert queries() == before


@pytest.mark.parametrize(
    ("who", "status"), [("admin", 200), ("lead", 200), ("inspector", 403), ("liaison_police", 403)]
)
def test_overview_is_for_leads_and_admins(world, client, login, who, status):
    login(getattr(world, who))
    assert client.get("/figures").status_code == status


def test_overview_one_row_per_campaign_with_look_back_state(world, client, login):
    mine = make_campaign(leads=[world.lead], code="TR2026", kind="traffic", title="道路交通")
    db.session.add(Review(campaign_id=mine.id, opens_on=clock.today(), closes_on=clock.today()))
    db.session.commit()
    login(world.lead)
    text = client.get("/figures").get_data(as_text=True)
    assert "WS2026" in text and "TR2026" in text
    assert "ENV2026" not in text  # not theirs
    ws_row = text.split('/campaigns/WS2026"')[1].split("</tr>")[0]
    assert "50.00%" in ws_row and "Not opened" in ws_row
    tr_row = text.split('/campaigns/TR2026"')[1].split("</tr>")[0]
    assert ">Under way<" in tr_row
    login(world.admin)
    assert "ENV2026" in client.get("/figures").get_data(as_text=True)
