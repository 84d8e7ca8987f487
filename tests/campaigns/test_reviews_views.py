"""The look-back page and the check page, as people see them."""

from datetime import timedelta

import pytest
from sqlalchemy import event

from campaigns.reviews import operations
from portal import clock
from portal.extensions import db
from tests.campaigns.review_scene import ReviewScene


@pytest.fixture
def scene(app):
    return ReviewScene()


def _open(scene):
    operations.open_review(scene.campaign)
    db.session.commit()
    return operations.review_of(scene.campaign)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lead", 200),
        ("admin", 200),
        ("inspector", 200),
        ("inspector_b", 200),
        ("outsider", 404),  # inspector of another campaign
        ("liaison_police", 404),  # sees the campaign's joint cases, not its look-back
        ("liaison_transport", 404),
    ],
)
def test_who_sees_the_review_page(scene, client, login, who, status):
    with clock.travel_to(scene.opens):
        review = _open(scene)
        login(getattr(scene, who))
        assert client.get("/campaigns/WS2026/review").status_code == status
        check = review.checks[0]
        assert client.get(f"/campaigns/WS2026/review/checks/{check.id}").status_code == status


def test_the_page_before_opening_offers_leads_to_open_it_now(scene, client, login):
    login(scene.inspector)
    page = client.get("/campaigns/WS2026/review").get_data(as_text=True)
    assert "The look-back opens on" in page and "Open the look-back now" not in page
    assert client.post("/campaigns/WS2026/review/open").status_code == 403
    login(scene.lead)
    page = client.get("/campaigns/WS2026/review").get_data(as_text=True)
    assert "Open the look-back now" in page
    response = client.post("/campaigns/WS2026/review/open", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "The look-back is open until" in page and "4 items to check" in page
    assert "0 / 4" in page and scene.a.ref in page


def test_progress_and_what_is_left(scene, client, login):
    with clock.travel_to(scene.opens):
        review = _open(scene)
        check = next(c for c in review.checks if c.item_id == scene.a.id)
        operations.record_check(check, by=scene.inspector, result="holding")
        db.session.commit()
        login(scene.inspector)
        page = client.get("/campaigns/WS2026/review").get_data(as_text=True)
        assert "1 / 4" in page  # checked / total
        assert "1 / 3" in page  # Team A
        assert "0 / 1" in page  # Team B
        assert scene.a.ref not in page.split("Left to check")[1]  # checked already
        assert scene.b.ref in page and scene.c.ref in page
        team_b = client.get(f"/campaigns/WS2026/review?team={scene.team_b.id}").get_data(
            as_text=True
        )
        assert scene.c.ref in team_b and scene.b.ref not in team_b
        results = client.get("/campaigns/WS2026/review?tab=results").get_data(as_text=True)
        assert scene.a.ref in results and "Holding" in results


def _statements(client, url) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


@pytest.mark.parametrize("tab", ["left", "results"])
def test_the_lists_take_the_same_queries_for_more_rows(scene, client, login, tab):
    with clock.travel_to(scene.opens):
        review = _open(scene)
        checks = {c.item_id: c for c in review.checks}
        operations.record_check(checks[scene.a.id], by=scene.inspector, result="holding")
        db.session.commit()
        login(scene.lead)
        url = f"/campaigns/WS2026/review?tab={tab}"
        client.get(url)
        before = _statements(client, url)
        operations.record_check(checks[scene.b.id], by=scene.inspector, result="holding")
        operations.record_check(checks[scene.c.id], by=scene.lead, result="holding")
        db.session.commit()
        assert _statements(client, url) == before


def test_recording_relapse_on_the_check_page(scene, client, login):
    with clock.travel_to(scene.opens):
        review = _open(scene)
        check = next(c for c in review.checks if c.item_id == scene.a.id)
        login(scene.inspector)
        url = f"/campaigns/WS2026/review/checks/{check.id}"
        page = client.get(url).get_data(as_text=True)
        assert "Record the result" in page and scene.a.title in page
        refused = client.post(url, data={"result": "relapsed", "note": "Back"})
        assert refused.status_code == 422
        assert "Give a new deadline" in refused.get_data(as_text=True)
        done = client.post(
            url,
            data={
                "result": "relapsed",
                "note": "Back",
                "new_deadline": (scene.opens + timedelta(days=5)).isoformat(),
            },
            follow_redirects=True,
        )
        assert f"Recorded: {scene.a.ref}, Relapsed." in done.get_data(as_text=True)
        page = client.get(url).get_data(as_text=True)
        assert "Record the result" not in page and "Rectifying" in page and "Back" in page
        login(scene.inspector_b)
        assert client.post(url, data={"result": "holding"}).status_code == 403


def test_a_closed_review_shows_its_frozen_figures(scene, client, login):
    with clock.travel_to(scene.opens):
        review = _open(scene)
    with clock.travel_to(review.closes_on + timedelta(days=1)):
        operations.close_review(review)
        db.session.commit()
        login(scene.lead)
        page = client.get("/campaigns/WS2026/review").get_data(as_text=True)
        assert "Its figures were frozen when it closed" in page
        assert "0 / 4" in page
        check = review.checks[0]
        page = client.get(f"/campaigns/WS2026/review/checks/{check.id}").get_data(as_text=True)
        assert "The look-back is not open" in page


def test_the_home_page_shows_open_look_backs(scene, client, login):
    with clock.travel_to(scene.opens):
        _open(scene)
        login(scene.inspector_b)
        page = client.get("/").get_data(as_text=True)
        assert "Look-backs open now" in page
        row = page.split("/campaigns/WS2026/review")[1].split("</tr>")[0]
        assert row.count('class="num"') == 2 and ">4<" in row and ">1<" in row
        login(scene.liaison_police)
        assert "Look-backs open now" not in client.get("/").get_data(as_text=True)
    login(scene.inspector)  # after it closed
    with clock.travel_to(scene.campaign.review_ends + timedelta(days=1)):
        assert "Look-backs open now" not in client.get("/").get_data(as_text=True)
