"""The JSON API (CONTRACTS C5): tokens, the same access policy and verbs as the pages."""

import io
from datetime import timedelta

import pytest

from campaigns.items.models import Item
from portal import clock
from portal.accounts.operations import issue_token, revoke_token
from portal.extensions import db
from tests.factories import World, make_item, make_user
from tests.items_support import bearer, jpeg


@pytest.fixture
def world(app):
    return World()


# --- Authentication -----------------------------------------------------------------------------


def test_requests_without_a_valid_token_answer_401(client, world, login):
    assert client.get("/api/v1/campaigns").status_code == 401
    bad = {"Authorization": "Bearer ept_not-a-token"}
    assert client.get("/api/v1/campaigns", headers=bad).status_code == 401
    login(world.lead)  # a session cookie does not authenticate the API
    response = client.get("/api/v1/campaigns")
    assert response.status_code == 401 and response.json["error"] == "unauthorized"


def test_revoked_token_and_deactivated_user(client, world):
    token, plain = issue_token(world.lead, "x")
    db.session.commit()
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 200
    assert token.last_used_at is not None
    revoke_token(token, by=world.lead)
    db.session.commit()
    assert client.get("/api/v1/campaigns", headers=headers).status_code == 401
    other = bearer(world.inspector)
    world.inspector.active = False
    db.session.commit()
    assert client.get("/api/v1/campaigns", headers=other).status_code == 401


def test_no_csrf_needed_with_a_token(tmp_path, world):
    from portal import create_app
    from tests.conftest import base_config

    strict = create_app(base_config(tmp_path) | {"WTF_CSRF_ENABLED": True})
    response = strict.test_client().post(
        f"/api/v1/items/{world.item.ref}/actions",
        json={"action": "comment", "version": world.item.version, "note": "via API"},
        headers=bearer(world.liaison_env),
    )
    assert response.status_code == 200, response.json
    with strict.app_context():
        db.engine.dispose()


