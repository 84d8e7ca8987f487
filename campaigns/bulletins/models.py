"""Weekly progress bulletins (通报) for the joint meeting (联席会议)."""

from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.campaigns.models import Campaign
from portal.database import UTCDateTime, utcnow
from portal.extensions import db


class Bulletin(db.Model):
    """The figures of one campaign's week, generated on Monday and kept as they were."""

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("campaign_id", "week_starts"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    week_starts: Mapped[date] = mapped_column(Date)  # the Monday it was issued
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    content: Mapped[dict] = mapped_column(JSON)

    campaign: Mapped[Campaign] = relationship()
