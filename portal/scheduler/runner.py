"""Running the scheduler: inside the development server, or as its own process."""

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from portal import scheduler

log = logging.getLogger(__name__)

EVERY_MINUTES = 5


def _tick(app):
    with app.app_context():
        try:
            scheduler.run_due()
        except Exception:
            log.exception("scheduled run failed; it is retried on the next tick")
            from portal.extensions import db

            db.session.rollback()


def _configure(sched, app):
    sched.add_job(
        _tick,
        "interval",
        minutes=EVERY_MINUTES,
        args=[app],
        id="run_due",
        max_instances=1,
        coalesce=True,
        next_run_time=_now(),
    )
    return sched


def _now():
    from datetime import datetime

    return datetime.now().astimezone()


def start_in_background(app) -> BackgroundScheduler:
    """The development server's embedded scheduler (one process, never under a reloader)."""
    sched = _configure(BackgroundScheduler(daemon=True), app)
    sched.start()
    return sched


def run_forever(app) -> None:
    """`flask scheduler`: the production scheduler, its own single process."""
    _configure(BlockingScheduler(), app).start()
