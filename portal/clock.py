"""The one place that says what time and what day it is.

Deadlines are calendar dates in the portal's time zone (PORTAL_TIMEZONE); timestamps are stored
in UTC. Tests, the time-travel suite and `flask jobs run --date` move the clock with `travel_to`.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

_frozen: ContextVar[datetime | None] = ContextVar("frozen_now", default=None)


def zone() -> ZoneInfo:
    name = current_app.config["PORTAL_TIMEZONE"] if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def now() -> datetime:
    """The current moment, timezone-aware in UTC."""
    frozen = _frozen.get()
    return frozen if frozen is not None else datetime.now(UTC)


def today() -> date:
    """Today's date where the portal's offices are."""
    return now().astimezone(zone()).date()


def start_of_day(day: date) -> datetime:
    """The UTC moment a local calendar day begins."""
    return datetime.combine(day, time.min, tzinfo=zone()).astimezone(UTC)


def end_of_day(day: date) -> datetime:
    """The UTC moment right after a local calendar day ends (exclusive bound)."""
    return start_of_day(day + timedelta(days=1))


def local_date(moment: datetime | None) -> date | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone()).date()


@contextmanager
def travel_to(moment: date | datetime) -> Iterator[None]:
    """Run the block as if it were `moment` (a date means 10:00 local time that day)."""
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(10, 0), tzinfo=zone())
    token = _frozen.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.reset(token)
