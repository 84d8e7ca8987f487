"""The scheduler process is killed (SIGKILL) in the middle of its work, twice; the next one
finishes the day, and every effect exists exactly once: the same effects as one run of the same
scene that was never interrupted.

First it dies inside a job (its work flushed, not committed: the database throws it away), then
between a later job's committed effects and the JobRun row that records them (the restart runs
that job again; its unique keys make the second run a no-op). The production process is used
every time (`flask --app app scheduler`), with a pause put in (tests/faults/paused_flask.py) so
that the kill lands at a known point.
"""

import os
import signal
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from campaigns.bulletins.models import Bulletin
from campaigns.campaigns.models import Campaign
from campaigns.items.models import Item
from campaigns.notifications.models import Notification
from campaigns.reviews.models import Review, ReviewCheck
from campaigns.teams.models import Team
from portal import clock, scheduler
from portal.accounts.models import User
from portal.audit.models import AuditEntry
from portal.extensions import db
from portal.scheduler.models import JobRun
from tests.factories import World, make_campaign, make_item, make_team, make_user
from tests.faults.conftest import portal_app
from tests.faults.processes import ROOT, portal_env, stop, wait_for


def _seed() -> None:
    """A look-back that opens today (three listed items), overdue and nearly due items."""
    world = World()
    today = clock.today()
    campaign = make_campaign(
        code="LB2026",
        leads=[world.lead],
        lead_agency=world.plc,
        agencies=[world.police],
        starts=today - timedelta(days=40),
        ends=today - timedelta(days=1),
    )
    members = [make_user("inspector", world.emergency, f"lb-inspector{n}") for n in (1, 2)]
    team = make_team(campaign, members=members, leader=members[0], name="Look-back team")
    for n in range(3):
        make_item(
            campaign,
            team=team,
            lead_agency=world.police,
            state="verified",
            listing_level="city",
            title=f"Listed {n}",
        )
    for days in (-3, -1, 2):
        make_item(
            campaign, team=team, lead_agency=world.police, deadline=today + timedelta(days=days)
        )
    db.session.commit()


def _effects() -> dict:
    """Everything the scheduler made, in terms that do not depend on row ids.

    The transaction ends right after reading: on SQLite it holds the write lock (BEGIN
    IMMEDIATE outside requests), which the scheduler process needs.
    """
    try:
        return _read_effects()
    finally:
        db.session.rollback()


def _read_effects() -> dict:
    return {
        "job_runs": sorted(db.session.execute(select(JobRun.job, JobRun.day)).all()),
        "reviews": sorted(
            db.session.execute(
                select(Campaign.code, Review.opens_on, Review.closes_on).join(Review.campaign)
            ).all()
        ),
        "checks": sorted(
            db.session.execute(
                select(Item.ref, Team.name)
                .select_from(ReviewCheck)
                .join(Item, Item.id == ReviewCheck.item_id)
                .join(Team, Team.id == ReviewCheck.team_id)
            ).all()
        ),
        "notifications": sorted(
            db.session.execute(
                select(User.username, Notification.kind, Item.ref)
                .select_from(Notification)
                .join(User, User.id == Notification.user_id)
                .outerjoin(Item, Item.id == Notification.item_id)
            ).all(),
            key=str,
        ),
        "bulletins": db.session.scalar(select(func.count()).select_from(Bulletin)),
        "audit": sorted(
            db.session.execute(
                select(AuditEntry.action, func.count()).group_by(AuditEntry.action)
            ).all()
        ),
    }


def _uninterrupted_run(tmp_path) -> dict:
    """The reference: the same scene, one scheduler run that nobody killed."""
    with portal_app(tmp_path / "reference", f"sqlite:///{tmp_path / 'reference.db'}"):
        db.create_all()
        _seed()
        scheduler.run_due()
        return _effects()


def _scheduler(env: dict, log, *, pause: tuple[str, str] | None = None, marker=None):
    module = "tests.faults.paused_flask" if pause else "flask"
    if pause:
        env = {**env, "FAULT_PAUSE": pause[0], "FAULT_JOB": pause[1], "FAULT_MARKER": str(marker)}
    return subprocess.Popen(
        [sys.executable, "-m", module, "--app", "app", "scheduler", "--every", "0.05"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def _run_until_killed(env, log, marker, pause) -> dict:
    marker.unlink(missing_ok=True)
    process = _scheduler(env, log, pause=pause, marker=marker)
    try:
        assert wait_for(marker.exists, 120), "the scheduler never reached the pause"
        os.kill(int(marker.read_text()), signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        stop(process, signal.SIGKILL)
    return _effects()


def test_scheduler_killed_mid_job_completes_once(tmp_path, database_url):
    expected = _uninterrupted_run(tmp_path)
    assert expected["checks"] and expected["notifications"]  # the scene does give work
    lights = [n for n in expected["notifications"] if n[1] in ("red", "yellow")]
    assert lights

    env = portal_env(tmp_path, database_url)
    marker = tmp_path / "paused"
    log = open(tmp_path / "scheduler.log", "wb")  # noqa: SIM115 - closed below
    with portal_app(tmp_path, database_url):
        db.create_all()
        _seed()
        jobs = len(scheduler.registered_jobs())
        today = clock.today()
        try:
            # Killed inside the first job: its work (the look-back, its checks) is gone.
            killed = _run_until_killed(env, log, marker, ("in_job", "open_reviews"))
            assert killed["job_runs"] == [] and killed["reviews"] == [] and killed["checks"] == []

            # Restarted, killed again after a later job's effects but before its JobRun: the
            # earlier jobs are done and recorded, the notices of that job are in.
            killed = _run_until_killed(env, log, marker, ("before_jobrun", "deadline_lights"))
            assert ("open_reviews", today) in killed["job_runs"]
            assert ("deadline_lights", today) not in killed["job_runs"]
            assert killed["checks"] == expected["checks"]
            assert [n for n in killed["notifications"] if n[1] in ("red", "yellow")] == lights

            # Restarted once more, left alone: the day is finished, every effect once.
            last = _scheduler(env, log)
            try:
                done = wait_for(lambda: len(_effects()["job_runs"]) == jobs, 120, every=0.5)
            finally:
                stop(last)
        finally:
            log.close()
        assert done, (tmp_path / "scheduler.log").read_text()[-3000:]
        assert _effects() == expected
