"""A lead reads a campaign's dashboard, moves the cut-off date and downloads the completion XLSX;
the file holds the figures shown on screen. The dashboard also fits a phone."""

import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.e2e.conftest import sign_in


@pytest.fixture(scope="session")
def figures_campaign(live_app):
    """E2EFIG, led by the demo `lead`: 8 items in two districts, 5 verified over three weeks."""
    from sqlalchemy import select

    from portal import clock
    from portal.accounts.models import User
    from portal.directory.models import Agency, Region
    from portal.extensions import db
    from tests.factories import make_campaign, make_item, make_team

    with live_app.app_context():
        if db.session.scalar(select(User.id).where(User.username == "lead")) is None:
            pytest.skip("the demo accounts are not loaded")
        lead = db.session.scalar(select(User).where(User.username == "lead"))
        agencies = {a.code: a for a in db.session.scalars(select(Agency))}
        zhangdian = db.session.scalar(select(Region).where(Region.code == "370303"))
        zichuan = db.session.scalar(select(Region).where(Region.code == "370302"))
        campaign = make_campaign(
            leads=[lead],
            lead_agency=agencies["plc"],
            code="E2EFIG",
            title="安全生产联合执法（测试）",
            starts=clock.today() - timedelta(days=40),
        )
        team = make_team(campaign, name="第一督导组")
        flagged = clock.now() - timedelta(days=30)
        for district, verified_days_ago in [
            (zhangdian, 20),
            (zhangdian, 10),
            (zhangdian, 2),
            (zichuan, 2),
            (zichuan, 1),
            (zhangdian, None),
            (zichuan, None),
            (zichuan, None),
        ]:
            make_item(
                campaign,
                team=team,
                district=district,
                lead_agency=agencies["emergency"],
                state="verified" if verified_days_ago else "rectifying",
                flagged_at=flagged,
                verified_at=(clock.now() - timedelta(days=verified_days_ago))
                if verified_days_ago
                else None,
            )
        db.session.commit()
        return campaign.code


def test_dashboard_cut_off_and_xlsx_download(page, figures_campaign, tmp_path):
    sign_in(page, "lead")
    page.goto(f"/campaigns/{figures_campaign}/dashboard")
    headline = page.get_by_test_id("completion-rate")
    expect(headline).to_have_text("62.50%")  # 5 of 8
    expect(page.locator("canvas[data-chart]")).to_have_count(4)
    assert page.evaluate("Object.keys(Chart.instances).length") == 4  # drawn by charts.js

    # Five days ago only two items had been verified.
    page.fill("input[name=as_of]", "")
    cut_off = page.evaluate(
        "() => { const d = new Date(Date.now() - 5 * 864e5); return d.toISOString().slice(0, 10); }"
    )
    page.fill("input[name=as_of]", cut_off)
    page.click("form.cut-off button[type=submit]")
    expect(page).to_have_url(re.compile(rf"as_of={cut_off}"))
    expect(headline).to_have_text("25.00%")  # 2 of 8
    shown = headline.inner_text()

    with page.expect_download() as info:
        page.get_by_test_id("completion-xlsx-district").click()
    download = info.value
    assert download.suggested_filename == f"{figures_campaign}-completion-district-{cut_off}.xlsx"
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "District or county"
    total = rows[-1]
    assert total[0] == "Total" and total[1] == 8 and total[2] == 2
    assert f"{total[5] * 100:.2f}%" == shown
    by_district = {r[0]: r for r in rows[1:-1]}
    assert set(by_district) == {"张店区", "淄川区"}
    assert by_district["张店区"][2] == 2  # verified 20 and 10 days ago


def test_dashboard_fits_a_phone(phone, figures_campaign):
    sign_in(phone, "lead")
    phone.goto(f"/campaigns/{figures_campaign}/dashboard")
    expect(phone.get_by_test_id("completion-rate")).to_have_text("62.50%")
    expect(phone.locator("canvas[data-chart]").first).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
