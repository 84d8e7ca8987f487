"""Scheduled work: daily jobs registered by features, run once per day each.

A feature registers a job with `@daily("name")` in `campaigns/<feature>/jobs.py`; the job
receives the day it runs for and must be an idempotent sweep ("do what is due on that day and
not yet done"), with its effects guarded by unique keys in the database. `run_day` runs every
job for one day with the clock moved to it, commits the job's effects, then records a JobRun
row per (job, day); `run_due` catches up every day since each job last ran.

Two schedulers at once (a second process by mistake, a restart while a tick runs) are safe:
each effect has its own unique key (one review per campaign, one bulletin per campaign and
week, one notification per user and key), and a JobRun that another scheduler recorded first
is simply refused.
"""

import logging
from collections.abc import Callable
from contextlib import contextmanager, nullcontext
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.extensions import db
from portal.scheduler.models import Heartbeat, JobRun

log = logging.getLogger(__name__)

_jobs: dict[str, Callable[[date], object]] = {}

# How far back a scheduler that was down catches up.
CATCH_UP_DAYS = 14

RAN, DONE, FAILED = "ran", "already done", "failed"


def daily(name: str):
    def decorator(func):
        _jobs[name] = func
        return func

    return decorator


def registered_jobs() -> dict[str, Callable[[date], object]]:
    _load_feature_jobs()
    return dict(_jobs)


def _load_feature_jobs() -> None:
    from importlib import import_module
    from importlib.util import find_spec

    from campaigns import FEATURES

    for name in FEATURES:
        module = f"campaigns.{name}.jobs"
        if find_spec(module) is not None:
            import_module(module)


@contextmanager
def unique_effect():
    """A savepoint around one guarded insert: True inside if it went in, refused quietly if
    another scheduler (or an earlier run) already made it.

        with unique_effect() as made:
            db.session.add(Review(...))
        if made: ...
    """
    outcome = {"made": False}
    savepoint = db.session.begin_nested()
    try:
        yield outcome
        savepoint.commit()
        outcome["made"] = True
    except IntegrityError:
        savepoint.rollback()


def run_day_report(day: date) -> dict[str, str]:
    """Run every job for `day` that has not completed for it: {job: ran | already done | failed}.

    A failed job is rolled back, logged and left without its JobRun, so the next tick runs it
    again; the other jobs still run.
    """
    outcome = {}
    for name, job in registered_jobs().items():
        done = db.session.scalar(select(JobRun.id).where(JobRun.job == name, JobRun.day == day))
        if done:
            outcome[name] = DONE
            continue
        try:
            with clock.travel_to(day) if day != clock.today() else nullcontext():
                job(day)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job %s for %s failed; it runs again on the next tick", name, day)
            outcome[name] = FAILED
            continue
        db.session.add(JobRun(job=name, day=day, finished_at=clock.now()))
        try:
            db.session.commit()
        except IntegrityError:
            # Another scheduler finished the same job for the same day first.
            db.session.rollback()
            outcome[name] = DONE
            continue
        outcome[name] = RAN
    return outcome


def run_day(day: date) -> list[str]:
    """Run every job for `day` that has not completed for it; return the names run."""
    return [name for name, result in run_day_report(day).items() if result == RAN]


def first_due_day() -> date:
    """The earliest day some job still has to run for.

    Each job resumes from the last day it completed (that day is looked at again: a job that
    failed or was added since then runs for it); a job that never ran starts today; nothing
    older than CATCH_UP_DAYS is caught up.
    """
    today = clock.today()
    last_runs = dict(
        db.session.execute(select(JobRun.job, func.max(JobRun.day)).group_by(JobRun.job)).all()
    )
    starts = [last_runs.get(name, today) for name in registered_jobs()]
    return max(min(starts, default=today), today - timedelta(days=CATCH_UP_DAYS))


def run_due() -> dict[date, dict[str, str]]:
    """Catch up every day from the first due one to today, then beat."""
    today = clock.today()
    day = first_due_day()
    report = {}
    while day <= today:
        report[day] = run_day_report(day)
        day += timedelta(days=1)
    beat()
    return report


def beat(name: str = "scheduler") -> None:
    heartbeat = db.session.get(Heartbeat, name)
    if heartbeat is None:
        db.session.add(Heartbeat(name=name, beat_at=clock.now()))
    else:
        heartbeat.beat_at = clock.now()
    try:
        db.session.commit()
    except IntegrityError:  # a second scheduler beat first under the same name
        db.session.rollback()
