"""The portal as gunicorn serves it, with a pause just before one kind of request commits.

    FAULT_MARKER=/tmp/x FAULT_PATH=/submit gunicorn -c gunicorn.conf.py tests.faults.slow_app:app

The first POST whose path ends with FAULT_PATH does all its work (rows flushed, files written),
then writes the worker's pid to FAULT_MARKER and sleeps before COMMIT, for the test to kill the
worker there. Later requests (the marker exists) go through untouched.
"""

import os
import time
from pathlib import Path

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal import create_app

MARKER = Path(os.environ["FAULT_MARKER"])
PATH = os.environ["FAULT_PATH"]

app = create_app()


@event.listens_for(Session, "before_commit")
def _pause_before_commit(session):
    if (
        has_request_context()
        and request.method == "POST"
        and request.path.endswith(PATH)
        and not MARKER.exists()
    ):
        session.flush()
        MARKER.write_text(str(os.getpid()))
        time.sleep(600)
