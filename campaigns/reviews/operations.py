"""The look-back review (回头看): open, reschedule, record a check, close and freeze.

A campaign has at most one Review (unique campaign_id) and one ReviewCheck per item in it
(unique review_id, item_id): opening twice, or by two schedulers at once, makes nothing twice.
"""

from datetime import date, timedelta

from sqlalchemy import func, insert, literal, select, update

from campaigns.campaigns.models import Campaign, ReviewScope
from campaigns.figures import queries as figures
from campaigns.items import operations as items
from campaigns.items.lifecycle import Status
from campaigns.items.models import EntryKind, EvidenceStage, Item, ListingLevel, TimelineEntry
from campaigns.notifications import notify
from campaigns.reviews.models import CheckResult, Review, ReviewCheck
from portal import access, audit, clock
from portal.errors import InvalidMove, NotPermitted, StaleVersion, ValidationFailed
from portal.extensions import db
from portal.scheduler import unique_effect

NOTE_MAX = 4000
MAX_PHOTOS = 6


def review_of(campaign: Campaign) -> Review | None:
    return db.session.scalar(select(Review).where(Review.campaign_id == campaign.id))


def in_scope(campaign: Campaign):
    """Filter on Item: what the campaign's look-back re-checks."""
    if campaign.review_scope == ReviewScope.VERIFIED:
        return (Item.campaign_id == campaign.id) & (Item.status == Status.VERIFIED)
    return (
        (Item.campaign_id == campaign.id)
        & (Item.listing_level != ListingLevel.NONE)
        & (Item.status != Status.WITHDRAWN)
    )


def is_open_on(review: Review | None, day: date) -> bool:
    return (
        review is not None
        and review.closed_at is None
        and review.opens_on <= day <= review.closes_on
    )


# --- Opening ------------------------------------------------------------------------------------


def open_review(campaign: Campaign, *, by=None) -> Review | None:
    """Open the look-back now: one check per item in scope, given to the team that flagged it.

    Returns the new Review, or None when it was open already (by an earlier run or another
    scheduler). The teams of the campaign are told.
    """
    if review_of(campaign) is not None:
        return None
    review = Review(
        campaign_id=campaign.id,
        opens_on=campaign.review_starts,
        closes_on=campaign.review_ends,
        opened_at=clock.now(),
    )
    with unique_effect() as outcome:
        db.session.add(review)
        db.session.flush()
        db.session.execute(
            insert(ReviewCheck).from_select(
                ["review_id", "item_id", "team_id"],
                select(literal(review.id), Item.id, Item.team_id)
                .where(in_scope(campaign))
                .order_by(Item.id),
            )
        )
    if not outcome["made"]:
        return None
    checks = db.session.scalar(select(func.count()).where(ReviewCheck.review_id == review.id))
    audit.record("review_opened", actor=by, obj=review, campaign=campaign.code, checks=checks)
    notify.review_opened(review, campaign)
    return review


def open_early(campaign: Campaign, *, by, version=None) -> Review:
    """A lead opens the look-back today, before its planned start."""
    if not access.leads_campaign(by, campaign):
        raise NotPermitted("only a lead of the campaign may open its look-back early")
    if version is not None and int(version) != campaign.version:
        raise StaleVersion("the campaign changed")
    today = clock.today()
    if review_of(campaign) is not None:
        raise InvalidMove("the look-back is already open")
    if today <= campaign.action_starts:
        raise ValidationFailed(
            "the action phase has not started", fields={"review_starts": "before_start"}
        )
    if campaign.review_starts > today:
        audit.record(
            "review_rescheduled",
            actor=by,
            obj=campaign,
            old=campaign.review_starts.isoformat(),
            new=today.isoformat(),
        )
        campaign.review_starts = today
        db.session.flush()
    review = open_review(campaign, by=by)
    if review is None:
        raise InvalidMove("the look-back is already open")
    return review


def reschedule_review(campaign: Campaign, *, by, starts: date, days: int, version=None) -> None:
    """Move the look-back's dates before it opens (the campaign edit page calls this)."""
    if not access.leads_campaign(by, campaign):
        raise NotPermitted("only a lead of the campaign may move its look-back")
    if version is not None and int(version) != campaign.version:
        raise StaleVersion("the campaign changed")
    if review_of(campaign) is not None:
        raise ValidationFailed("the look-back is open", fields={"review_starts": "already_open"})
    problems = {}
    if starts <= campaign.action_starts:
        problems["review_starts"] = "before_start"
    elif starts < clock.today():
        problems["review_starts"] = "past"
    if not 1 <= int(days) <= 366:
        problems["review_days"] = "range"
    if problems:
        raise ValidationFailed("invalid look-back dates", fields=problems)
    old = (campaign.review_starts.isoformat(), campaign.review_days)
    campaign.review_starts, campaign.review_days = starts, int(days)
    db.session.flush()
    audit.record(
        "review_rescheduled",
        actor=by,
        obj=campaign,
        old=f"{old[0]}+{old[1]}",
        new=f"{starts.isoformat()}+{days}",
    )


