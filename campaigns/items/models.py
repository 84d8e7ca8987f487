"""Flagged items (问题/隐患) and everything recorded on them.

An item's state moves only through the verbs in operations.py, along the table in
lifecycle.py; each move and each other event is an append-only TimelineEntry.
"""

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from campaigns.campaigns.models import Campaign, CampaignCategory
from campaigns.items.lifecycle import OPEN_STATES, Status
from campaigns.targets.models import Target
from campaigns.teams.models import Team
from portal import clock
from portal.accounts.models import User
from portal.database import UTCDateTime, enum_check, enum_column_type, trigram_index, utcnow
from portal.directory.models import Agency, Region
from portal.extensions import db


class Severity(enum.StrEnum):
    GENERAL = "general"  # 一般
    MAJOR = "major"  # 重大


class ListingLevel(enum.StrEnum):
    """Listing for supervision (挂牌督办) and by whom."""

    NONE = "none"
    DISTRICT = "district"
    CITY = "city"
    PROVINCE = "province"


class Light(enum.StrEnum):
    """Warning light, derived from the deadline: never stored."""

    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


item_co_agencies = Table(
    "item_co_agencies",
    db.metadata,
    Column("item_id", ForeignKey("items.id", ondelete="CASCADE"), primary_key=True),
    Column("agency_id", ForeignKey("agencies.id"), primary_key=True, index=True),
)

_open = ", ".join(f"'{s.value}'" for s in OPEN_STATES)


