"""Issue 6's "done when": another system runs a whole campaign with nothing but tokens and the
OpenAPI document.

The "other system" here knows the portal only through /api/v1/openapi.json: every call it makes
is an operation it found in that document, and every answer it gets is checked against the
document (status, content type, body schema). Its tokens come from `flask create-token` (C2).
What it does: create a campaign, form two teams, import the ledger, flag an item in the field,
move every item through its lifecycle (acknowledge, after-photo, submit, return, resubmit,
verify, list for supervision, withdraw a duplicate), open the look-back and record its checks
(one holds, one relapsed), and read the completion rates.
"""

from datetime import timedelta
from io import BytesIO

import pytest
import schemathesis

from portal import clock
from portal.extensions import db
from tests.campaigns.ledger_files import csv_bytes, row
from tests.factories import make_agency, make_region, make_user
from tests.items_support import jpeg


class OtherSystem:
    """A client that knows the portal only through its OpenAPI document and a token."""

    def __init__(self, client, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}
        self.document = schemathesis.openapi.from_dict(
            client.get("/api/v1/openapi.json").get_json()
        )

    def call(self, method: str, template: str, *, expect: int = 200, **kwargs):
        operation = self.document[template][method]  # KeyError: not in the document
        params = kwargs.pop("path", {})
        response = self.client.open(
            template.format(**params), method=method, headers=self.headers, **kwargs
        )
        assert response.status_code == expect, (method, template, response.get_json())
        operation.validate_response(response)
        return response.get_json() if response.is_json else response


def token_for(app, username: str) -> str:
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["create-token", username])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1].strip()


@pytest.fixture
def directory(app):
    """What the portal's operators set up before any campaign: agencies, regions, accounts."""
    plc = make_agency("plc", name_zh="市委政法委", name_en="Political-Legal Committee")
    police = make_agency("police", name_zh="市公安局", name_en="Public Security Bureau")
    env = make_agency("env", name_zh="市生态环境局", name_en="Ecology and Environment Bureau")
    safety = make_agency("safety", name_zh="市应急管理局", name_en="Emergency Management")
    city = make_region("city", name="淄博市", code="370300")
    district = make_region("district", city, name="张店区", code="370303")
    make_region("town", district, name="车站街道")
    make_user("lead", plc, "lead-ws")
    make_user("inspector", safety, "inspector-1")
    make_user("inspector", safety, "inspector-2")
    make_user("liaison", police, "liaison-police")
    make_user("liaison", env, "liaison-env")
    db.session.commit()


