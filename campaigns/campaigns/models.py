"""Special campaigns (专项行动) and their item categories."""

import enum
from datetime import date, datetime, timedelta

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.accounts.models import User
from portal.database import UTCDateTime, enum_check, enum_column_type, utcnow
from portal.directory.models import Agency
from portal.extensions import db


class CampaignKind(enum.StrEnum):
    ENVIRONMENT = "environment"
    TRAFFIC = "traffic"
    WORK_SAFETY = "work_safety"
    FINANCIAL_ORDER = "financial_order"
    OTHER = "other"


class ReviewScope(enum.StrEnum):
    """Which items the look-back (回头看) re-checks."""

    LISTED = "listed"  # items listed for supervision (挂牌督办), the default
    VERIFIED = "verified"  # every verified item


class CampaignStatus(enum.StrEnum):
    """Follows the campaign's dates; never set by hand."""

    DRAFT = "draft"
    ACTIVE = "active"
    REVIEW = "review"
    CLOSED = "closed"


campaign_agencies = Table(
    "campaign_agencies",
    db.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agencies.id"), primary_key=True, index=True),
)

campaign_leads = Table(
    "campaign_leads",
    db.metadata,
    Column("campaign_id", ForeignKey("campaigns.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id"), primary_key=True, index=True),
)


class Campaign(db.Model):
    """A time-boxed joint enforcement campaign run by a lead office."""

    __tablename__ = "campaigns"
    __table_args__ = (
        enum_check("kind", CampaignKind),
        enum_check("review_scope", ReviewScope),
        CheckConstraint("action_ends >= action_starts", name="action_dates_ordered"),
        CheckConstraint("review_starts > action_starts", name="review_after_start"),
        CheckConstraint("review_days BETWEEN 1 AND 366", name="review_days_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(enum_column_type(CampaignKind))
    description: Mapped[str] = mapped_column(Text, default="")
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    action_starts: Mapped[date] = mapped_column(Date)
    action_ends: Mapped[date] = mapped_column(Date)
    # The look-back opens on review_starts (by default the day after the action phase ends;
    # a lead may bring it forward or move it before it opens) and lasts review_days.
    review_starts: Mapped[date] = mapped_column(Date)
    review_days: Mapped[int] = mapped_column(Integer, default=30)
    review_scope: Mapped[str] = mapped_column(
        enum_column_type(ReviewScope), default=ReviewScope.LISTED
    )
    # Last item sequence number handed out; items are <code>-<seq>.
    item_seq: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer, default=1)

    lead_agency: Mapped[Agency] = relationship(foreign_keys=[lead_agency_id])
    agencies: Mapped[list[Agency]] = relationship(secondary=campaign_agencies, order_by=Agency.code)
    leads: Mapped[list[User]] = relationship(secondary=campaign_leads, order_by=User.username)
    categories: Mapped[list["CampaignCategory"]] = relationship(
        back_populates="campaign",
        order_by="CampaignCategory.position",
        cascade="all, delete-orphan",
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def review_ends(self) -> date:
        """The last day of the look-back window."""
        return self.review_starts + timedelta(days=self.review_days - 1)

    def status_on(self, day: date) -> CampaignStatus:
        if day < self.action_starts:
            return CampaignStatus.DRAFT
        if day < self.review_starts:
            return CampaignStatus.ACTIVE
        if day <= self.review_ends:
            return CampaignStatus.REVIEW
        return CampaignStatus.CLOSED

    @property
    def status(self) -> CampaignStatus:
        return self.status_on(clock.today())

    def __repr__(self) -> str:
        return f"<Campaign {self.code}>"


class CampaignCategory(db.Model):
    """One of a campaign's item categories (问题类别), seeded from its kind, editable."""

    __tablename__ = "campaign_categories"
    __table_args__ = (
        UniqueConstraint("campaign_id", "code"),
        UniqueConstraint("campaign_id", "name_zh"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    position: Mapped[int] = mapped_column(Integer, default=0)

    campaign: Mapped[Campaign] = relationship(back_populates="categories")

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh
