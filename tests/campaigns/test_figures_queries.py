"""Completion figures on crafted data (BRIEF §6)."""

from datetime import date, timedelta
from decimal import Decimal

from campaigns.figures.queries import completion_table, rate, totals
from campaigns.items.models import Item
from portal import clock
from portal.extensions import db
from tests.factories import make_agency, make_campaign, make_item, make_region, make_team


def test_rates_round_half_up():
    assert rate(73, 78) == Decimal("93.59")
    assert rate(1107, 1150) == Decimal("96.26")
    assert rate(1, 8) == Decimal("12.50")
    assert rate(1, 200) == Decimal("0.50")
    assert rate(0, 0) is None


def test_table_counts_scope_and_cut_off(app):
    campaign = make_campaign()
    team = make_team(campaign)
    d1 = make_region("district", name="张店区")
    d2 = make_region("district", name="淄川区")
    police, env = make_agency("police"), make_agency("env")
    today = clock.today()
    past = clock.now() - timedelta(days=30)
    late_day = clock.now() - timedelta(days=2)
    # district 1: 3 verified (one late), 1 open overdue, 1 withdrawn (never counts)
    for _ in range(2):
        make_item(
            campaign,
            team=team,
            district=d1,
            lead_agency=police,
            state="verified",
            flagged_at=past,
            verified_at=past + timedelta(days=5),
            deadline=today + timedelta(days=5),
        )
    make_item(
        campaign,
        team=team,
        district=d1,
        lead_agency=police,
        state="verified",
        flagged_at=past,
        verified_at=late_day,
        deadline=today - timedelta(days=5),
    )
    make_item(
        campaign,
        team=team,
        district=d1,
        lead_agency=env,
        state="rectifying",
        flagged_at=past,
        deadline=today - timedelta(days=1),
    )
    make_item(campaign, team=team, district=d1, lead_agency=env, state="withdrawn", flagged_at=past)
    # district 2: 1 submitted (open, not overdue), 1 relapsed back to rectifying
    make_item(campaign, team=team, district=d2, lead_agency=env, state="submitted", flagged_at=past)
    relapsed = make_item(
        campaign, team=team, district=d2, lead_agency=police, state="rectifying", flagged_at=past
    )
    relapsed.relapse_count = 1
    # flagged after the cut-off date below: out of that table
    make_item(campaign, team=team, district=d2, lead_agency=police, state="assigned")
    db.session.commit()

    table = completion_table(Item.campaign_id == campaign.id, by="district", as_of=today)
    rows = {r.label_zh: r for r in table.rows}
    assert (rows["张店区"].items, rows["张店区"].verified, rows["张店区"].overdue) == (4, 3, 1)
    assert rows["张店区"].completion_rate == Decimal("75.00")
    assert rows["张店区"].on_time_rate == Decimal("66.67")  # the late one does not count
    assert (rows["淄川区"].items, rows["淄川区"].verified, rows["淄川区"].relapsed) == (3, 0, 1)
    assert table.total.items == 7 and table.total.verified == 3
    assert table.total.completion_rate == Decimal("42.86")

    by_agency = completion_table(Item.campaign_id == campaign.id, by="agency", as_of=today)
    assert {r.key: (r.items, r.verified) for r in by_agency.rows} == {
        "police": (5, 3),
        "env": (2, 0),
    }

    # A cut-off before the late verification: it is open (and overdue) then.
    earlier = clock.local_date(late_day) - timedelta(days=1)
    table = completion_table(Item.campaign_id == campaign.id, by="district", as_of=earlier)
    rows = {r.label_zh: r for r in table.rows}
    assert rows["张店区"].verified == 2
    assert rows["张店区"].overdue == 1
    assert totals(Item.campaign_id == campaign.id, as_of=earlier).items == 6


def test_average_days_to_rectify(app):
    campaign = make_campaign()
    flagged = clock.now() - timedelta(days=10)
    make_item(
        campaign, state="verified", flagged_at=flagged, verified_at=flagged + timedelta(days=4)
    )
    make_item(
        campaign, state="verified", flagged_at=flagged, verified_at=flagged + timedelta(days=7)
    )
    db.session.commit()
    total = totals(Item.campaign_id == campaign.id, as_of=clock.today())
    assert total.average_days == Decimal("5.5")


