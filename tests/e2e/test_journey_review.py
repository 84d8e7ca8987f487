"""The look-back journey: it opens with the day's jobs, the inspector records holding on one
item and relapsed on another, and the lead agency's liaison finds the relapsed item back in
rectification, told in the inbox.

The campaign E2EREV is built in the live database through the operations, by the demo users
`lead`, `inspector` and `liaison-police`; its action phase ended yesterday, so the look-back
opens today when the day's jobs run.
"""

from datetime import timedelta
from io import BytesIO

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, sign_out


def _photo():
    from PIL import Image
    from werkzeug.datastructures import FileStorage

    data = BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 60)).save(data, "PNG")
    data.seek(0)
    return FileStorage(data, filename="after.png", content_type="image/png")


@pytest.fixture(scope="session")
def review_campaign(live_app):
    from sqlalchemy import select

    from campaigns.campaigns.operations import create_campaign
    from campaigns.items import operations as items
    from campaigns.reviews.jobs import open_reviews
    from campaigns.targets.operations import find_or_create_target
    from campaigns.teams.operations import save_team
    from portal import clock
    from portal.accounts.models import User
    from portal.directory.models import Agency, Region
    from portal.extensions import db

    with live_app.test_request_context():
        users = {
            u.username: u
            for u in db.session.scalars(
                select(User).where(User.username.in_(["lead", "inspector", "liaison-police"]))
            )
        }
        agencies = {a.code: a for a in db.session.scalars(select(Agency))}
        district = db.session.scalar(select(Region).where(Region.code == "370303"))
        town = db.session.scalar(select(Region).where(Region.parent_id == district.id).limit(1))
        today = clock.today()
        campaign = create_campaign(
            by=users["lead"],
            code="E2EREV",
            title="回头看演练 Look-back drill",
            kind="work_safety",
            lead_agency=agencies["plc"],
            agencies=[agencies["police"]],
            leads=[users["lead"]],
            action_starts=today - timedelta(days=40),
            action_ends=today - timedelta(days=1),
        )
        team = save_team(
            None,
            campaign=campaign,
            by=users["lead"],
            name="E2E 督导组",
            leader=users["inspector"],
            members=[users["inspector"]],
        )
        refs = []
        for title in ("Fire exit blocked", "Dust from the quarry"):
            item = items.flag_item(
                campaign,
                by=users["inspector"],
                team=team,
                target=find_or_create_target(name=f"{title} Ltd", region=town),
                district=district,
                town=town,
                category=campaign.categories[0],
                title=title,
                lead_agency=agencies["police"],
                deadline=today + timedelta(days=5),
                listing_level="city",
                listing_doc_no="市督〔2026〕7号",
            )
            items.acknowledge(item, by=users["liaison-police"])
            items.add_evidence(item, by=users["liaison-police"], upload=_photo(), stage="after")
            items.submit_rectification(item, by=users["liaison-police"], measures="Fixed on site")
            items.verify(item, by=users["inspector"])
            refs.append(item.ref)
        db.session.commit()
        # The look-back opens today. The demo already ran today's jobs when it loaded, so the
        # sweep is run here directly (the daily job itself).
        open_reviews(today)
        db.session.commit()
        db.session.remove()
    return refs


def test_look_back_journey(page, live_app, review_campaign):
    holding_ref, relapsed_ref = review_campaign
    sign_in(page, "inspector")
    page.goto("/campaigns/E2EREV/review")
    expect(page.locator("h1")).to_contain_text("Look-back review")
    expect(page.get_by_test_id("checked")).to_have_text("0 / 2")

    page.locator("tr", has_text=holding_ref).get_by_role("link", name="Record result").click()
    page.check("input[name=result][value=holding]")
    page.fill("textarea[name=note]", "Exit clear, signs in place")
    page.click("button:has-text('Record the result')")
    expect(page.locator(".flash-success")).to_contain_text(f"Recorded: {holding_ref}, Holding.")

    page.locator("tr", has_text=relapsed_ref).get_by_role("link", name="Record result").click()
    page.check("input[name=result][value=relapsed]")
    page.click("button:has-text('Record the result')")
    expect(page.locator(".error")).to_contain_text("Give a new deadline")
    page.check("input[name=result][value=relapsed]")
    page.fill("input[name=new_deadline]", _in_days(14))
    page.fill("textarea[name=note]", "Dust is back at the north gate")
    page.click("button:has-text('Record the result')")
    expect(page.locator(".flash-success")).to_contain_text(f"Recorded: {relapsed_ref}, Relapsed.")
    expect(page.get_by_test_id("checked")).to_have_text("2 / 2")
    page.locator("nav.tabs a", has_text="Results").click()
    expect(page.locator("tr", has_text=relapsed_ref)).to_contain_text("Relapsed")
    expect(page.locator("tr", has_text=holding_ref)).to_contain_text("Holding")
    sign_out(page)

    sign_in(page, "liaison-police")
    expect(page.get_by_test_id("unread")).to_be_visible()
    page.click("header a.inbox")
    notice = page.locator(".notice", has_text=relapsed_ref)
    expect(notice).to_contain_text("is back in rectification after the look-back (Relapsed)")
    expect(page.locator(".notice", has_text=holding_ref)).to_have_count(0)
    response = page.goto("/campaigns/E2EREV/review")
    assert response.status == 404  # the look-back is the campaign office's, not the agency's
    page.goto("/inbox")
    with page.expect_navigation():
        notice.locator("a").click()
    assert page.url.endswith(f"/items/{relapsed_ref}")
    if "items.show" in live_app.view_functions:  # the item page (items feature)
        expect(page.locator("main")).to_contain_text("Rectifying")
    page.goto("/inbox")
    expect(page.locator(".notice.unread", has_text=relapsed_ref)).to_have_count(0)


def _in_days(days: int) -> str:
    from portal import clock

    return (clock.today() + timedelta(days=days)).isoformat()
