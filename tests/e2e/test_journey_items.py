"""An item's journey in the browser: an inspector flags it with a photo, the police liaison
acknowledges it and submits the rectification with an after-photo, the inspector verifies it;
the item then shows verified in the list and in the liaison's joint cases. And on a phone the
flag form and the item page fit the screen."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, sign_out

CODE = "E2EITEMS"  # a campaign of its own: never one of the demo's


@pytest.fixture(scope="session")
def items_campaign(live_app):
    """A campaign led by the demo `lead`, with the demo `inspector` in a team, police taking part."""
    from sqlalchemy import select

    from campaigns.campaigns.models import Campaign
    from campaigns.campaigns.operations import create_campaign
    from campaigns.teams.operations import save_team
    from portal import clock
    from portal.accounts.models import User
    from portal.directory.models import Agency
    from portal.extensions import db

    with live_app.app_context():
        if db.session.scalar(select(Campaign).where(Campaign.code == CODE)) is None:
            users = {u.username: u for u in db.session.scalars(select(User))}
            agencies = {a.code: a for a in db.session.scalars(select(Agency))}
            today = clock.today()
            campaign = create_campaign(
                by=users["lead"],
                code=CODE,
                title="E2E work-safety drive",
                kind="work_safety",
                lead_agency=agencies["police"],
                agencies=[agencies["env"], agencies["emergency"]],
                leads=[users["lead"]],
                action_starts=today - timedelta(days=5),
                action_ends=today + timedelta(days=60),
            )
            save_team(
                None,
                campaign=campaign,
                by=None,
                name="E2E team",
                leader=users["inspector"],
                members=[users["inspector"]],
            )
            db.session.commit()
        police = db.session.scalar(select(Agency.id).where(Agency.code == "police"))
        db.session.remove()
    return {"code": CODE, "police": police}


def photo(color) -> dict:
    out = BytesIO()
    Image.new("RGB", (640, 480), color).save(out, "JPEG")
    return {"name": "site.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def flag_item(page, campaign, title: str) -> str:
    page.goto(f"/campaigns/{campaign['code']}/items/new")
    page.select_option("select[name=district_id]", index=1)
    page.fill("input[name=new_target_name]", "E2E Chemicals Ltd")
    page.fill("input[name=title]", title)
    page.fill("textarea[name=description]", "Found on the first visit.")
    page.select_option("select[name=lead_agency_id]", str(campaign["police"]))
    deadline = page.get_attribute("input[name=deadline]", "min")
    page.fill("input[name=deadline]", deadline)
    page.set_input_files("input[data-testid=evidence-files]", photo((200, 40, 40)))
    page.click("input[name=submit]")
    page.wait_for_url(re.compile(rf"/items/{campaign['code']}-\d+$"))
    return page.url.rsplit("/", 1)[1]


def test_flag_acknowledge_submit_verify(page, items_campaign):
    sign_in(page, "inspector")
    ref = flag_item(page, items_campaign, "Blocked fire exit")
    expect(page.locator(".flash-success")).to_contain_text(f"Item {ref} flagged and assigned.")
    thumbnail = page.locator(".evidence-thumb img").first
    expect(thumbnail).to_be_visible()
    assert page.evaluate("img => img.naturalWidth > 0 && img.complete", thumbnail.element_handle())
    sign_out(page)

    sign_in(page, "liaison-police")
    page.goto("/joint-cases")
    expect(page.locator("#to_acknowledge")).to_contain_text(ref)
    page.click(f"#to_acknowledge a:text('{ref}')")
    page.click("form.action-acknowledge button[type=submit]")
    expect(page.locator(".flash-success")).to_contain_text("Acknowledged")
    page.fill("form.action-submit textarea[name=measures]", "Exit cleared, signs put up.")
    page.set_input_files(
        "form.action-submit input[data-testid=evidence-files]", photo((40, 160, 60))
    )
    page.click("form.action-submit button[type=submit]")
    expect(page.locator(".item-state")).to_contain_text("Awaiting verification")
    sign_out(page)

    sign_in(page, "inspector")
    page.goto(f"/items/{ref}")
    expect(page.locator(".evidence-grid img")).to_have_count(4)  # 2 in the gallery, 2 in the record
    page.fill("form.action-verify textarea[name=note]", "Checked on site.")
    page.click("form.action-verify button[type=submit]")
    expect(page.locator(".item-state")).to_contain_text("Verified and closed")
    page.goto(f"/campaigns/{items_campaign['code']}/items?q={ref}")
    row = page.locator("table.items-table tbody tr", has_text=ref)
    expect(row).to_contain_text("Verified and closed")
    sign_out(page)

    sign_in(page, "liaison-police")
    page.goto("/joint-cases")
    expect(page.locator("#closed_recently")).to_contain_text(ref)
    expect(page.locator("#to_acknowledge")).not_to_contain_text(ref)


def test_flag_form_and_item_page_fit_a_phone(phone, items_campaign):
    sign_in(phone, "inspector")
    ref = flag_item(phone, items_campaign, "Loose guard rail on the loading ramp of the warehouse")
    for path in (f"/campaigns/{items_campaign['code']}/items/new", f"/items/{ref}", "/items/"):
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, path
    phone.goto(f"/items/{ref}")
    expect(phone.locator(".item-details")).to_be_visible()
    box = phone.locator(".item-side").bounding_box()
    timeline = phone.locator(".timeline").bounding_box()
    assert box["y"] < timeline["y"]  # what one can do comes before the record
