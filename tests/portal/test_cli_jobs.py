"""`flask jobs run --date` runs a day's jobs once, and says what ran and what was done."""

from datetime import timedelta

from sqlalchemy import select

from campaigns.reviews.models import Review
from portal import clock
from portal.extensions import db
from tests.factories import World


def test_jobs_run_for_a_date(app):
    w = World()
    opens = w.campaign.review_starts
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "--date", opens.isoformat()])
    assert result.exit_code == 0, result.output
    assert f"{opens.isoformat()}  open_reviews" in result.output
    assert "ran" in result.output and "already done" not in result.output
    review = db.session.scalar(select(Review))
    assert review.opens_on == opens and review.opened_at.date() <= opens

    again = runner.invoke(args=["jobs", "run", "--date", opens.isoformat()])
    assert again.exit_code == 0
    lines = [line for line in again.output.splitlines() if line.strip()]
    assert lines and all(line.endswith("already done") for line in lines)


def test_jobs_run_refuses_a_bad_date(app):
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--date", "31.12.2026"])
    assert result.exit_code != 0
    assert "YYYY-MM-DD" in result.output or "does not match" in result.output


def test_yesterday_can_be_run_by_hand(app):
    World()
    yesterday = clock.today() - timedelta(days=1)
    result = app.test_cli_runner().invoke(args=["jobs", "run", "--date", yesterday.isoformat()])
    assert result.exit_code == 0
    assert "deadline_lights" in result.output