def test_a_whole_campaign_through_the_api(app, client, directory):
    today = clock.today()
    lead = OtherSystem(client, token_for(app, "lead-ws"))
    inspector = OtherSystem(client, token_for(app, "inspector-1"))
    police = OtherSystem(client, token_for(app, "liaison-police"))
    env = OtherSystem(client, token_for(app, "liaison-env"))
    campaign = {"code": "WS2027"}
    item_path = "/api/v1/items/{ref}"

    # 1. The campaign and its teams
    created = lead.call(
        "POST",
        "/api/v1/campaigns",
        expect=201,
        json={
            "code": "WS2027",
            "title": "安全生产联合执法专项行动",
            "kind": "work_safety",
            "lead_agency": "plc",
            "agencies": ["police", "env", "safety"],
            "action_starts": (today - timedelta(days=10)).isoformat(),
            "action_ends": (today + timedelta(days=50)).isoformat(),
        },
    )
    assert created["status"] == "active" and created["review_scope"] == "listed"
    categories = [c["code"] for c in created["categories"]]
    assert "hazardous_chemicals" in categories
    for name, leader in (("第一督导组", "inspector-1"), ("第二督导组", "inspector-2")):
        lead.call(
            "POST",
            "/api/v1/campaigns/{code}/teams",
            path=campaign,
            expect=201,
            json={"name": name, "leader": leader, "towns": ["车站街道"]},
        )
    teams = lead.call("GET", "/api/v1/campaigns/{code}/teams", path=campaign)["teams"]
    assert [t["name"] for t in teams] == ["第一督导组", "第二督导组"]

    # 2. The ledger the teams brought back, imported; one more item flagged in the field
    ledger = csv_bytes(
        [
            row(1, lead_agency="police", co_agencies="env"),
            row(2, lead_agency="police", co_agencies="", listing_level="无"),
            row(3, lead_agency="police", co_agencies="env", title="重复录入"),
        ]
    )
    imported = lead.call(
        "POST",
        "/api/v1/campaigns/{code}/imports",
        path=campaign,
        expect=201,
        data={"file": (BytesIO(ledger), "台账.csv")},
    )
    refs = [i["ref"] for i in imported["items"]]
    assert imported["rows"] == 3 and len(refs) == 3
    flagged = inspector.call(
        "POST",
        "/api/v1/campaigns/{code}/items",
        path=campaign,
        expect=201,
        json={
            "target": "淄博某危化品仓储有限公司",
            "district": "370303",
            "town": "车站街道",
            "category": "hazardous_chemicals",
            "title": "可燃气体报警器失效",
            "severity": "major",
            "listing_level": "city",
            "listing_doc_no": "淄安督〔2027〕1号",
            "lead_agency": "police",
            "co_agencies": ["env"],
            "deadline": (today + timedelta(days=20)).isoformat(),
            "team": "第一督导组",
        },
    )
    refs.append(flagged["ref"])
    duplicate = refs[2]

    # 3. The lead withdraws the duplicate and lists the first item for supervision
    def act(system, ref, action, **fields):
        version = system.call("GET", item_path, path={"ref": ref})["version"]
        return system.call(
            "POST",
            "/api/v1/items/{ref}/actions",
            path={"ref": ref},
            json={"action": action, "version": version, **fields},
        )

    act(lead, duplicate, "withdraw", note="与第1行重复")
    act(lead, refs[0], "list", listing_level="district", listing_doc_no="张安督〔2027〕7号")
    refs.remove(duplicate)

    # 4. Police see their joint cases, take them on, rectify with photos and report
    mine = police.call("GET", "/api/v1/items", query_string={"campaign": "WS2027"})
    statuses = {i["ref"]: i["status"] for i in mine["items"]}
    assert statuses == {refs[0]: "assigned", refs[1]: "assigned", refs[2]: "assigned"} | {
        duplicate: "withdrawn"  # never deleted: it stays in the record
    }
    env.call("GET", item_path, path={"ref": refs[0]})  # a co-agency sees its joint case
    act(env, refs[0], "comment", note="已配合现场检查")
    for ref in refs:
        act(police, ref, "acknowledge")
        police.call(
            "POST",
            "/api/v1/items/{ref}/evidence",
            path={"ref": ref},
            expect=201,
            data={"stage": "after", "file": (BytesIO(jpeg()), "整改后.jpg")},
        )
        act(police, ref, "submit", measures="已设置围堰并复查")

    # 5. The team checks on site: one is returned, reworked and verified; the others verified
    returned = act(inspector, refs[1], "return", note="围堰高度不足")
    assert returned["status"] == "rectifying"
    act(police, refs[1], "submit", measures="围堰加高至1.2米")
    for ref in refs:
        assert act(inspector, ref, "verify")["status"] == "verified"
    photo = police.call("GET", item_path, path={"ref": refs[0]})["evidence"][0]
    police.call(
        "GET",
        "/api/v1/items/{ref}/evidence/{evidence_id}",
        path={"ref": refs[0], "evidence_id": photo["id"]},
    )

    # 6. The look-back: opened early, its checks recorded by the flagging team
    review = lead.call("POST", "/api/v1/campaigns/{code}/reviews", path=campaign, expect=201)
    listed = {refs[0], flagged["ref"]}
    assert {c["item"] for c in review["checks"]} == listed
    checks = inspector.call("GET", "/api/v1/campaigns/{code}/reviews", path=campaign)
    assert checks["reviews"][0]["open"] is True
    check_path = "/api/v1/reviews/{review_id}/checks/{item_ref}"
    inspector.call(
        "POST",
        check_path,
        path={"review_id": review["id"], "item_ref": refs[0]},
        json={"result": "holding"},
    )
    inspector.call(
        "POST",
        check_path,
        path={"review_id": review["id"], "item_ref": flagged["ref"]},
        json={
            "result": "relapsed",
            "note": "报警器再次失效",
            "new_deadline": (today + timedelta(days=15)).isoformat(),
        },
    )
    relapsed = police.call("GET", item_path, path={"ref": flagged["ref"]})
    assert (relapsed["status"], relapsed["relapses"]) == ("rectifying", 1)

    # 7. The figures: 3 items in scope (the duplicate withdrawn), 2 verified
    completion = lead.call(
        "GET",
        "/api/v1/campaigns/{code}/completion",
        path=campaign,
        query_string={"by": "agency"},
    )
    total = completion["rows"][-1]
    assert total["group"] == "TOTAL"
    assert (total["items"], total["verified"], total["open"]) == (3, 2, 1)
    assert total["completion_rate"] == "66.67" and total["on_time_rate"] == "100.00"
    listed_rows = lead.call(
        "GET",
        "/api/v1/campaigns/{code}/completion",
        path=campaign,
        query_string={"by": "listing_level"},
    )["rows"]
    assert {r["group"] for r in listed_rows} >= {"district", "city", "TOTAL"}
