"""The JSON API's item list, flagging, ledger import and look-back opening (CONTRACTS C5)."""

import re
from datetime import timedelta

import pytest

from campaigns.items.models import Item
from portal import clock
from portal.extensions import db
from tests.campaigns.ledger_files import csv_bytes, row
from tests.campaigns.querycount import counting_queries
from tests.factories import World, make_item, make_region
from tests.items_support import bearer, sign_in


@pytest.fixture
def world(app):
    return World()


def refs(response) -> set[str]:
    assert response.status_code == 200, response.json
    return {i["ref"] for i in response.json["items"]}


@pytest.fixture
def items(world):
    """A spread of items in WS2026 beside world.item (assigned, police leads, env co-handles)."""
    other_district = make_region("district", world.city, name="淄川区", code="370302")
    made = {
        "verified": make_item(
            world.campaign, state="verified", team=world.team_a, lead_agency=world.police
        ),
        "overdue": make_item(
            world.campaign,
            state="rectifying",
            team=world.team_b,
            lead_agency=world.transport,
            deadline=clock.today() - timedelta(days=2),
            district=other_district,
        ),
        "listed": make_item(
            world.campaign,
            state="submitted",
            team=world.team_b,
            lead_agency=world.env,
            listing_level="city",
            title="储罐区未设置围堰",
        ),
        "elsewhere": make_item(world.other_campaign, team=world.other_team),
    }
    db.session.commit()
    return made


# --- The list ---------------------------------------------------------------------------------


def test_item_filters(client, world, items):
    lead = bearer(world.lead)

    def found(query):
        return refs(client.get(f"/api/v1/items?{query}", headers=lead))

    everything = {world.item.ref, *(items[k].ref for k in ("verified", "overdue", "listed"))}
    assert found("") == everything  # the lead's campaign only, not ENV2026
    assert found("campaign=WS2026") == everything
    assert found("status=verified") == {items["verified"].ref}
    assert found("agency=env") == {world.item.ref, items["listed"].ref}  # co-handles, leads
    assert found("lead_agency=police") == {world.item.ref, items["verified"].ref}
    assert found("district=淄川区") == found("district=370302") == {items["overdue"].ref}
    assert found("team=Team B") == {items["overdue"].ref, items["listed"].ref}
    assert found("overdue=true") == {items["overdue"].ref}
    assert found("overdue=false") == everything - {items["overdue"].ref}
    assert found("listing_level=city") == {items["listed"].ref}
    assert found("q=围堰") == {items["listed"].ref}
    assert found(f"q={items['verified'].ref}") == {items["verified"].ref}
    category = world.item.category.code
    assert world.item.ref in found(f"category={category}")
    assert found("campaign=WS2026&status=assigned&agency=police") == {world.item.ref}

    bad = client.get("/api/v1/items?district=nowhere&agency=nobody&team=Team Z", headers=lead)
    assert bad.status_code == 422
    assert bad.json["fields"] == {"district": "unknown", "agency": "unknown", "team": "unknown"}
    bad = client.get("/api/v1/items?per_page=201&status=lost&overdue=maybe", headers=lead)
    assert bad.status_code == 422 and {"per_page", "status", "overdue"} <= set(bad.json["fields"])
    # a team of a campaign the user does not see is unknown to them
    outsider_team = world.other_team.name
    assert client.get(f"/api/v1/items?team={outsider_team}", headers=lead).status_code == 422


def test_pages_of_items(client, world, items):
    lead = bearer(world.lead)
    first = client.get("/api/v1/items?per_page=3", headers=lead).json
    second = client.get("/api/v1/items?per_page=3&page=2", headers=lead).json
    assert (first["page"], first["per_page"], first["total"]) == (1, 3, 4)
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    assert second["page"] == 2 and second["total"] == 4
    listed = [i["ref"] for i in first["items"] + second["items"]]
    assert len(set(listed)) == 4
    assert listed == sorted(listed)  # by ref unless asked otherwise
    by_deadline = client.get("/api/v1/items?sort=deadline", headers=lead).json["items"]
    assert by_deadline[0]["ref"] == items["overdue"].ref
    beyond = client.get("/api/v1/items?page=9", headers=lead).json
    assert beyond["items"] == [] and beyond["total"] == 4


