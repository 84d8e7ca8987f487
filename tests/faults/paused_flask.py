"""`flask` with a pause put in, for the fault tests to kill the process at a known point.

    FAULT_MARKER=/tmp/x FAULT_PAUSE=in_job FAULT_JOB=open_reviews \\
        python -m tests.faults.paused_flask --app app scheduler

- `in_job`: the job has done its work (flushed, not committed) and stops there;
- `before_jobrun`: the job's effects are committed and the JobRun row that records it is about
  to be written.

On reaching the point the process writes its pid to FAULT_MARKER and sleeps, waiting for the
test's SIGKILL.
"""

import os
import sys
import time
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session

MARKER = Path(os.environ["FAULT_MARKER"])
PAUSE = os.environ["FAULT_PAUSE"]
JOB = os.environ["FAULT_JOB"]


def _pause() -> None:
    MARKER.write_text(str(os.getpid()))
    time.sleep(600)
    raise SystemExit("the test did not kill this process")


def _install() -> None:
    from portal import scheduler
    from portal.extensions import db
    from portal.scheduler.models import JobRun

    if PAUSE == "in_job":
        registered = scheduler.registered_jobs

        def with_pause():
            jobs = registered()
            job = jobs[JOB]

            def paused(day):
                job(day)
                db.session.flush()
                _pause()

            jobs[JOB] = paused
            return jobs

        scheduler.registered_jobs = with_pause
    elif PAUSE == "before_jobrun":

        @event.listens_for(Session, "before_flush")
        def _before_jobrun(session, _context, _instances):
            if any(isinstance(row, JobRun) and row.job == JOB for row in session.new):
                _pause()

    else:
        raise SystemExit(f"unknown FAULT_PAUSE {PAUSE!r}")


if __name__ == "__main__":
    from flask.cli import main

    _install()
    sys.argv[0] = "flask"
    main()