# --- Checks -------------------------------------------------------------------------------------


def may_record(user, check: ReviewCheck) -> bool:
    """The team the check is given to; the campaign's leads and admins too."""
    campaign = check.review.campaign
    if access.leads_campaign(user, campaign):
        return True
    return any(team.id == check.team_id for team in access.teams_of(user, campaign))


def record_check(
    check: ReviewCheck,
    *,
    by,
    result: str,
    note: str = "",
    new_deadline: date | None = None,
    photos=(),
) -> ReviewCheck:
    """Record a look-back result. Anything but holding reopens a verified item (a relapse,
    with a new deadline); the item's timeline gets a review_check entry for every result."""
    if not may_record(by, check):
        raise NotPermitted("this check is given to another team")
    review = check.review
    if not is_open_on(review, clock.today()):
        raise InvalidMove("the look-back is not open")
    if check.result is not None:
        raise InvalidMove("this check already has its result")
    problems = {}
    try:
        result = CheckResult(result)
    except ValueError:
        problems["result"] = "invalid"
        result = None
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        problems["note"] = "too_long"
    item = check.item
    if item.status == Status.WITHDRAWN:
        raise InvalidMove("the item was withdrawn")
    relapses = result not in (None, CheckResult.HOLDING) and item.status == Status.VERIFIED
    if relapses:
        if new_deadline is None:
            problems["new_deadline"] = "required"
        elif new_deadline <= clock.today():
            problems["new_deadline"] = "past"
    photos = [p for p in photos if p and getattr(p, "filename", None)]
    if len(photos) > MAX_PHOTOS:
        problems["photos"] = "too_many"
    if photos and not access.may(by, "evidence", item):
        problems["photos"] = "not_permitted"
    if problems:
        raise ValidationFailed("invalid check", fields=problems)
    now = clock.now()
    taken = db.session.execute(
        update(ReviewCheck)
        .where(ReviewCheck.id == check.id, ReviewCheck.result.is_(None))
        .values(
            result=result.value,
            note=note or None,
            new_deadline=new_deadline if relapses else None,
            checked_by_id=by.id,
            checked_at=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken != 1:
        raise StaleVersion("someone recorded this check first")
    db.session.refresh(check)
    for photo in photos:
        items.add_evidence(item, by=by, upload=photo, stage=EvidenceStage.REVIEW, note=note)
    if relapses:
        items.relapse(item, by=by, new_deadline=new_deadline, note=note, result=result.value)
    db.session.add(
        TimelineEntry(
            item_id=item.id,
            actor_id=by.id,
            actor_agency_id=by.agency_id,
            kind=EntryKind.REVIEW_CHECK,
            action="review_check",
            note=note,
            data={
                "result": result.value,
                "review_id": review.id,
                "check_id": check.id,
                "new_deadline": new_deadline.isoformat() if relapses else None,
                "photos": len(photos),
            },
            at=now,
        )
    )
    db.session.flush()
    if relapses:
        notify.item_relapsed(item, check)
    audit.record("review_check", actor=by, obj=check, ref=item.ref, result=result.value)
    return check


# --- Closing ------------------------------------------------------------------------------------


def figures_of(review: Review) -> dict:
    """The look-back's figures now: results counted in SQL, completion as of its last day."""
    counts = {
        result or "unchecked": n
        for result, n in db.session.execute(
            select(ReviewCheck.result, func.count())
            .where(ReviewCheck.review_id == review.id)
            .group_by(ReviewCheck.result)
        )
    }
    total = sum(counts.values())
    unchecked = counts.get("unchecked", 0)
    figures_row = figures.totals(
        Item.campaign_id == review.campaign_id, as_of=min(review.closes_on, clock.today())
    )
    rate = figures_row.completion_rate
    return {
        "total": total,
        "checked": total - unchecked,
        "unchecked": unchecked,
        **{r.value: counts.get(r.value, 0) for r in CheckResult},
        "items": figures_row.items,
        "verified": figures_row.verified,
        "completion_rate": None if rate is None else str(rate),
    }


def close_review(review: Review, *, by=None) -> bool:
    """Freeze the figures once the window has closed; False if it was closed already."""
    frozen = figures_of(review)
    closed = db.session.execute(
        update(Review)
        .where(Review.id == review.id, Review.closed_at.is_(None))
        .values(closed_at=clock.now(), frozen_figures=frozen)
        .execution_options(synchronize_session=False)
    ).rowcount
    if closed != 1:
        return False
    db.session.refresh(review)
    audit.record("review_closed", actor=by, obj=review, checked=frozen["checked"])
    return True


def closing_soon(review: Review, day: date, days_before: int = 3) -> bool:
    return review.closed_at is None and review.closes_on - timedelta(days=days_before) <= day
