"""A campaign's whole life with the clock moved day by day and the jobs run each day.

The look-back opens once on its first day and closes once the day after its last; each yellow
and red notice goes out once per deadline; an unanswered transfer is flagged once; every
Monday of the action phase and the look-back has one bulletin; days the scheduler missed are
caught up by the next run.
"""

from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from campaigns.bulletins.models import Bulletin
from campaigns.items import operations as items
from campaigns.notifications.models import Notification
from campaigns.reviews.models import Review
from portal import clock, scheduler
from portal.extensions import db
from portal.scheduler.models import JobRun
from tests.factories import World, make_campaign, make_item, make_team


def _keys(kind):
    """{key: the days its notifications were made} (one row per recipient, all on one day)."""
    days = {}
    for key, at in db.session.execute(
        select(Notification.key, Notification.created_at).where(Notification.kind == kind)
    ):
        days.setdefault(key, set()).add(clock.local_date(at))
    return days


def test_a_campaign_life_day_by_day(app):
    w = World()
    start = clock.today()
    campaign = make_campaign(
        code="LIFE",
        leads=[w.lead],
        lead_agency=w.plc,
        agencies=[w.police, w.env],
        starts=start - timedelta(days=2),
        ends=start + timedelta(days=12),
        review_days=10,
    )
    team = make_team(campaign, members=[w.inspector], name="Life team")
    due_soon = make_item(
        campaign, team=team, lead_agency=w.police, deadline=start + timedelta(days=5)
    )
    extended = make_item(
        campaign,
        team=team,
        lead_agency=w.police,
        state="rectifying",
        deadline=start + timedelta(days=4),
    )
    moving = make_item(campaign, team=team, lead_agency=w.police, state="rectifying")
    listed = [
        make_item(campaign, team=team, lead_agency=w.police, state="verified", listing_level="city")
        for _ in range(3)
    ]
    db.session.commit()
    opens, closes = campaign.review_starts, campaign.review_ends
    assert opens == start + timedelta(days=13) and closes == start + timedelta(days=22)

    last = closes + timedelta(days=8)
    skipped = {start + timedelta(days=n) for n in (16, 17, 18)}  # the scheduler was down
    first_seen = {}
    day = start
    while day <= last:
        with clock.travel_to(day):
            if day == start + timedelta(days=1):
                items.propose_transfer(moving, by=w.liaison_police, to_agency=w.env, note="Theirs")
                db.session.commit()
            if day == start + timedelta(days=6):  # red since yesterday; the lead extends it
                items.request_extension(
                    extended,
                    by=w.liaison_police,
                    new_deadline=start + timedelta(days=15),
                    note="Parts",
                )
                items.decide_extension(extended, by=w.lead, approve=True)
                db.session.commit()
            if day not in skipped:
                scheduler.run_due()
            review = db.session.scalar(select(Review).where(Review.campaign_id == campaign.id))
            if review is not None:
                first_seen.setdefault("opened", day)
                if review.closed_at is not None:
                    first_seen.setdefault("closed", day)
        day += timedelta(days=1)

    assert first_seen == {"opened": opens, "closed": closes + timedelta(days=1)}
    assert db.session.scalar(select(func.count()).select_from(Review)) == 1
    review = db.session.scalar(select(Review).where(Review.campaign_id == campaign.id))
    assert len(review.checks) == 3
    assert review.frozen_figures["unchecked"] == 3

    yellow, red = _keys("yellow"), _keys("red")
    d1, d2 = start + timedelta(days=4), start + timedelta(days=15)
    due = (start + timedelta(days=5)).isoformat()
    assert yellow[f"yellow:{due_soon.id}:{due}"] == {start + timedelta(days=2)}
    assert red[f"red:{due_soon.id}:{due}"] == {start + timedelta(days=6)}
    # the extended item warns again for its new deadline
    assert {k: v for k, v in yellow.items() if k.startswith(f"yellow:{extended.id}:")} == {
        f"yellow:{extended.id}:{d1.isoformat()}": {start + timedelta(days=1)},
        f"yellow:{extended.id}:{d2.isoformat()}": {d2 - timedelta(days=3)},
    }
    # red the day after the first deadline; the second deadline passes while the scheduler is
    # down (days 16 to 18), and the catch-up run tells it for day 16, once
    assert {k: v for k, v in red.items() if k.startswith(f"red:{extended.id}:")} == {
        f"red:{extended.id}:{d1.isoformat()}": {d1 + timedelta(days=1)},
        f"red:{extended.id}:{d2.isoformat()}": {d2 + timedelta(days=1)},
    }
    # one notice per recipient: the liaison and the team member of each item, leads for red
    per_user = Counter(
        db.session.execute(
            select(Notification.user_id, Notification.key).where(
                Notification.item_id == due_soon.id, Notification.kind.in_(["yellow", "red"])
            )
        ).all()
    )
    assert set(per_user.values()) == {1}
    red_to = set(
        db.session.scalars(
            select(Notification.user_id).where(
                Notification.item_id == due_soon.id, Notification.kind == "red"
            )
        )
    )
    assert red_to == {w.liaison_police.id, w.inspector.id, w.lead.id}

    unanswered = db.session.execute(
        select(Notification.user_id, Notification.created_at).where(
            Notification.kind == "transfer_unanswered"
        )
    ).all()
    assert [u for u, _at in unanswered] == [w.lead.id]
    assert clock.local_date(unanswered[0][1]) == start + timedelta(days=4)

    closing = db.session.execute(
        select(Notification.user_id, Notification.created_at).where(
            Notification.kind == "review_closing", Notification.campaign_id == campaign.id
        )
    ).all()
    assert [u for u, _at in closing] == [w.inspector.id]
    assert clock.local_date(closing[0][1]) == closes - timedelta(days=3)
    opened_to = db.session.scalars(
        select(Notification.user_id).where(
            Notification.kind == "review_opened", Notification.campaign_id == campaign.id
        )
    ).all()
    assert opened_to == [w.inspector.id]

    mondays = [
        d
        for d in (campaign.action_starts + timedelta(days=n) for n in range(1, 60))
        if d.weekday() == 0 and d <= closes and d <= last
    ]
    issued = db.session.scalars(
        select(Bulletin.week_starts)
        .where(Bulletin.campaign_id == campaign.id)
        .order_by(Bulletin.week_starts)
    ).all()
    assert issued == mondays and len(mondays) >= 3

    # every job ran exactly once for every day, the skipped ones included
    runs = Counter(
        db.session.execute(select(JobRun.job, JobRun.day).where(JobRun.day >= start)).all()
    )
    assert set(runs.values()) == {1}
    every_day = {start + timedelta(days=n) for n in range((last - start).days + 1)}
    for job in scheduler.registered_jobs():
        assert {d for (j, d) in runs if j == job} == every_day, job
    assert listed  # the review's three checks are these items


def test_a_missed_day_is_caught_up_by_the_next_run(app):
    World()
    start = clock.today()
    with clock.travel_to(start):
        scheduler.run_due()
    with clock.travel_to(start + timedelta(days=4)):
        report = scheduler.run_due()
    assert sorted(report) == [start + timedelta(days=n) for n in range(5)]
    assert set(report[start].values()) == {scheduler.DONE}
    assert set(report[start + timedelta(days=2)].values()) == {scheduler.RAN}
