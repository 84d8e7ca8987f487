"""IDOR through the API: a token of agency A (or of another campaign's team) on agency B's
items, evidence, campaign, completion, import and look-back answers 404, as JSON, revealing
nothing, whatever it tries; and it never finds them through the lists."""

from io import BytesIO

import pytest
from werkzeug.datastructures import FileStorage

from campaigns.items.operations import add_evidence
from campaigns.reviews.operations import open_early
from portal.extensions import db
from tests.campaigns.ledger_files import csv_bytes, row
from tests.factories import World, make_item
from tests.items_support import bearer, jpeg


def _photo(item, by):
    return add_evidence(
        item,
        by=by,
        upload=FileStorage(BytesIO(jpeg()), "before.jpg"),
        stage="before",
        check_access=False,
    )


class Scene(World):
    """world.item (police leads, env co-handles) in WS2026, with a photo; an item led by
    transport in WS2026 with a photo of its own; ENV2026 with a listed, verified item and an
    open look-back; WS2026's look-back open too."""

    def __init__(self):
        super().__init__()
        self.photo = _photo(self.item, self.inspector)
        self.transport_item = make_item(self.campaign, team=self.team_a, lead_agency=self.transport)
        self.transport_photo = _photo(self.transport_item, self.inspector)
        self.listed = make_item(
            self.campaign,
            state="verified",
            team=self.team_a,
            lead_agency=self.police,
            listing_level="city",
        )
        self.env_item = make_item(
            self.other_campaign,
            state="verified",
            team=self.other_team,
            lead_agency=self.env,
            listing_level="city",
        )
        self.env_photo = _photo(self.env_item, self.outsider)
        self.review = open_early(self.campaign, by=self.lead)
        self.env_review = open_early(self.other_campaign, by=self.admin)
        db.session.commit()


@pytest.fixture
def scene(app):
    return Scene()


def hidden_requests(scene, person: str) -> list[tuple[str, str, dict]]:
    """(method, url, request keywords) for everything of agency B / the other campaign."""
    if person == "liaison_transport":  # agency A = transport; B = police (and ENV2026)
        item, photo, code = scene.item, scene.photo, "ENV2026"
        review, checked = scene.env_review, scene.env_item
        visible_item = scene.transport_item
    else:  # an inspector of ENV2026's team; B = WS2026
        item, photo, code = scene.item, scene.photo, "WS2026"
        review, checked = scene.review, scene.listed
        visible_item = scene.env_item
    ledger = csv_bytes([row(1)])
    return [
        ("GET", f"/api/v1/items/{item.ref}", {}),
        ("POST", f"/api/v1/items/{item.ref}/actions", {"json": {"action": "comment", "version": item.version, "note": "x"}}),
        ("POST", f"/api/v1/items/{item.ref}/actions", {"json": {"action": "acknowledge", "version": item.version}}),
        ("POST", f"/api/v1/items/{item.ref}/evidence", {"data": {"file": (BytesIO(jpeg()), "a.jpg")}}),
        ("GET", f"/api/v1/items/{item.ref}/evidence/{photo.id}", {}),
        # B's file through A's own item
        ("GET", f"/api/v1/items/{visible_item.ref}/evidence/{photo.id}", {}),
        ("GET", f"/api/v1/campaigns/{code}", {}),
        ("GET", f"/api/v1/campaigns/{code}/teams", {}),
        ("POST", f"/api/v1/campaigns/{code}/teams", {"json": {"name": "x", "leader": "inspector1"}}),
        ("POST", f"/api/v1/campaigns/{code}/items", {"json": FLAG}),
        ("GET", f"/api/v1/campaigns/{code}/completion", {}),
        ("GET", f"/api/v1/campaigns/{code}/completion?by=agency", {}),
        ("POST", f"/api/v1/campaigns/{code}/imports", {"data": {"file": (BytesIO(ledger), "l.csv")}}),
        ("GET", f"/api/v1/campaigns/{code}/reviews", {}),
        ("POST", f"/api/v1/campaigns/{code}/reviews", {}),
        ("POST", f"/api/v1/reviews/{review.id}/checks/{checked.ref}", {"json": {"result": "holding"}}),
    ]  # fmt: skip


PEOPLE = ["liaison_transport", "outsider"]
# A body that would flag an item for someone allowed to (the names exist in both campaigns).
FLAG = {
    "target": "淄博某化工有限公司",
    "district": "张店区",
    "category": "hazardous_chemicals",
    "title": "储罐区未设置围堰",
    "lead_agency": "police",
    "deadline": "2099-12-31",
    "team": "Team A",
}


@pytest.mark.parametrize("person", PEOPLE)
def test_everything_of_the_other_agency_answers_404(client, scene, person):
    headers = bearer(getattr(scene, person))
    wrong = []
    for method, url, extra in hidden_requests(scene, person):
        response = client.open(url, method=method, headers=headers, **extra)
        body = response.get_json(silent=True)
        if response.status_code != 404 or body is None or body.get("error") != "not_found":
            wrong.append(f"{method} {url}: {response.status_code} {response.get_data()[:80]!r}")
        elif scene.item.ref in response.get_data(as_text=True):
            wrong.append(f"{method} {url}: the answer names the item")
    assert wrong == []


@pytest.mark.parametrize("person", PEOPLE)
def test_the_other_agencys_items_are_in_no_list(client, scene, person):
    headers = bearer(getattr(scene, person))
    found = client.get(f"/api/v1/items?per_page=200&q={scene.item.ref}", headers=headers).json
    assert found["total"] == 0 and found["items"] == []
    everything = client.get("/api/v1/items?per_page=200", headers=headers).json
    assert scene.item.ref not in {i["ref"] for i in everything["items"]}
    assert everything["total"] == len(everything["items"])


def test_a_liaisons_completion_counts_only_their_agencys_items(client, scene):
    """Transport takes part in WS2026, so the campaign is visible; police's items are not."""
    headers = bearer(scene.liaison_transport)
    rows = client.get("/api/v1/campaigns/WS2026/completion?by=agency", headers=headers).json
    assert {r["group"] for r in rows["rows"]} == {"transport", "TOTAL"}
    assert rows["rows"][-1]["items"] == 1


def test_the_same_requests_succeed_for_those_who_may(client, scene):
    """The 404s above come from the access policy, not from broken requests."""
    police, lead = bearer(scene.liaison_police), bearer(scene.lead)
    assert client.get(f"/api/v1/items/{scene.item.ref}", headers=police).status_code == 200
    photo = client.get(f"/api/v1/items/{scene.item.ref}/evidence/{scene.photo.id}", headers=police)
    assert photo.status_code == 200 and photo.data[:2] == b"\xff\xd8"
    photo.close()
    assert client.get("/api/v1/campaigns/WS2026/completion", headers=lead).status_code == 200
    assert client.get("/api/v1/campaigns/WS2026/reviews", headers=lead).status_code == 200
