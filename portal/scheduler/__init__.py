"""Scheduled work: daily jobs registered by features, run once per day each.

A feature registers a job with `@daily("name")`; the job receives the day it runs for and
must be an idempotent sweep ("do what is due on that day and not yet done"), with its effects
guarded by unique keys in the database. `run_day` runs every job for one day and records a
JobRun row per (job, day); `run_due` catches up every day since the last run.
"""

from collections.abc import Callable
from contextlib import nullcontext
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import clock
from portal.extensions import db
from portal.scheduler.models import Heartbeat, JobRun

_jobs: dict[str, Callable[[date], object]] = {}

# How far back a scheduler that was down catches up.
CATCH_UP_DAYS = 14


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


def run_day(day: date) -> list[str]:
    """Run every job for `day` that has not completed for it; return the names run."""
    ran = []
    for name, job in registered_jobs().items():
        done = db.session.scalar(select(JobRun.id).where(JobRun.job == name, JobRun.day == day))
        if done:
            continue
        with clock.travel_to(day) if day != clock.today() else nullcontext():
            job(day)
        db.session.add(JobRun(job=name, day=day))
        try:
            db.session.commit()
        except IntegrityError:
            # Another scheduler finished the same job for the same day first; its effects are
            # guarded by their own unique keys, so ours were refused or rolled back.
            db.session.rollback()
            continue
        ran.append(name)
    return ran


def run_due() -> None:
    """Catch up every day from the last completed run (at most CATCH_UP_DAYS) to today."""
    today = clock.today()
    last = db.session.scalar(select(func.max(JobRun.day)))
    start = today - timedelta(days=CATCH_UP_DAYS)
    if last is not None:
        start = max(start, last)
    day = start
    while day <= today:
        run_day(day)
        day += timedelta(days=1)
    beat()


def beat(name: str = "scheduler") -> None:
    heartbeat = db.session.get(Heartbeat, name)
    if heartbeat is None:
        db.session.add(Heartbeat(name=name, beat_at=clock.now()))
    else:
        heartbeat.beat_at = clock.now()
    db.session.commit()
