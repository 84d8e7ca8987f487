"""Agencies and regions: create and edit, with the rules of the region tree."""

from sqlalchemy import select

from portal import audit
from portal.directory.models import Agency, Region, RegionLevel
from portal.errors import ValidationFailed
from portal.extensions import db

# Which level may sit under which (districts and counties are the same tier).
PARENT_LEVEL = {
    RegionLevel.CITY: None,
    RegionLevel.DISTRICT: RegionLevel.CITY,
    RegionLevel.COUNTY: RegionLevel.CITY,
    RegionLevel.TOWN: (RegionLevel.DISTRICT, RegionLevel.COUNTY),
}


def save_agency(agency: Agency | None, *, by, code, name_zh, name_en, kind) -> Agency:
    clash = db.session.scalar(select(Agency).where(Agency.code == code))
    if clash is not None and clash is not agency:
        raise ValidationFailed("code taken", fields={"code": "taken"})
    created = agency is None
    agency = agency or Agency()
    agency.code, agency.name_zh, agency.name_en, agency.kind = code, name_zh, name_en, kind
    db.session.add(agency)
    db.session.flush()
    audit.record("agency_created" if created else "agency_updated", actor=by, obj=agency)
    return agency


def check_parent(level: str, parent: Region | None) -> None:
    wanted = PARENT_LEVEL[RegionLevel(level)]
    if wanted is None:
        if parent is not None:
            raise ValidationFailed("a city has no parent", fields={"parent_id": "none"})
        return
    allowed = wanted if isinstance(wanted, tuple) else (wanted,)
    if parent is None or parent.level not in allowed:
        raise ValidationFailed("wrong parent level", fields={"parent_id": "level"})


def save_region(region: Region | None, *, by, name_zh, name_en, code, level, parent) -> Region:
    check_parent(level, parent)
    if code:
        clash = db.session.scalar(select(Region).where(Region.code == code))
        if clash is not None and clash is not region:
            raise ValidationFailed("code taken", fields={"code": "taken"})
    created = region is None
    region = region or Region()
    region.name_zh, region.name_en, region.code = name_zh, name_en or None, code or None
    region.level, region.parent = level, parent
    db.session.add(region)
    db.session.flush()
    audit.record("region_created" if created else "region_updated", actor=by, obj=region)
    return region


def districts() -> list[Region]:
    return list(
        db.session.scalars(
            select(Region)
            .where(Region.level.in_([RegionLevel.DISTRICT, RegionLevel.COUNTY]))
            .order_by(Region.code, Region.id)
        )
    )
