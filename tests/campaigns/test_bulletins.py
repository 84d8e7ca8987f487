"""The weekly bulletin: its figures, its printable page and its XLSX, for the meeting's people."""

from datetime import timedelta
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from campaigns.bulletins import jobs, operations
from campaigns.bulletins.models import Bulletin
from campaigns.items import operations as items
from portal import clock
from portal.extensions import db
from tests.factories import World, make_item, make_region


class BulletinScene(World):
    def __init__(self):
        super().__init__()
        today = clock.today()
        self.monday = today + timedelta(days=7 - today.weekday())
        self.zichuan = make_region("district", self.city, name="淄川区")
        common = {"team": self.team_a, "lead_agency": self.police, "town": self.town}
        self.verified = make_item(self.campaign, state="verified", **common)
        self.returned = make_item(self.campaign, state="submitted", **common)
        items.return_for_rework(self.returned, by=self.inspector, note="Photos missing")
        self.overdue = make_item(
            self.campaign,
            team=self.team_b,
            lead_agency=self.env,
            district=self.zichuan,
            deadline=today - timedelta(days=1),
        )
        self.listed = make_item(self.campaign, state="verified", listing_level="city", **common)
        items.acknowledge(self.item, by=self.liaison_police)
        items.propose_transfer(
            self.item, by=self.liaison_police, to_agency=self.transport, note="Roads"
        )
        db.session.commit()


@pytest.fixture
def scene(app):
    s = BulletinScene()
    with clock.travel_to(s.monday):
        s.bulletin = operations.issue(s.campaign, s.monday)
        db.session.commit()
    return s


def test_the_bulletin_keeps_the_weeks_figures(scene):
    c = scene.bulletin.content
    assert c["week"] == {"new": 5, "verified": 2, "returned": 1, "overdue": 1}
    assert c["totals"]["rate"] == "40.00" and c["totals"]["change"] is None
    assert [r["ref"] for r in c["returned_items"]] == [scene.returned.ref]
    assert [r["ref"] for r in c["overdue_items"]] == [scene.overdue.ref]
    assert [r["ref"] for r in c["listed"]] == [scene.listed.ref]
    lagging = {(r["kind"], r["zh"]) for r in c["lagging"]}
    assert lagging == {("district", "淄川区"), ("agency", scene.env.name_zh)}
    assert {r["zh"]: r["rate"] for r in c["by_district"]} == {"张店区": "50.00", "淄川区": "0.00"}
    assert [(t["ref"], t["to_zh"]) for t in c["transfers"]] == [
        (scene.item.ref, scene.transport.name_zh)
    ]


def test_the_next_week_shows_the_change(scene):
    next_monday = scene.monday + timedelta(days=7)
    with clock.travel_to(scene.monday + timedelta(days=2)):
        scene.returned.status = "verified"  # submitted again and verified during the week
        scene.returned.verified_at = clock.now()
        scene.returned.verified_on = clock.today()
        db.session.commit()
    with clock.travel_to(next_monday):
        later = operations.issue(scene.campaign, next_monday)
        db.session.commit()
    totals = later.content["totals"]
    assert totals["rate"] == "60.00" and totals["previous"] == "40.00"
    assert totals["change"] == "20.00"
    assert later.content["week"] == {"new": 0, "verified": 1, "returned": 0, "overdue": 1}
    assert scene.bulletin.content["totals"]["rate"] == "40.00"  # kept as it was


def test_one_bulletin_per_campaign_and_monday(scene):
    with clock.travel_to(scene.monday):
        assert operations.issue(scene.campaign, scene.monday) is None
        jobs.weekly_bulletins(scene.monday)
        jobs.weekly_bulletins(scene.monday + timedelta(days=1))  # a Tuesday: nothing
        db.session.commit()
    count = db.session.scalar(select(func.count()).where(Bulletin.campaign_id == scene.campaign.id))
    assert count == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("lead", 200),
        ("admin", 200),
        ("inspector", 200),
        ("inspector_b", 200),
        ("outsider", 404),
        ("liaison_police", 404),
        ("liaison_env", 404),
        ("liaison_transport", 404),
    ],
)
def test_who_sees_bulletins(scene, client, login, who, status):
    login(getattr(scene, who))
    b = scene.bulletin.id
    assert client.get(f"/bulletins/{b}").status_code == status
    assert client.get(f"/bulletins/{b}.xlsx").status_code == status
    assert client.get("/campaigns/WS2026/bulletins").status_code == status


def test_the_printable_page(scene, client, login):
    login(scene.lead)
    page = client.get(f"/bulletins/{scene.bulletin.id}").get_data(as_text=True)
    assert "40.00%" in page
    assert "淄川区" in page.split('data-testid="lagging"')[1].split("</ul>")[0]
    assert scene.returned.ref in page and scene.listed.ref in page
    assert "print.css" in page and "data-print" in page
    index = client.get("/campaigns/WS2026/bulletins").get_data(as_text=True)
    assert f"/bulletins/{scene.bulletin.id}" in index and "40.00%" in index


def test_the_xlsx(scene, client, login):
    login(scene.inspector)
    response = client.get(f"/bulletins/{scene.bulletin.id}.xlsx")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    book = load_workbook(BytesIO(response.data))
    assert book.sheetnames[:4] == ["Summary", "By district", "By lead agency", "Lagging behind"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary["Completion rate (%)"] == 40.0 and summary["Returned this week"] == 1
    lagging = [row[0] for row in book["Lagging behind"].iter_rows(min_row=2, values_only=True)]
    assert "淄川区" in lagging


def test_text_that_looks_like_a_formula_is_neutralised(app):
    s = BulletinScene()
    s.listed.title = '=HYPERLINK("http://x")'
    db.session.commit()
    with clock.travel_to(s.monday):
        bulletin = operations.issue(s.campaign, s.monday)
        db.session.commit()
    from campaigns.bulletins import xlsx

    with app.test_request_context():
        book = load_workbook(BytesIO(xlsx.workbook(bulletin, english=True)))
    titles = [row[1] for row in book["Listed items"].iter_rows(min_row=2, values_only=True)]
    assert titles == ['\'=HYPERLINK("http://x")']