def test_73_of_78(app):
    campaign = make_campaign()
    team = make_team(campaign)
    district = make_region("district")
    agency = make_agency()
    for i in range(78):
        make_item(
            campaign,
            team=team,
            district=district,
            lead_agency=agency,
            state="verified" if i < 73 else "rectifying",
        )
    db.session.commit()
    table = completion_table(
        Item.campaign_id == campaign.id, by="listing_level", as_of=clock.today()
    )
    assert [(r.key, r.items, r.verified) for r in table.rows] == [("none", 78, 73)]
    assert str(table.total.completion_rate) == "93.59"
    assert date.today()  # noqa: DTZ011 - sanity: the suite does not freeze real time


def test_late_verification_counts_for_completion_not_on_time(app):
    campaign = make_campaign()
    flagged = clock.now() - timedelta(days=20)
    make_item(
        campaign,
        state="verified",
        flagged_at=flagged,
        verified_at=clock.now() - timedelta(days=1),
        deadline=clock.today() - timedelta(days=5),
    )
    make_item(campaign, state="verified", flagged_at=flagged)
    db.session.commit()
    total = totals(Item.campaign_id == campaign.id, as_of=clock.today())
    assert (total.items, total.verified, total.on_time) == (2, 2, 1)
    assert total.completion_rate == Decimal("100.00")
    assert total.on_time_rate == Decimal("50.00")
    assert total.overdue == 0


def test_relapsed_and_withdrawn(app):
    campaign = make_campaign()
    relapsed = make_item(campaign, state="rectifying")
    relapsed.relapse_count = 2  # verified once, back to rectifying after a look-back
    make_item(campaign, state="withdrawn")
    make_item(campaign, state="verified")
    db.session.commit()
    total = totals(Item.campaign_id == campaign.id, as_of=clock.today())
    assert (total.items, total.verified, total.relapsed) == (2, 1, 1)
    assert total.completion_rate == Decimal("50.00")


def test_weekly_series_counts_by_each_weeks_end(app):
    from campaigns.figures.queries import week_ends, weekly_series

    campaign = make_campaign()
    today = clock.today()
    three_weeks_ago = clock.now() - timedelta(days=21)
    make_item(
        campaign,
        state="verified",
        flagged_at=three_weeks_ago,
        verified_at=clock.now() - timedelta(days=10),
    )
    make_item(campaign, state="rectifying", flagged_at=three_weeks_ago)
    make_item(campaign, state="assigned")  # flagged today
    make_item(campaign, state="withdrawn", flagged_at=three_weeks_ago)
    db.session.commit()
    start = today - timedelta(days=21)
    assert week_ends(start, today) == [start, start + timedelta(7), start + timedelta(14), today]
    points = weekly_series(Item.campaign_id == campaign.id, start=start, as_of=today)
    assert [(p.items, p.verified) for p in points] == [(2, 0), (2, 0), (2, 1), (3, 1)]
    assert [p.completion_rate for p in points] == [
        Decimal("0.00"),
        Decimal("0.00"),
        Decimal("50.00"),
        Decimal("33.33"),
    ]


def test_week_ends_are_limited():
    from campaigns.figures.queries import week_ends

    days = week_ends(date(2020, 1, 1), date(2026, 1, 1))
    assert len(days) == 26 and days[-1] == date(2026, 1, 1)
    assert week_ends(date(2026, 1, 5), date(2026, 1, 1)) == [date(2026, 1, 1)]


def test_state_counts_and_lagging_order(app):
    from campaigns.figures.queries import lagging, state_counts

    campaign = make_campaign()
    d1, d2, d3 = (make_region("district", name=n) for n in ("甲区", "乙区", "丙区"))
    make_item(campaign, district=d1, state="verified")
    make_item(campaign, district=d2, state="rectifying", deadline=clock.today() - timedelta(1))
    make_item(campaign, district=d3, state="submitted")
    make_item(campaign, district=d3, state="withdrawn")
    db.session.commit()
    scope = Item.campaign_id == campaign.id
    assert state_counts(scope) == {
        "assigned": 0,
        "rectifying": 1,
        "submitted": 1,
        "verified": 1,
        "withdrawn": 1,
    }
    table = completion_table(scope, by="district", as_of=clock.today())
    # 0 % with one overdue lags more than 0 % with none; 100 % last
    assert [r.label_zh for r in lagging(table.rows)] == ["乙区", "丙区", "甲区"]