@pytest.mark.parametrize(
    "person",
    ["admin", "lead", "inspector", "inspector_b", "outsider", "liaison_police", "liaison_env"],
)
def test_a_token_sees_what_its_user_sees_in_the_browser(client, world, items, person):
    user = getattr(world, person)
    api = refs(client.get("/api/v1/items?per_page=200", headers=bearer(user)))
    sign_in(client, user)
    page = client.get("/items/").get_data(as_text=True)
    shown = set(re.findall(r"\b(?:WS|ENV)2026-\d{4}\b", page))
    assert api == shown
    assert api  # each of them sees something: the comparison is not between two empty sets


def test_the_list_loads_in_a_fixed_number_of_queries(client, world, items):
    lead = bearer(world.lead)
    client.get("/api/v1/items", headers=lead)  # the token's last-use time is written once
    with counting_queries() as few:
        client.get("/api/v1/items", headers=lead)
    for _ in range(12):
        make_item(world.campaign, team=world.team_a, lead_agency=world.police)
    db.session.commit()
    with counting_queries() as many:
        response = client.get("/api/v1/items", headers=lead)
    assert response.json["total"] == 16
    assert len(many) == len(few)


# --- Flagging ---------------------------------------------------------------------------------


def flag_body(**changes) -> dict:
    body = {
        "office_ref": "AJ-0001",
        "target": "淄博某化工有限公司",
        "credit_code": "91370303MA3C5LQ71X",
        "district": "张店区",
        "town": "车站街道",
        "category": "hazardous_chemicals",
        "title": "储罐区未设置围堰",
        "description": "现场检查发现",
        "severity": "major",
        "lead_agency": "police",
        "co_agencies": ["env"],
        "deadline": (clock.today() + timedelta(days=30)).isoformat(),
        "team": "Team A",
    }
    return body | changes


def test_an_inspector_flags_an_item(client, world):
    response = client.post(
        "/api/v1/campaigns/WS2026/items", json=flag_body(), headers=bearer(world.inspector)
    )
    assert response.status_code == 201, response.json
    item = response.json
    assert item["ref"].startswith("WS2026-") and item["status"] == "assigned"
    assert (item["lead_agency"], item["co_agencies"], item["team"]) == ("police", ["env"], "Team A")
    assert (item["district"], item["town"], item["severity"]) == ("张店区", "车站街道", "major")
    assert item["credit_code"] == "91370303MA3C5LQ71X" and item["office_ref"] == "AJ-0001"
    assert [e["kind"] for e in item["timeline"]] == ["flagged"]
    # the lead agency's liaison now sees it, through their own token
    seen = client.get(f"/api/v1/items/{item['ref']}", headers=bearer(world.liaison_police))
    assert seen.status_code == 200 and "acknowledge" in seen.json["actions"]
    # the same office number again is refused
    again = client.post(
        "/api/v1/campaigns/WS2026/items", json=flag_body(), headers=bearer(world.inspector)
    )
    assert again.status_code == 422 and again.json["fields"] == {"office_ref": "taken"}


def test_flagging_lists_every_invalid_field_at_once(client, world):
    body = flag_body(
        district="nowhere",
        category="nothing",
        lead_agency="nobody",
        co_agencies=["env", "ghost"],
        credit_code="91370303MA3C5LQ710",
        deadline=(clock.today() - timedelta(days=1)).isoformat(),
        listing_level="city",
    )
    response = client.post(
        "/api/v1/campaigns/WS2026/items", json=body, headers=bearer(world.inspector)
    )
    assert response.status_code == 422
    assert response.json["fields"] == {
        "district": "unknown",
        "category": "unknown",
        "lead_agency": "unknown",
        "co_agencies": "unknown",
        "credit_code": "checksum",
        "deadline": "past",
        "listing_doc_no": "required",
    }
    schema_errors = client.post(
        "/api/v1/campaigns/WS2026/items",
        json={"title": "", "severity": "huge"},
        headers=bearer(world.inspector),
    )
    assert schema_errors.status_code == 422
    assert {"target", "district", "category", "title", "severity", "deadline", "team"} <= set(
        schema_errors.json["fields"]
    )
    town = client.post(
        "/api/v1/campaigns/WS2026/items",
        json=flag_body(town="不存在街道"),
        headers=bearer(world.inspector),
    )
    assert town.status_code == 422 and town.json["fields"] == {"town": "unknown"}
    assert db.session.scalar(db.select(db.func.count()).select_from(Item)) == 1  # world.item


