"""The look-back review (回头看) of a campaign and its checks."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.campaigns.models import Campaign
from campaigns.items.models import Item
from campaigns.teams.models import Team
from portal.accounts.models import User
from portal.database import UTCDateTime, enum_check, enum_column_type, utcnow
from portal.extensions import db


class CheckResult(enum.StrEnum):
    HOLDING = "holding"  # 整改到位
    RELAPSED = "relapsed"  # 反弹
    NOT_RECTIFIED = "not_rectified"  # 未整改到位
    FALSE_RECTIFICATION = "false_rectification"  # 虚假整改


class Review(db.Model):
    """One per campaign, created when the look-back opens; frozen when its window closes."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), unique=True)
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)  # last day of the window
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Figures frozen at closing: checked, holding, relapsed, not_rectified,
    # false_rectification, unchecked, total, completion_rate.
    frozen_figures: Mapped[dict | None] = mapped_column(JSON)

    campaign: Mapped[Campaign] = relationship()
    checks: Mapped[list["ReviewCheck"]] = relationship(
        back_populates="review", order_by="ReviewCheck.id", viewonly=True
    )


class ReviewCheck(db.Model):
    __tablename__ = "review_checks"
    __table_args__ = (
        UniqueConstraint("review_id", "item_id"),
        enum_check("result", CheckResult),
        Index("ix_review_checks_review_team", "review_id", "team_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    result: Mapped[str | None] = mapped_column(enum_column_type(CheckResult))
    note: Mapped[str | None] = mapped_column(Text)
    new_deadline: Mapped[date | None] = mapped_column(Date)
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    review: Mapped[Review] = relationship(back_populates="checks")
    item: Mapped[Item] = relationship()
    team: Mapped[Team] = relationship()
    checked_by: Mapped[User | None] = relationship()
