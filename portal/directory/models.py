"""Agencies (单位) and the region tree (city → district/county → town/subdistrict)."""

import enum

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.database import enum_check, enum_column_type
from portal.extensions import db


class AgencyKind(enum.StrEnum):
    COORDINATION = "coordination"
    ENFORCEMENT = "enforcement"
    REGULATOR = "regulator"
    JUDICIAL = "judicial"
    OVERSIGHT = "oversight"
    FINANCIAL = "financial"
    OTHER = "other"


class Agency(db.Model):
    """A government body that takes part in joint enforcement (公安局, 生态环境局 …)."""

    __tablename__ = "agencies"
    __table_args__ = (enum_check("kind", AgencyKind),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(enum_column_type(AgencyKind), default=AgencyKind.OTHER)

    def name(self, locale: str) -> str:
        return self.name_en if locale == "en" else self.name_zh

    def __repr__(self) -> str:
        return f"<Agency {self.code}>"


class RegionLevel(enum.StrEnum):
    CITY = "city"
    DISTRICT = "district"
    COUNTY = "county"
    TOWN = "town"


class Region(db.Model):
    """A node of the region tree: the city, its districts/counties (区县), their towns (镇街)."""

    __tablename__ = "regions"
    __table_args__ = (
        enum_check("level", RegionLevel),
        UniqueConstraint("parent_id", "name_zh"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str | None] = mapped_column(String(20), unique=True)
    name_zh: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str | None] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(enum_column_type(RegionLevel))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)

    parent: Mapped["Region | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Region"]] = relationship(back_populates="parent", order_by="Region.id")

    @property
    def is_district(self) -> bool:
        """Districts and counties are the same tier (区县)."""
        return self.level in (RegionLevel.DISTRICT, RegionLevel.COUNTY)

    def name(self, locale: str) -> str:
        return (self.name_en or self.name_zh) if locale == "en" else self.name_zh

    def __repr__(self) -> str:
        return f"<Region {self.level} {self.name_zh}>"
