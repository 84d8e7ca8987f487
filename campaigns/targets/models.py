"""Inspection targets (检查对象): enterprises, road sections, sites, borrowers."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import UTCDateTime, enum_check, enum_column_type, trigram_index, utcnow
from portal.directory.models import Region
from portal.extensions import db


class TargetKind(enum.StrEnum):
    ENTERPRISE = "enterprise"
    ROAD_SECTION = "road_section"
    SITE = "site"
    BORROWER = "borrower"


class Target(db.Model):
    """Something a team inspects; one target may appear in several campaigns."""

    __tablename__ = "targets"
    __table_args__ = (
        enum_check("kind", TargetKind),
        trigram_index("ix_targets_name_trgm", "name"),  # the item lists' search by target
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    kind: Mapped[str] = mapped_column(enum_column_type(TargetKind), default=TargetKind.ENTERPRISE)
    # 统一社会信用代码: 18 characters ending in a check character (see credit_code.py).
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("regions.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    region: Mapped[Region] = relationship()

    def __repr__(self) -> str:
        return f"<Target {self.name}>"
