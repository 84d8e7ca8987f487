"""Targets through the web: credit code checks, search, a target's items across campaigns."""

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc

from campaigns.targets.models import Target
from portal.extensions import db
from tests.factories import World, make_item, make_target, make_team, make_user


def with_check(body: str) -> str:
    return body + uscc.calc_check_digit(body)


VALID = with_check("91370303MA3C4LWX8")  # …LWX89


@pytest.fixture
def world(app):
    return World()


def target_form(world, **changes) -> dict:
    data = {
        "name": "淄博华泰化工有限公司",
        "kind": "enterprise",
        "region_id": world.town.id,
        "credit_code": "",
        "address": "张店区华光路10号",
    }
    return data | changes


def targets() -> int:
    return db.session.scalar(select(func.count()).select_from(Target))


def test_inspector_creates_a_target_with_a_valid_credit_code(world, client, login):
    code = with_check("91370303MA3C4LWX7")
    login(world.inspector)
    response = client.post("/targets/new", data=target_form(world, credit_code=f" {code.lower()} "))
    assert response.status_code == 302
    target = db.session.scalar(select(Target).where(Target.credit_code == code))
    assert target.name == "淄博华泰化工有限公司" and target.region == world.town
    page = client.get(f"/targets/{target.id}").get_data(as_text=True)
    assert code in page and "车站街道" in page and "张店区华光路10号" in page


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91370303MA3C4LWX8A", "The check character (the last one) does not match the other 17"),
        ("91370303MA3C4LWX8", "A unified social credit code has 18 characters"),
        ("9137030OMA3C4LWX8K", "A unified social credit code has 18 characters"),
        ("91370303MA3C4LWXIK", "A unified social credit code has 18 characters"),
    ],
)
def test_wrong_credit_code_is_refused_with_what_is_wrong(world, client, login, code, message):
    login(world.lead)
    before = targets()
    response = client.post("/targets/new", data=target_form(world, credit_code=code))
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert message in text
    assert f'value="{code}"' in text  # kept for correction
    assert targets() == before


def test_a_credit_code_belongs_to_one_target(world, client, login):
    make_target(world.town, name="First", credit_code=VALID)
    second = make_target(world.town, name="Second")
    db.session.commit()
    login(world.lead)
    response = client.post("/targets/new", data=target_form(world, credit_code=VALID))
    assert "Another target already has this credit code." in response.get_data(as_text=True)
    response = client.post(
        f"/targets/{second.id}/edit", data=target_form(world, name="Second", credit_code=VALID)
    )
    assert "Another target already has this credit code." in response.get_data(as_text=True)
    db.session.refresh(second)
    assert second.credit_code is None


def test_edit_a_target(world, client, login):
    target = make_target(world.town, name="Old name")
    db.session.commit()
    login(world.inspector)
    response = client.post(
        f"/targets/{target.id}/edit",
        data=target_form(world, name="New name", kind="site", region_id=world.district.id),
    )
    assert response.status_code == 302
    db.session.refresh(target)
    assert (target.name, target.kind, target.region) == ("New name", "site", world.district)


def test_search_by_name_or_credit_code_and_paginate(world, client, login):
    make_target(world.town, name="淄博华泰化工有限公司", credit_code=VALID)
    make_target(world.town, name="张店区华光路与柳泉路交叉口")
    for n in range(55):
        make_target(world.town, name=f"Workshop {n:02d}")
    db.session.commit()
    login(world.lead)

    def shown(query):
        return client.get(f"/targets/{query}").get_data(as_text=True)

    assert "淄博华泰化工有限公司" in shown("?q=华泰")
    assert "张店区华光路与柳泉路交叉口" not in shown("?q=华泰")
    assert "淄博华泰化工有限公司" in shown("?q=ma3c4l")
    assert "交叉口" in shown("?q=交叉口")
    assert "No targets match." in shown("?q=nothing-like-this")
    everything = shown("")
    assert "Page 1 of 2" in everything and "58 in all" in everything


def test_target_page_lists_its_items_across_visible_campaigns(world, client, login):
    target = make_target(world.town, name="Shared Plant")
    make_item(world.campaign, team=world.team_a, title="Unsafe storage", town=world.town)
    ws_item = make_item(world.campaign, team=world.team_a, title="Blocked exit")
    env_item = make_item(world.other_campaign, team=world.other_team, title="Waste water")
    for item in (ws_item, env_item):
        item.target = target
    db.session.commit()
    login(world.admin)
    page = client.get(f"/targets/{target.id}").get_data(as_text=True)
    assert "Blocked exit" in page and "Waste water" in page and "Unsafe storage" not in page
    login(world.inspector)  # works in WS2026 only
    page = client.get(f"/targets/{target.id}").get_data(as_text=True)
    assert "Blocked exit" in page and "Waste water" not in page


def test_target_page_lists_the_teams_it_is_assigned_to(world, client, login):
    target = make_target(world.town, name="Assigned Plant")
    world.team_a.targets = [target]
    world.other_team.targets = [target]
    db.session.commit()
    login(world.inspector)
    page = client.get(f"/targets/{target.id}").get_data(as_text=True)
    assert "Team A" in page and world.other_team.name not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("lead", 200), ("inspector", 200), ("liaison_police", 403)],
)
def test_target_permissions(world, client, login, who, status):
    target = make_target(world.town, name="Plant")
    db.session.commit()
    login(getattr(world, who))
    for path in (
        "/targets/",
        "/targets/new",
        f"/targets/{target.id}",
        f"/targets/{target.id}/edit",
    ):
        assert client.get(path).status_code == status, path
    response = client.post(f"/targets/{target.id}/edit", data=target_form(world, name="Renamed"))
    assert response.status_code == (302 if status == 200 else 403)
    db.session.refresh(target)
    assert (target.name == "Renamed") == (status == 200)
    assert client.get("/targets/999999").status_code in (404, 403)


def test_a_lead_without_campaigns_may_still_keep_targets(world, client, login):
    login(make_user("lead", world.plc, "new-lead"))
    make_team(world.campaign)
    db.session.commit()
    assert client.get("/targets/new").status_code == 200
