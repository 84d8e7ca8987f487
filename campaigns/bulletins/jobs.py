"""Every Monday, a bulletin for every campaign in its action phase or its look-back."""

from datetime import date

from sqlalchemy import select

from campaigns.bulletins import operations
from campaigns.campaigns.models import Campaign
from portal.extensions import db
from portal.scheduler import daily


@daily("weekly_bulletins")
def weekly_bulletins(day: date) -> None:
    if day.weekday() != 0:  # Monday
        return
    campaigns = db.session.scalars(
        select(Campaign).where(Campaign.action_starts < day).order_by(Campaign.id)
    ).all()
    for campaign in campaigns:
        if campaign.status_on(day) in operations.ISSUED_FOR:
            operations.issue(campaign, day)
