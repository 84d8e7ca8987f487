"""Two schedulers running the same days' jobs at the same moment: every effect still once.

On PostgreSQL both threads enter each job together (a barrier in front of every job), so their
inserts really race and only the unique keys keep them apart. SQLite takes the write lock at
the start of every scheduled transaction (BEGIN IMMEDIATE), so there the two schedulers
queue one behind the other; the test runs there as well, without the in-job barrier that
would deadlock against that lock.
"""

import threading
from collections import Counter
from datetime import timedelta

from sqlalchemy import func, select

from campaigns.bulletins.models import Bulletin
from campaigns.notifications.models import Notification
from campaigns.reviews.models import Review, ReviewCheck
from portal import clock, scheduler
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.scheduler.models import JobRun
from tests.factories import World, make_campaign, make_item, make_team


def _count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_two_schedulers_at_once_give_each_effect_once(app, monkeypatch):
    w = World()
    today = clock.today()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 + 7)
    campaign = make_campaign(
        code="RACE",
        leads=[w.lead],
        lead_agency=w.plc,
        starts=today - timedelta(days=5),
        ends=monday - timedelta(days=1),
        review_days=10,
    )
    team = make_team(campaign, members=[w.inspector, w.inspector_b], name="Race team")
    for n in range(6):
        make_item(
            campaign,
            team=team,
            lead_agency=w.police,
            state="verified",
            listing_level="city",
            title=f"Listed {n}",
        )
    overdue = make_item(
        campaign, team=team, lead_agency=w.police, deadline=monday - timedelta(days=2)
    )
    db.session.commit()
    days = [
        monday,
        campaign.review_ends - timedelta(days=3),
        campaign.review_ends + timedelta(days=1),
    ]

    racing = db.engine.dialect.name == "postgresql"
    jobs = scheduler.registered_jobs()
    barrier = threading.Barrier(2, timeout=60)
    if racing:
        for name, job in jobs.items():

            def together(day, job=job):
                barrier.wait()
                return job(day)

            monkeypatch.setitem(scheduler._jobs, name, together)

    start = threading.Barrier(2, timeout=60)
    errors = []

    def one_scheduler():
        try:
            with app.app_context():
                start.wait()
                for day in days:
                    scheduler.run_day(day)
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
            barrier.abort()

    db.session.commit()
    threads = [threading.Thread(target=one_scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    db.session.expire_all()

    assert _count(Review, Review.campaign_id == campaign.id) == 1
    assert _count(ReviewCheck) == 6
    assert _count(Bulletin, Bulletin.campaign_id == campaign.id) == 1
    assert _count(AuditEntry, AuditEntry.action == "review_opened") == 1
    assert _count(AuditEntry, AuditEntry.action == "review_closed") == 1
    review = db.session.scalar(select(Review))
    assert review.closed_at is not None and review.frozen_figures["total"] == 6
    runs = Counter(db.session.execute(select(JobRun.job, JobRun.day)).all())
    assert set(runs.values()) == {1} and len(runs) == len(jobs) * len(days)
    # each notification once per person: the review opened and closing for both inspectors,
    # the overdue item to its liaison, team and lead
    kinds = Counter(db.session.scalars(select(Notification.kind)).all())
    assert kinds["review_opened"] == 2
    assert kinds["review_closing"] == 2
    red_to = db.session.scalars(
        select(Notification.user_id).where(
            Notification.item_id == overdue.id, Notification.kind == "red"
        )
    ).all()
    assert sorted(red_to) == sorted(
        [w.liaison_police.id, w.inspector.id, w.inspector_b.id, w.lead.id]
    )
