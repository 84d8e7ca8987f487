"""A lead sets up a campaign and a team; the inspector put in the team then sees the campaign."""

import re

from playwright.sync_api import expect

from tests.e2e.conftest import sign_in, sign_out


def test_lead_sets_up_a_campaign_and_team_for_the_inspector(page):
    sign_in(page, "lead")
    page.goto("/campaigns/")
    page.click("text=New campaign")
    page.fill("#code", "JNY2027")
    page.fill("#title", "2027年危化品安全专项整治")
    page.select_option("#kind", "work_safety")
    page.fill("#action_starts", "2027-03-01")
    page.fill("#action_ends", "2027-05-31")
    page.get_by_label("Public Security Bureau", exact=True).check()
    page.click("button:has-text('Save')")

    expect(page).to_have_url(re.compile(r"/campaigns/JNY2027$"))
    expect(page.locator(".flash-success")).to_contain_text("Campaign JNY2027 created.")
    expect(page.locator("[data-testid=campaign-status]")).to_have_text("Not started")
    categories = page.locator("[data-testid=categories] li")
    expect(categories).to_have_count(7)
    expect(categories.first).to_have_text("Coal mines")
    expect(page.locator("[data-testid=categories]")).to_contain_text("Hazardous chemicals")

    page.click("text=New team")
    page.fill("#name", "危化品第一检查组")
    leader = page.locator("#leader_id option", has_text="督导组检查员").first.get_attribute("value")
    page.select_option("#leader_id", leader)
    page.fill("input[data-filter=members]", "督导组")  # the search box narrows the long list
    expect(page.locator("label.picker-option:visible")).to_have_count(1)
    page.check("label.picker-option:has-text('督导组检查员') input")
    page.click("summary:has-text('张店区')")
    page.check("label.picker-option:has-text('车站街道') input")
    page.click("button:has-text('Save')")

    expect(page.locator("h1")).to_have_text("危化品第一检查组")
    expect(page.locator("[data-testid=workload]")).to_contain_text("督导组检查员")
    expect(page.locator("main")).to_contain_text("车站街道")
    sign_out(page)

    sign_in(page, "inspector")
    page.goto("/campaigns/?q=JNY")
    expect(page.locator("main table")).to_contain_text("2027年危化品安全专项整治")
    page.click("text=2027年危化品安全专项整治")
    expect(page.locator("main")).to_contain_text("危化品第一检查组")
    expect(page.locator("a[href='/campaigns/JNY2027/items/new']")).to_be_visible()


def test_campaign_pages_fit_a_phone(phone):
    sign_in(phone, "lead")
    for path in ("/", "/campaigns/", "/campaigns/ENV2026", "/targets/"):
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    phone.goto("/campaigns/ENV2026")
    expect(phone.locator("[data-testid=campaign-status]")).to_have_text("Look-back")