@pytest.mark.parametrize(
    "person, team, status",
    [
        ("inspector", "Team A", 201),
        ("inspector", "Team B", 403),  # a team of the campaign, but not theirs
        ("inspector_b", "Team A", 403),
        ("lead", "Team A", 403),  # leads do not flag (BRIEF §2)
        ("liaison_police", "Team A", 403),
        ("outsider", "Team A", 404),  # cannot see WS2026 at all
        ("liaison_transport", "Team A", 403),
    ],
)
def test_who_may_flag(client, world, person, team, status):
    response = client.post(
        "/api/v1/campaigns/WS2026/items",
        json=flag_body(team=team),
        headers=bearer(getattr(world, person)),
    )
    assert response.status_code == status, response.json


# --- Ledger import ----------------------------------------------------------------------------


def ledger(*rows_) -> bytes:
    return csv_bytes(list(rows_))


def _import(client, headers, content: bytes, name: str = "ledger.csv", code: str = "WS2026"):
    from io import BytesIO

    return client.post(
        f"/api/v1/campaigns/{code}/imports",
        headers=headers,
        data={"file": (BytesIO(content), name)},
    )


def ledger_row(n: int, **changes) -> dict:
    return row(n, district="张店区", lead_agency="police", co_agencies="env", team="Team A") | (
        changes
    )


def test_import_a_ledger(client, world):
    lead = bearer(world.lead)
    content = ledger(ledger_row(1), ledger_row(2, team="Team B", office_ref=""))
    response = _import(client, lead, content)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["rows"] == 2 and body["filename"] == "ledger.csv"
    assert [i["office_ref"] for i in body["items"]] == ["AJ-00001", None]
    first = client.get(f"/api/v1/items/{body['items'][0]['ref']}", headers=lead).json
    assert (first["lead_agency"], first["co_agencies"], first["team"]) == (
        "police",
        ["env"],
        "Team A",
    )
    # the same file again is refused, and nothing more is imported
    again = _import(client, lead, content, name="renamed.csv")
    assert again.status_code == 409 and again.json["error"] == "conflict"
    assert client.get("/api/v1/items?campaign=WS2026", headers=lead).json["total"] == 3


def test_a_bad_ledger_lists_every_problem_and_imports_nothing(client, world):
    content = ledger(
        ledger_row(1),
        ledger_row(2, district="nowhere", deadline="31/12/2026"),
        ledger_row(3, team="", lead_agency="ghost"),
    )
    response = _import(client, bearer(world.lead), content)
    assert response.status_code == 422
    assert response.json["error"] == "invalid"
    assert {(p["row"], p["column"]) for p in response.json["problems"]} == {
        (3, "district"),
        (3, "deadline"),
        (4, "team"),
        (4, "lead_agency"),
    }
    assert all(p["reason"] for p in response.json["problems"])
    assert db.session.scalar(db.select(db.func.count()).select_from(Item)) == 1
    unreadable = _import(client, bearer(world.lead), b"PK\x03\x04broken", name="x.xlsx")
    assert unreadable.status_code == 422 and unreadable.json["fields"] == {"file": "unreadable"}
    missing = client.post("/api/v1/campaigns/WS2026/imports", headers=bearer(world.lead))
    assert missing.status_code == 422 and "file" in missing.json["fields"]


def test_import_size_limit(app, client, world):
    app.config["MAX_IMPORT_BYTES"] = 200
    content = ledger(*(ledger_row(n) for n in range(1, 6)))
    assert len(content) > 200
    assert _import(client, bearer(world.lead), content).status_code == 413


@pytest.mark.parametrize(
    "person, status",
    [
        ("lead", 201),
        ("admin", 201),
        ("inspector", 403),
        ("liaison_police", 403),
        ("outsider", 404),
    ],
)
def test_who_may_import(client, world, person, status):
    response = _import(client, bearer(getattr(world, person)), ledger(ledger_row(1)))
    assert response.status_code == status, response.json


