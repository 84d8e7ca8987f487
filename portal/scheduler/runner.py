"""Running the scheduler: inside the development server, or as its own process.

The only APScheduler job is a periodic tick that calls `run_due()` (then sends any e-mail not
yet sent). Everything the tick has done is in the database (JobRun rows, the effects' own
unique keys), so the scheduler needs no persistent job store: after a restart the next tick
resumes where the last one stopped, and catches up missed days.

`create_app` never starts a scheduler, so gunicorn's web workers never run one. Only
`flask start` (development, PORTAL_SCHEDULER=embedded) and `flask scheduler` (production, one
process) do.
"""

import logging
import threading
from datetime import datetime

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from portal import scheduler

log = logging.getLogger(__name__)

EVERY_MINUTES = 5

_lock = threading.Lock()
_embedded: BackgroundScheduler | None = None


def tick(app) -> None:
    """One run: every due day's jobs, then the e-mail that has not gone out yet."""
    from portal.extensions import db

    with app.app_context():
        try:
            scheduler.run_due()
        except Exception:
            log.exception("scheduled run failed; it is retried on the next tick")
            db.session.rollback()
        try:
            from campaigns.notifications import mail

            mail.deliver_pending()
        except Exception:
            log.exception("sending notification e-mail failed; retried on the next tick")
            db.session.rollback()


def _configure(sched, app, minutes: float):
    sched.add_job(
        tick,
        "interval",
        minutes=minutes,
        args=[app],
        id="run_due",
        max_instances=1,
        coalesce=True,
        next_run_time=datetime.now().astimezone(),
    )
    return sched


def start_in_background(app, minutes: float = EVERY_MINUTES) -> BackgroundScheduler:
    """The development server's embedded scheduler: started once per process, never twice."""
    global _embedded
    with _lock:
        if _embedded is None:
            _embedded = _configure(BackgroundScheduler(daemon=True), app, minutes)
            _embedded.start()
            log.info("embedded scheduler started (every %s minutes)", minutes)
        return _embedded


def run_forever(app, minutes: float = EVERY_MINUTES) -> None:
    """`flask scheduler`: the production scheduler, its own single process."""
    sched = _configure(BlockingScheduler(), app, minutes)
    try:
        sched.start()
    except (KeyboardInterrupt, SystemExit):
        pass
