"""Health endpoint for the reverse proxy: the database answers, the scheduler beats."""

from datetime import timedelta

from flask import Blueprint, jsonify
from sqlalchemy import select, text

from portal import clock
from portal.extensions import db
from portal.scheduler.models import Heartbeat

bp = Blueprint("health", __name__)

HEARTBEAT_FRESH = timedelta(minutes=10)


@bp.route("/health")
def health():
    try:
        db.session.execute(text("SELECT 1"))
        beat = db.session.scalar(select(Heartbeat.beat_at).order_by(Heartbeat.beat_at.desc()))
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        db.session.rollback()
        return jsonify({"status": "down", "database": "unreachable"}), 503
    # A stale scheduler does not make the web workers unhealthy: the proxy keeps sending them
    # requests (200); monitoring reads "scheduler" and the time of its last beat.
    scheduler = "ok" if beat and clock.now() - beat < HEARTBEAT_FRESH else "stale"
    return jsonify(
        {
            "status": "ok",
            "database": "ok",
            "scheduler": scheduler,
            "scheduler_last_beat": beat.isoformat() if beat else None,
        }
    ), 200