# --- Opening the look-back ------------------------------------------------------------------


def test_a_lead_opens_the_look_back_early(client, world):
    make_item(world.campaign, state="verified", team=world.team_a, listing_level="city")
    db.session.commit()
    assert (
        client.post("/api/v1/campaigns/WS2026/reviews", headers=bearer(world.inspector)).status_code
        == 403
    )
    response = client.post("/api/v1/campaigns/WS2026/reviews", headers=bearer(world.lead))
    assert response.status_code == 201, response.json
    assert response.json["open"] is True and len(response.json["checks"]) == 1
    again = client.post("/api/v1/campaigns/WS2026/reviews", headers=bearer(world.lead))
    assert again.status_code == 422 and again.json["error"] == "invalid"


# --- Editing and listing through the actions endpoint ---------------------------------------


def _act(client, headers, ref, action, **fields):
    version = client.get(f"/api/v1/items/{ref}", headers=headers).json["version"]
    return client.post(
        f"/api/v1/items/{ref}/actions",
        headers=headers,
        json={"action": action, "version": version, **fields},
    )


def test_edit_and_list_through_the_api(client, world):
    ref, lead = world.item.ref, bearer(world.lead)
    response = _act(
        client, lead, ref, "edit", title="储罐区围堰缺失", town="", co_agencies=["transport"]
    )
    assert response.status_code == 200, response.json
    item = response.json
    assert (item["title"], item["town"], item["co_agencies"]) == (
        "储罐区围堰缺失",
        None,
        ["transport"],
    )
    assert item["timeline"][-1]["kind"] == "edited"
    bad = _act(client, lead, ref, "edit", category="nothing", town="不存在街道", title=" ")
    assert bad.status_code == 422
    assert bad.json["fields"] == {"category": "unknown", "town": "unknown", "title": "required"}
    assert _act(client, lead, ref, "list", listing_level="city").json["fields"] == {
        "listing_doc_no": "required"
    }
    assert _act(client, lead, ref, "list").json["fields"] == {"listing_level": "required"}
    listed = _act(client, lead, ref, "list", listing_level="city", listing_doc_no="淄督〔2026〕3号")
    assert listed.status_code == 200
    assert (listed.json["listing_level"], listed.json["listing_doc_no"]) == (
        "city",
        "淄督〔2026〕3号",
    )
    assert {"edit", "list", "withdraw", "comment"} <= set(listed.json["actions"])


def test_a_broken_json_body_is_a_400_in_json(client, world):
    """Found by the fuzzing: a body that is not JSON once made the error handler fail (500)."""
    for body in (b"\x80", b"{not json", b""):
        response = client.post(
            f"/api/v1/items/{world.item.ref}/actions",
            data=body,
            content_type="application/json",
            headers=bearer(world.liaison_police),
        )
        assert response.status_code in (400, 422), (body, response.status_code)
        assert response.mimetype == "application/json" and response.json["error"] in (
            "bad_request",
            "invalid",
        )


def test_campaign_and_team_bodies_list_every_invalid_field(client, world):
    lead = bearer(world.lead)
    response = client.post(
        "/api/v1/campaigns",
        headers=lead,
        json={
            "code": "WS2026",  # taken
            "title": "x",
            "kind": "traffic",
            "lead_agency": "nobody",
            "agencies": ["police", "ghost"],
            "leads": ["no-such-user"],
            "action_starts": "2026-12-01",
            "action_ends": "2026-11-01",
        },
    )
    assert response.status_code == 422
    assert response.json["fields"] == {
        "code": "taken",
        "lead_agency": "unknown",
        "agencies": "unknown",
        "leads": "unknown",
        "action_ends": "before_start",
    }
    response = client.post(
        "/api/v1/campaigns/WS2026/teams",
        headers=lead,
        json={"name": "Team A", "leader": "nobody", "members": ["ghost"], "towns": ["无此镇"]},
    )
    assert response.status_code == 422
    assert response.json["fields"] == {
        "name": "taken",
        "leader": "unknown",
        "members": "unknown",
        "towns": "unknown",
    }
