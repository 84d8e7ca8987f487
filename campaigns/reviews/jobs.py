"""The look-back's dated work: open on its first day, remind before it closes, freeze after."""

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from campaigns.campaigns.models import Campaign
from campaigns.notifications import notify
from campaigns.reviews import operations
from campaigns.reviews.models import Review, ReviewCheck
from portal.extensions import db
from portal.scheduler import daily

REMIND_DAYS_BEFORE = 3


@daily("open_reviews")
def open_reviews(day: date) -> None:
    """Every campaign whose look-back window has begun and that has no Review yet."""
    campaigns = db.session.scalars(
        select(Campaign)
        .where(
            Campaign.review_starts <= day,
            ~select(Review.id).where(Review.campaign_id == Campaign.id).exists(),
        )
        .order_by(Campaign.id)
    ).all()
    for campaign in campaigns:
        if day <= campaign.review_ends:  # a window that passed unopened stays unopened
            operations.open_review(campaign)


@daily("review_reminders")
def review_reminders(day: date) -> None:
    """From three days before closing: each team with unchecked checks is told, once."""
    reviews = db.session.scalars(
        select(Review)
        .where(
            Review.closed_at.is_(None),
            Review.opens_on <= day,
            Review.closes_on >= day,
            Review.closes_on <= day + timedelta(days=REMIND_DAYS_BEFORE),
        )
        .options(selectinload(Review.campaign))
    ).all()
    for review in reviews:
        left = db.session.execute(
            select(ReviewCheck.team_id, func.count())
            .where(ReviewCheck.review_id == review.id, ReviewCheck.result.is_(None))
            .group_by(ReviewCheck.team_id)
        ).all()
        for team_id, unchecked in left:
            notify.review_closing(review, review.campaign, team_id, unchecked)


@daily("close_reviews")
def close_reviews(day: date) -> None:
    """The day after a look-back's last day, its figures are frozen."""
    reviews = db.session.scalars(
        select(Review).where(Review.closed_at.is_(None), Review.closes_on < day)
    ).all()
    for review in reviews:
        operations.close_review(review)