class Item(db.Model):
    __tablename__ = "items"
    __table_args__ = (
        enum_check("status", Status),
        enum_check("severity", Severity),
        enum_check("listing_level", ListingLevel),
        UniqueConstraint("campaign_id", "seq"),
        UniqueConstraint("campaign_id", "office_ref"),
        CheckConstraint(
            "(status = 'verified') = (verified_at IS NOT NULL)", name="verified_at_iff_verified"
        ),
        CheckConstraint(
            "(verified_at IS NULL) = (verified_on IS NULL)", name="verified_on_with_verified_at"
        ),
        CheckConstraint(
            "(status = 'withdrawn') = (withdrawn_at IS NOT NULL)",
            name="withdrawn_at_iff_withdrawn",
        ),
        CheckConstraint(
            "status IN ('assigned', 'withdrawn') OR acknowledged_at IS NOT NULL",
            name="acknowledged_before_work",
        ),
        CheckConstraint("relapse_count >= 0", name="relapse_count_positive"),
        Index("ix_items_campaign_status", "campaign_id", "status"),
        # The campaign last: a list's counts (its campaigns, a filter, per status) are then
        # read from the index alone (SQLite: 86 -> 5 ms for the red light, docs/PERFORMANCE.md).
        Index("ix_items_status_deadline", "status", "deadline", "campaign_id"),
        Index("ix_items_lead_agency_status", "lead_agency_id", "status", "campaign_id"),
        Index("ix_items_team_status", "team_id", "status"),
        Index("ix_items_district_status", "district_id", "status", "campaign_id"),
        Index("ix_items_campaign_flagged", "campaign_id", "flagged_at"),
        Index("ix_items_campaign_deadline", "campaign_id", "deadline"),
        # Lists across campaigns read their first page in order (deadline or flagged) instead
        # of sorting every visible item.
        Index("ix_items_deadline", "deadline", "id"),
        Index("ix_items_flagged", "flagged_at", "id"),
        # The lists' search (a part of the reference or the problem's title).
        trigram_index("ix_items_ref_trgm", "ref"),
        trigram_index("ix_items_title_trgm", "title"),
        # Every column the figures read (campaigns/figures/queries.py: counts, rates, groupings), so a
        # campaign's dashboard and completion table scan this index alone, not the table.
        Index(
            "ix_items_figures",
            "campaign_id",
            "status",
            "flagged_on",
            "verified_on",
            "deadline",
            "relapse_count",
            "district_id",
            "lead_agency_id",
            "team_id",
            "category_id",
            "listing_level",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    seq: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(40), unique=True)
    office_ref: Mapped[str | None] = mapped_column(String(60))
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("regions.id"))
    town_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("campaign_categories.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[str] = mapped_column(enum_column_type(Severity), default=Severity.GENERAL)
    listing_level: Mapped[str] = mapped_column(
        enum_column_type(ListingLevel), default=ListingLevel.NONE, index=True
    )
    listing_doc_no: Mapped[str | None] = mapped_column(String(80))
    lead_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Local calendar days of flagging and verification, written by the verbs with the
    # timestamps: cut-off dates and on-time counts compare them to dates in SQL.
    flagged_on: Mapped[date] = mapped_column(Date)
    original_deadline: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(enum_column_type(Status), default=Status.ASSIGNED)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_on: Mapped[date | None] = mapped_column(Date, index=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    measures: Mapped[str | None] = mapped_column(Text)
    relapse_count: Mapped[int] = mapped_column(Integer, default=0)
    import_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_imports.id"), index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    campaign: Mapped[Campaign] = relationship()
    target: Mapped[Target] = relationship()
    district: Mapped[Region] = relationship(foreign_keys=[district_id])
    town: Mapped[Region | None] = relationship(foreign_keys=[town_id])
    category: Mapped[CampaignCategory] = relationship()
    lead_agency: Mapped[Agency] = relationship(foreign_keys=[lead_agency_id])
    co_agencies: Mapped[list[Agency]] = relationship(
        secondary=item_co_agencies, order_by=Agency.code
    )
    team: Mapped[Team] = relationship()
    flagged_by: Mapped[User | None] = relationship(foreign_keys=[flagged_by_id])
    timeline: Mapped[list["TimelineEntry"]] = relationship(
        back_populates="item", order_by="TimelineEntry.id", viewonly=True
    )
    evidence: Mapped[list["Evidence"]] = relationship(
        back_populates="item", order_by="Evidence.id", viewonly=True
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    def is_overdue_on(self, day: date) -> bool:
        return self.is_open and self.deadline < day

    @property
    def overdue(self) -> bool:
        return self.is_overdue_on(clock.today())

    def light_on(self, day: date, warning_days: int) -> Light | None:
        """Green, yellow (due within `warning_days`) or red (overdue); None once closed."""
        if not self.is_open:
            return None
        if self.deadline < day:
            return Light.RED
        if (self.deadline - day).days <= warning_days:
            return Light.YELLOW
        return Light.GREEN

    @property
    def late(self) -> bool:
        """Verified after its deadline (kept once closed)."""
        return self.verified_on is not None and self.verified_on > self.deadline

    @property
    def is_listed(self) -> bool:
        return self.listing_level != ListingLevel.NONE

    def __repr__(self) -> str:
        return f"<Item {self.ref} {self.status}>"


class EntryKind(enum.StrEnum):
    """What a timeline entry records."""

    FLAGGED = "flagged"
    MOVED = "moved"  # a state change; the action is in `action`
    COMMENT = "comment"
    EVIDENCE = "evidence"
    EXTENSION_REQUESTED = "extension_requested"
    EXTENSION_APPROVED = "extension_approved"
    EXTENSION_REFUSED = "extension_refused"
    TRANSFER_PROPOSED = "transfer_proposed"
    TRANSFER_ACCEPTED = "transfer_accepted"
    TRANSFER_DECLINED = "transfer_declined"
    ENFORCEMENT = "enforcement"
    EDITED = "edited"
    LISTED = "listed"
    REVIEW_CHECK = "review_check"


class TimelineEntry(db.Model):
    """Append-only: who, when (UTC), what, from → to, note. Never updated or deleted."""

    __tablename__ = "timeline_entries"
    __table_args__ = (
        enum_check("kind", EntryKind),
        Index("ix_timeline_item_id", "item_id", "id"),
        # Items that ever had a given action (the joint cases' "returned" group).
        Index("ix_timeline_action", "action", "item_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agencies.id"))
    kind: Mapped[str] = mapped_column(enum_column_type(EntryKind))
    action: Mapped[str | None] = mapped_column(String(30))
    from_status: Mapped[str | None] = mapped_column(enum_column_type(Status))
    to_status: Mapped[str | None] = mapped_column(enum_column_type(Status))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    evidence_id: Mapped[int | None] = mapped_column(ForeignKey("evidence.id"))

    item: Mapped[Item] = relationship(back_populates="timeline")
    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id])
    actor_agency: Mapped[Agency | None] = relationship(foreign_keys=[actor_agency_id])
    evidence: Mapped["Evidence | None"] = relationship(foreign_keys=[evidence_id])


@event.listens_for(TimelineEntry, "before_update")
@event.listens_for(TimelineEntry, "before_delete")
def _timeline_is_append_only(_mapper, _connection, target):
    raise RuntimeError(f"timeline entry {target.id} is append-only")


class EvidenceStage(enum.StrEnum):
    BEFORE = "before"  # as flagged
    AFTER = "after"  # after rectification
    REVIEW = "review"  # look-back photo
    OTHER = "other"  # e.g. added by a co-agency, enforcement documents


class Evidence(db.Model):
    """An uploaded photo or PDF, stored outside static/ under a generated name."""

    __tablename__ = "evidence"
    __table_args__ = (enum_check("stage", EvidenceStage),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    stage: Mapped[str] = mapped_column(enum_column_type(EvidenceStage))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    thumbnail_name: Mapped[str | None] = mapped_column(String(80))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class RequestState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class ExtensionRequest(db.Model):
    """A lead agency's request to move a deadline; a campaign lead decides."""

    __tablename__ = "extension_requests"
    __table_args__ = (
        enum_check("state", RequestState),
        Index(
            "uq_extension_one_pending",
            "item_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    state: Mapped[str] = mapped_column(enum_column_type(RequestState), default="pending")
    reason: Mapped[str] = mapped_column(Text)
    old_deadline: Mapped[date] = mapped_column(Date)
    new_deadline: Mapped[date] = mapped_column(Date)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)

    item: Mapped[Item] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class TransferState(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Transfer(db.Model):
    """A proposal to hand lead responsibility (移送) to another agency."""

    __tablename__ = "transfers"
    __table_args__ = (
        enum_check("state", TransferState),
        CheckConstraint("from_agency_id <> to_agency_id", name="to_another_agency"),
        Index(
            "uq_transfer_one_pending",
            "item_id",
            unique=True,
            sqlite_where=text("state = 'pending'"),
            postgresql_where=text("state = 'pending'"),
        ),
        Index("ix_transfers_to_agency_state", "to_agency_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    state: Mapped[str] = mapped_column(enum_column_type(TransferState), default="pending")
    from_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    to_agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"))
    reason: Mapped[str] = mapped_column(Text)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answer_note: Mapped[str | None] = mapped_column(Text)

    item: Mapped[Item] = relationship()
    from_agency: Mapped[Agency] = relationship(foreign_keys=[from_agency_id])
    to_agency: Mapped[Agency] = relationship(foreign_keys=[to_agency_id])
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])


class EnforcementKind(enum.StrEnum):
    WARNING = "warning"  # 警告
    FINE = "fine"  # 罚款
    NOTICE = "notice"  # 督办单
    SUSPENSION = "suspension"  # 责令停产整顿
    BAN = "ban"  # 取缔
    POLICE_TRANSFER = "police_transfer"  # 移送公安机关


class EnforcementAction(db.Model):
    __tablename__ = "enforcement_actions"
    __table_args__ = (
        enum_check("kind", EnforcementKind),
        CheckConstraint("(kind = 'fine') = (amount IS NOT NULL)", name="amount_only_for_fines"),
        CheckConstraint("amount IS NULL OR amount > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"), index=True)
    kind: Mapped[str] = mapped_column(enum_column_type(EnforcementKind))
    action_date: Mapped[date] = mapped_column(Date)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), index=True)
    document_no: Mapped[str | None] = mapped_column(String(80))
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[Item] = relationship()
    agency: Mapped[Agency] = relationship()
