"""Supervision teams through the web: forming and changing them, the team page, who may."""

import pytest
from sqlalchemy import select

from campaigns.teams.models import Team
from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.campaigns.querycount import counting_queries
from tests.factories import World, make_agency, make_item, make_region, make_target, make_user


@pytest.fixture
def world(app):
    return World()


def test_lead_forms_a_team_from_several_agencies(world, client, login):
    police_officer = make_user("inspector", world.police, "officer-li")
    env_officer = make_user("inspector", world.env, "officer-zhao")
    town_b = make_region("town", world.district, name="公园街道")
    plant = make_target(world.town, name="淄博华泰化工有限公司", credit_code="91370303MA3C4LWX89")
    depot = make_target(town_b, name="淄博恒通物流有限公司")
    db.session.commit()
    login(world.lead)
    page = client.get("/campaigns/WS2026/teams/new").get_data(as_text=True)
    assert "officer-li" in page and "车站街道" in page
    response = client.post(
        "/campaigns/WS2026/teams/new",
        data={
            "name": "第三督导组",
            "leader_id": police_officer.id,  # not ticked as a member: becomes one anyway
            "member_ids": [env_officer.id, world.inspector.id],
            "town_ids": [world.town.id, town_b.id],
            "add_targets": "91370303ma3c4lwx89\n淄博恒通物流有限公司\n",
        },
    )
    assert response.status_code == 302
    team = db.session.scalar(select(Team).where(Team.name == "第三督导组"))
    assert response.headers["Location"].endswith(f"/campaigns/WS2026/teams/{team.id}")
    assert team.leader == police_officer
    assert {u.username for u in team.members} == {"officer-li", "officer-zhao", "inspector1"}
    assert {u.agency.code for u in team.members} == {"police", "env", "emergency"}
    assert {t.name_zh for t in team.towns} == {"车站街道", "公园街道"}
    assert {t.id for t in team.targets} == {plant.id, depot.id}
    assert db.session.scalar(select(AuditEntry.id).where(AuditEntry.action == "team_created"))
    page = client.get(f"/campaigns/WS2026/teams/{team.id}").get_data(as_text=True)
    for text in ["第三督导组", "officer-li", "公园街道", "淄博华泰化工有限公司"]:
        assert text in page
    # The new members now see the campaign.
    login(env_officer)
    assert client.get("/campaigns/WS2026").status_code == 200


def test_lead_changes_a_team(world, client, login):
    newcomer = make_user("inspector", world.transport, "officer-sun")
    target = make_target(world.town, name="Depot")
    world.team_a.targets = [target]
    db.session.commit()
    login(world.lead)
    url = f"/campaigns/WS2026/teams/{world.team_a.id}/edit"
    page = client.get(url).get_data(as_text=True)
    assert f'name="member_ids" value="{world.inspector.id}" checked' in page
    response = client.post(
        url,
        data={
            "name": "Team A (renamed)",
            "leader_id": newcomer.id,
            "member_ids": [newcomer.id],  # inspector1 leaves; the target is unticked
            "town_ids": [],
        },
    )
    assert response.status_code == 302
    db.session.refresh(world.team_a)
    assert world.team_a.name == "Team A (renamed)"
    assert [u.username for u in world.team_a.members] == ["officer-sun"]
    assert world.team_a.leader == newcomer and world.team_a.targets == []
    login(world.inspector)
    assert client.get("/campaigns/WS2026").status_code == 404


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": "Team B"}, "Another team of this campaign has this name."),
        ({"leader_id": "0"}, "Choose the team"),
        ({"add_targets": "Nowhere Ltd"}, "No single target matches: Nowhere Ltd."),
        ({"member_ids": ["999999"]}, "not a valid choice for this field"),
    ],
)
def test_team_mistakes_are_explained(world, client, login, changes, message):
    login(world.lead)
    data = {"name": "Team C", "leader_id": world.inspector.id, "member_ids": [world.inspector.id]}
    response = client.post("/campaigns/WS2026/teams/new", data=data | changes)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert not db.session.scalar(select(Team.id).where(Team.name == "Team C"))


def test_a_name_shared_by_two_targets_needs_the_credit_code(world, client, login):
    make_target(world.town, name="Same Name Ltd")
    make_target(make_region("town", world.district), name="Same Name Ltd")
    db.session.commit()
    login(world.lead)
    response = client.post(
        "/campaigns/WS2026/teams/new",
        data={"name": "Team C", "leader_id": world.inspector.id, "add_targets": "Same Name Ltd"},
    )
    assert "No single target matches: Same Name Ltd." in response.get_data(as_text=True)