def test_rate_limit_answers_429_with_retry_after(app, client, world):
    app.config["API_RATE_LIMIT"] = "3/minute"
    headers = bearer(world.lead)
    codes = [client.get("/api/v1/campaigns", headers=headers).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/campaigns", headers=headers)
    assert response.status_code == 429 and response.json["error"] == "rate_limited"
    assert int(response.headers["Retry-After"]) > 0
    # per token: another user's token is not limited by this one
    assert client.get("/api/v1/campaigns", headers=bearer(world.admin)).status_code == 200


# --- Campaigns and teams ---------------------------------------------------------------------------


def test_campaign_visibility_and_creation(client, world):
    def codes(user):
        return {
            c["code"]
            for c in client.get("/api/v1/campaigns", headers=bearer(user)).json["campaigns"]
        }

    assert codes(world.admin) == {"WS2026", "ENV2026"}
    assert codes(world.lead) == {"WS2026"}
    assert codes(world.outsider) == {"ENV2026"}
    assert codes(world.liaison_police) == {"WS2026"}
    assert client.get("/api/v1/campaigns/ENV2026", headers=bearer(world.lead)).status_code == 404

    body = {
        "code": "TRF2026",
        "title": "道路交通安全整治",
        "kind": "traffic",
        "lead_agency": "police",
        "agencies": ["transport"],
        "action_starts": "2026-12-01",
        "action_ends": "2027-01-31",
    }
    assert (
        client.post("/api/v1/campaigns", json=body, headers=bearer(world.inspector)).status_code
        == 403
    )
    response = client.post("/api/v1/campaigns", json=body, headers=bearer(world.lead))
    assert response.status_code == 201, response.json
    created = response.json
    assert created["status"] == "draft" and created["review_days"] == 30
    assert created["agencies"] == ["police", "transport"] and "lead1" in created["leads"]
    assert [c["code"] for c in created["categories"]][:2] == [
        "dangerous_section",
        "hazchem_vehicle",
    ]
    again = client.post("/api/v1/campaigns", json=body, headers=bearer(world.lead))
    assert again.status_code == 422 and again.json["fields"] == {"code": "taken"}
    bad = client.post(
        "/api/v1/campaigns", json=body | {"code": "X", "kind": "nope"}, headers=bearer(world.lead)
    )
    assert bad.status_code == 422 and {"code", "kind"} <= set(bad.json["fields"])


def test_teams(client, world):
    headers = bearer(world.lead)
    response = client.post(
        "/api/v1/campaigns/WS2026/teams",
        headers=headers,
        json={
            "name": "第三督导组",
            "leader": "inspector2",
            "members": ["inspector3"],
            "towns": ["车站街道"],
        },
    )
    assert response.status_code == 201, response.json
    assert set(response.json["members"]) == {"inspector2", "inspector3"}
    names = [
        t["name"]
        for t in client.get("/api/v1/campaigns/WS2026/teams", headers=headers).json["teams"]
    ]
    assert "第三督导组" in names
    response = client.post(
        "/api/v1/campaigns/WS2026/teams",
        headers=bearer(world.inspector),
        json={"name": "x", "leader": "inspector1"},
    )
    assert response.status_code == 403
    response = client.post(
        "/api/v1/campaigns/WS2026/teams", headers=headers, json={"name": "y", "leader": "nobody"}
    )
    assert response.status_code == 422 and response.json["fields"] == {"leader": "unknown"}


# --- Items ---------------------------------------------------------------------------------------------


def _act(client, user_headers, ref, action, **fields):
    item = db.session.scalar(db.select(Item).where(Item.ref == ref))
    return client.post(
        f"/api/v1/items/{ref}/actions",
        headers=user_headers,
        json={"action": action, "version": item.version, **fields},
    )


def test_whole_lifecycle_through_the_api(client, world):
    ref = world.item.ref
    police, inspector = bearer(world.liaison_police), bearer(world.inspector)
    response = _act(client, police, ref, "acknowledge")
    assert response.status_code == 200 and response.json["status"] == "rectifying"
    response = _act(client, police, ref, "submit", measures="整改完成")
    assert response.status_code == 422 and response.json["fields"] == {"evidence": "required"}
    upload = client.post(
        f"/api/v1/items/{ref}/evidence",
        headers=police,
        data={"stage": "after", "file": (io.BytesIO(jpeg()), "after.jpg")},
    )
    assert upload.status_code == 201, upload.json
    fetched = client.get(upload.json["url"], headers=police)
    assert fetched.status_code == 200 and fetched.mimetype == "image/jpeg"
    assert fetched.headers["X-Content-Type-Options"] == "nosniff"
    assert fetched.data[:2] == b"\xff\xd8"
    fetched.close()
    assert (
        client.get(upload.json["url"], headers=bearer(world.liaison_transport)).status_code == 404
    )
    response = _act(client, police, ref, "submit", measures="整改完成")
    assert response.status_code == 200 and response.json["status"] == "submitted"
    response = _act(client, inspector, ref, "verify")
    assert response.status_code == 200 and response.json["status"] == "verified"
    detail = client.get(f"/api/v1/items/{ref}", headers=police).json
    assert [e["to_status"] for e in detail["timeline"] if e["kind"] == "moved"] == [
        "rectifying",
        "submitted",
        "verified",
    ]


def test_stale_version_answers_409_with_the_current_item(client, world):
    ref, police = world.item.ref, bearer(world.liaison_police)
    version = world.item.version
    assert _act(client, police, ref, "acknowledge").status_code == 200
    response = client.post(
        f"/api/v1/items/{ref}/actions",
        headers=police,
        json={"action": "comment", "version": version, "note": "late"},
    )
    assert response.status_code == 409
    assert response.json["status"] == "rectifying" and response.json["version"] == version + 1


def test_refusals_403_422_404(client, world):
    ref = world.item.ref
    # co-agency may comment but not acknowledge (403); verify from assigned is 422 for the team
    assert _act(client, bearer(world.liaison_env), ref, "acknowledge").status_code == 403
    assert (
        _act(client, bearer(world.liaison_env), ref, "comment", note="协办意见").status_code == 200
    )
    assert _act(client, bearer(world.inspector), ref, "verify").status_code == 422
    assert _act(client, bearer(world.inspector_b), ref, "verify").status_code == 403
    # agency A's token on agency B's item: 404 for the item, actions and evidence
    other = bearer(world.liaison_transport)
    assert client.get(f"/api/v1/items/{ref}", headers=other).status_code == 404
    assert _act(client, other, ref, "comment", note="x").status_code == 404
    assert (
        client.post(
            f"/api/v1/items/{ref}/evidence",
            headers=other,
            data={"file": (io.BytesIO(jpeg()), "a.jpg")},
        ).status_code
        == 404
    )
    assert client.get(f"/api/v1/items/{ref}", headers=bearer(world.outsider)).status_code == 404
    response = _act(client, bearer(world.lead), ref, "withdraw")
    assert response.status_code == 422 and response.json["fields"] == {"note": "required"}


def test_evidence_refusals(app, client, world):
    headers = bearer(world.liaison_police)
    ref = world.item.ref
    response = client.post(
        f"/api/v1/items/{ref}/evidence",
        headers=headers,
        data={"file": (io.BytesIO(b"<svg onload=alert(1)>"), "x.svg")},
    )
    assert response.status_code == 422 and response.json["fields"] == {"file": "type"}
    app.config["MAX_EVIDENCE_BYTES"] = 1000
    response = client.post(
        f"/api/v1/items/{ref}/evidence",
        headers=headers,
        data={"file": (io.BytesIO(jpeg() + b"\0" * 2000), "big.jpg")},
    )
    assert response.status_code == 413


def test_transfer_and_extension_through_the_api(client, world):
    ref = world.item.ref
    police, transport, lead = (
        bearer(world.liaison_police),
        bearer(world.liaison_transport),
        bearer(world.lead),
    )
    new_deadline = (world.item.deadline + timedelta(days=10)).isoformat()
    assert (
        _act(
            client, police, ref, "extend_request", note="需要更多时间", new_deadline=new_deadline
        ).status_code
        == 200
    )
    response = _act(client, lead, ref, "extend_approve")
    assert response.status_code == 200 and response.json["deadline"] == new_deadline
    assert response.json["original_deadline"] != new_deadline
    assert (
        _act(
            client, police, ref, "transfer_propose", note="属交通部门职责", to_agency="transport"
        ).status_code
        == 200
    )
    assert client.get(f"/api/v1/items/{ref}", headers=transport).status_code == 200
    response = _act(client, transport, ref, "transfer_accept")
    assert response.status_code == 200 and response.json["lead_agency"] == "transport"
    assert client.get(f"/api/v1/items/{ref}", headers=police).status_code == 404


def test_enforcement_through_the_api(client, world):
    ref, env = world.item.ref, bearer(world.liaison_env)
    response = _act(client, env, ref, "enforcement", kind="fine", date=str(clock.today()))
    assert response.status_code == 422 and response.json["fields"] == {"amount": "required"}
    response = _act(
        client,
        env,
        ref,
        "enforcement",
        kind="fine",
        date=str(clock.today()),
        amount="50000.00",
        document_no="淄环罚〔2026〕12号",
    )
    assert response.status_code == 200
    entry = response.json["timeline"][-1]
    assert entry["kind"] == "enforcement" and entry["data"]["amount"] == "50000.00"


# --- Figures -------------------------------------------------------------------------------------------


def test_completion_json_follows_c3(client, world):
    for state in ("verified", "verified", "rectifying", "withdrawn"):
        make_item(
            world.campaign,
            team=world.team_a,
            lead_agency=world.police,
            state=state,
            district=world.district,
        )
    db.session.commit()
    response = client.get(
        "/api/v1/campaigns/WS2026/completion?by=agency", headers=bearer(world.lead)
    )
    assert response.status_code == 200
    rows = {r["group"]: r for r in response.json["rows"]}
    assert rows["police"] == {
        "group": "police",
        "items": 4,
        "verified": 2,
        "open": 2,
        "overdue": 0,
        "completion_rate": "50.00",
        "on_time_rate": "100.00",
    }
    assert response.json["rows"][-1]["group"] == "TOTAL"
    liaison = client.get(
        "/api/v1/campaigns/WS2026/completion?by=agency", headers=bearer(world.liaison_env)
    ).json
    assert [r["group"] for r in liaison["rows"]] == ["police", "TOTAL"]
    assert liaison["rows"][-1]["items"] == 1  # only the item env co-handles
    assert (
        client.get(
            "/api/v1/campaigns/ENV2026/completion", headers=bearer(world.liaison_env)
        ).status_code
        == 404
    )
    bad = client.get("/api/v1/campaigns/WS2026/completion?by=nope", headers=bearer(world.lead))
    assert bad.status_code == 422 and "by" in bad.json["fields"]


# --- The document ------------------------------------------------------------------------------------


def test_openapi_describes_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").json
    assert document["openapi"].startswith("3.")
    documented = {
        (path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs"):
            continue
        path = rule.rule.replace("<int:", "{").replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (path, method) in documented, (path, method)


def test_user_with_no_role_sees_nothing(client, app):
    nobody = make_user(role=None)
    db.session.commit()
    response = client.get("/api/v1/campaigns", headers=bearer(nobody))
    assert response.status_code == 200 and response.json == {"campaigns": []}


# --- Look-back reviews ---------------------------------------------------------------------------


def test_review_checks_through_the_api(client, world):
    from campaigns.reviews.operations import open_early

    held = make_item(
        world.campaign,
        team=world.team_a,
        lead_agency=world.police,
        state="verified",
        listing_level="city",
    )
    back = make_item(
        world.campaign,
        team=world.team_a,
        lead_agency=world.police,
        state="verified",
        listing_level="district",
    )
    review = open_early(world.campaign, by=world.lead)
    db.session.commit()
    inspector = bearer(world.inspector)
    listed = client.get("/api/v1/campaigns/WS2026/reviews", headers=inspector).json["reviews"]
    assert len(listed) == 1 and listed[0]["open"] is True
    assert {c["item"] for c in listed[0]["checks"]} == {held.ref, back.ref}
    assert (
        client.get(
            "/api/v1/campaigns/WS2026/reviews", headers=bearer(world.liaison_police)
        ).status_code
        == 404
    )

    url = f"/api/v1/reviews/{review.id}/checks"
    response = client.post(f"{url}/{held.ref}", headers=inspector, json={"result": "holding"})
    assert response.status_code == 200 and response.json["result"] == "holding"
    response = client.post(f"{url}/{back.ref}", headers=inspector, json={"result": "relapsed"})
    assert response.status_code == 422 and response.json["fields"] == {"new_deadline": "required"}
    new_deadline = (clock.today() + timedelta(days=15)).isoformat()
    response = client.post(
        f"{url}/{back.ref}",
        headers=inspector,
        json={"result": "relapsed", "new_deadline": new_deadline, "note": "复查发现反弹"},
    )
    assert response.status_code == 200
    item = client.get(f"/api/v1/items/{back.ref}", headers=bearer(world.liaison_police)).json
    assert item["status"] == "rectifying" and item["relapses"] == 1
    assert item["deadline"] == new_deadline
    # another team's inspector may not record; an item outside the review is 404
    assert client.post(
        f"{url}/{held.ref}", headers=bearer(world.inspector_b), json={"result": "holding"}
    ).status_code in (403, 422)
    assert (
        client.post(
            f"{url}/{world.item.ref}", headers=inspector, json={"result": "holding"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/api/v1/reviews/{review.id + 99}/checks/{held.ref}",
            headers=inspector,
            json={"result": "holding"},
        ).status_code
        == 404
    )
