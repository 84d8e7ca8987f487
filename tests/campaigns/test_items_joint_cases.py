"""A liaison's joint cases (page and home panel) and an inspector's home panel."""

import re
from datetime import timedelta

import pytest

from campaigns.items import operations
from portal import clock
from portal.extensions import db
from tests.factories import World, make_campaign, make_item, make_team
from tests.items_support import pending_transfer, sign_in


@pytest.fixture
def scene(app):
    w = World()  # w.item: police leads, env co-handles, assigned, due in 20 days
    today = clock.today()

    def item(state, lead, days, co=(), campaign=None, team=None):
        made = make_item(
            campaign or w.campaign,
            state=state,
            team=team or w.team_a,
            lead_agency=lead,
            co_agencies=co,
            town=w.town,
        )
        made.deadline = today + timedelta(days=days)
        return made

    w.overdue = item("rectifying", w.police, -3, co=[w.env])
    w.due_soon = item("rectifying", w.police, 2)
    w.submitted = item("submitted", w.police, -1)  # waits for the team, not for the police
    w.returned = item("submitted", w.police, 9)
    w.offered = item("assigned", w.transport, 12)
    pending_transfer(w.offered, w.transport, w.police)
    w.closed = item("verified", w.police, 5)
    w.long_closed = item("verified", w.police, 5)
    w.long_closed.verified_on = today - timedelta(days=40)
    w.others = item("assigned", w.transport, -5)  # not the police's: never shown to them
    # Another campaign the police take part in: joint cases run across campaigns.
    w.campaign2 = make_campaign(code="TR2026", kind="traffic", agencies=[w.police])
    w.elsewhere = item("assigned", w.police, 30, campaign=w.campaign2, team=make_team(w.campaign2))
    db.session.commit()
    operations.return_for_rework(w.returned, by=w.inspector, note="Not yet.")
    db.session.commit()
    return w


def section(html: str, key: str) -> list[str]:
    part = html.split(f'id="{key}"', 1)[1].split("</section>", 1)[0]
    return re.findall(r'class="ref">([A-Z0-9]+-\d+)</a>', part)


def test_joint_cases_grouped_by_what_needs_the_agency(client, scene):
    sign_in(client, scene.liaison_police)
    response = client.get("/joint-cases")
    assert response.status_code == 200
    html = response.data.decode()
    assert section(html, "to_acknowledge") == [scene.item.ref, scene.elsewhere.ref]
    assert section(html, "returned") == [scene.returned.ref]
    assert section(html, "transfers") == [scene.offered.ref]
    assert section(html, "overdue") == [scene.overdue.ref]
    assert section(html, "due_this_week") == [scene.due_soon.ref]
    assert section(html, "closed_recently") == [scene.closed.ref]
    assert scene.others.ref not in html and scene.long_closed.ref not in html


def test_a_co_agency_sees_its_overdue_cases(client, scene):
    sign_in(client, scene.liaison_env)
    html = client.get("/joint-cases").data.decode()
    assert section(html, "overdue") == [scene.overdue.ref]
    assert section(html, "to_acknowledge") == []
    assert scene.others.ref not in html and scene.due_soon.ref not in html


def test_liaison_home_panel_counts(client, scene):
    sign_in(client, scene.liaison_police)
    html = client.get("/").data.decode()
    counts = dict(re.findall(r'data-group="(\w+)">\s*<span class="value">(\d+)</span>', html))
    assert counts == {
        "to_acknowledge": "2",
        "returned": "1",
        "transfers": "1",
        "overdue": "1",
        "due_this_week": "1",
        "closed_recently": "1",
    }
    assert "/joint-cases" in html


def test_joint_cases_are_for_liaisons(client, scene):
    sign_in(client, scene.inspector)
    assert client.get("/joint-cases").status_code == 403
    assert "Joint cases of" not in client.get("/").data.decode()


def test_inspector_home_panel(client, scene):
    operations.comment(scene.overdue, by=scene.liaison_env, note="On our way")
    db.session.commit()
    sign_in(client, scene.inspector)
    html = client.get("/").data.decode()
    assert "Your teams&#39; items" in html or "Your teams' items" in html
    awaiting = html.split("Awaiting verification</h3>", 1)[1].split("</ul>", 1)[0]
    assert scene.submitted.ref in awaiting and scene.returned.ref not in awaiting
    overdue = html.split("Overdue</h3>", 1)[1].split("</ul>", 1)[0]
    assert {scene.overdue.ref, scene.submitted.ref, scene.others.ref} <= set(
        re.findall(r">([A-Z0-9]+-\d+)</a>", overdue)
    )
    recent = html.split("Recent changes</h3>", 1)[1].split("</ul>", 1)[0]
    assert recent.index(scene.overdue.ref) < recent.index(scene.returned.ref)
    assert "Comment" in recent


def test_inspector_of_another_campaign_sees_none_of_it(client, scene):
    sign_in(client, scene.outsider)
    html = client.get("/").data.decode()
    for item in (scene.item, scene.overdue, scene.submitted):
        assert item.ref not in html