def test_team_page_shows_its_items_and_each_members_workload(world, client, login):
    helper = make_user("inspector", world.env, "helper")
    world.team_a.members = [world.inspector, helper]
    for state, by in [
        ("assigned", world.inspector),
        ("rectifying", world.inspector),
        ("submitted", helper),
        ("verified", world.inspector),
        ("verified", helper),
        ("verified", helper),
        ("withdrawn", helper),
    ]:
        make_item(
            world.campaign, team=world.team_a, state=state, by=by, title=f"{state} by {by.username}"
        )
    make_item(world.campaign, team=world.team_b, title="Team B's problem")
    db.session.commit()
    login(world.lead)
    page = client.get(f"/campaigns/WS2026/teams/{world.team_a.id}").get_data(as_text=True)
    assert "rectifying by inspector1" in page and "Team B&#39;s problem" not in page
    assert page.count("/items/WS2026-") == 8  # world.item (no flagger) and the seven above
    workload = page.split('data-testid="workload"')[1].split("</table>")[0]
    rows = {row.split("</td>")[0]: row for row in workload.split("<tr>")[2:]}
    inspector_row = next(r for r in rows.values() if "inspector1" in r or "Test User" in r)
    helper_row = next(r for k, r in rows.items() if "helper" in k)
    # inspector1 flagged 2 open (assigned, rectifying) and 1 verified; helper 1 open, 2 verified.
    assert [c.split(">")[-1] for c in inspector_row.split("</td>")[2:4]] == ["2", "1"]
    assert [c.split(">")[-1] for c in helper_row.split("</td>")[2:4]] == ["1", "2"]
    filtered = client.get(f"/campaigns/WS2026/teams/{world.team_a.id}?status=verified")
    assert filtered.get_data(as_text=True).count("/items/WS2026-") == 3


def test_team_page_shows_a_liaison_only_their_joint_cases(world, client, login):
    make_item(world.campaign, team=world.team_a, lead_agency=world.transport, by=world.inspector)
    make_item(world.campaign, team=world.team_a, lead_agency=world.police, by=world.inspector)
    db.session.commit()
    login(world.liaison_police)
    page = client.get(f"/campaigns/WS2026/teams/{world.team_a.id}").get_data(as_text=True)
    assert page.count("/items/WS2026-") == 2  # world.item and the police one, not transport's
    workload = page.split('data-testid="workload"')[1].split("</table>")[0]
    assert '<td class="num" data-label="Flagged, open">1</td>' in workload


def test_team_page_paginates_and_does_not_query_per_item(world, client, login, app):
    app.config["ITEMS_PER_PAGE"] = 5
    login(world.lead)
    url = f"/campaigns/WS2026/teams/{world.team_a.id}"
    with counting_queries() as few:
        assert client.get(url).status_code == 200
    for _n in range(9):
        make_item(
            world.campaign,
            team=world.team_a,
            by=world.inspector,
            lead_agency=make_agency(),
            state="rectifying",
        )
    db.session.commit()
    with counting_queries() as many:
        page = client.get(url).get_data(as_text=True)
    assert "Page 1 of 2" in page and page.count("/items/WS2026-") == 5
    assert len(many) == len(few)


PERMISSIONS = [
    # (who, what, status)
    ("admin", "create", 200),
    ("lead", "create", 200),
    ("other_lead", "create", 404),
    ("inspector", "create", 403),
    ("liaison_police", "create", 403),
    ("lead", "edit", 200),
    ("inspector", "edit", 403),
    ("outsider", "edit", 404),
    ("admin", "view", 200),
    ("lead", "view", 200),
    ("other_lead", "view", 404),
    ("inspector", "view", 200),
    ("inspector_b", "view", 200),
    ("outsider", "view", 404),
    ("liaison_police", "view", 200),
    ("other_campaign_team", "view", 404),
]


@pytest.mark.parametrize(("who", "what", "status"), PERMISSIONS)
def test_team_permissions(world, client, login, who, what, status):
    user = make_user("lead", world.plc, "lead-elsewhere") if who == "other_lead" else None
    if who == "other_campaign_team":  # a team of another campaign under this campaign's URL
        user, team_id = world.lead, world.other_team.id
    else:
        user, team_id = user or getattr(world, who), world.team_a.id
    db.session.commit()
    login(user)
    path = {
        "create": "/campaigns/WS2026/teams/new",
        "edit": f"/campaigns/WS2026/teams/{team_id}/edit",
        "view": f"/campaigns/WS2026/teams/{team_id}",
    }[what]
    assert client.get(path).status_code == status
    if what != "view" and status != 200:
        data = {"name": "Taken", "leader_id": world.inspector.id}
        assert client.post(path, data=data).status_code == status
        assert not db.session.scalar(select(Team.id).where(Team.name == "Taken"))
