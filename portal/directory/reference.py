"""The reference agencies and regions (one real city) shipped with the portal."""

import csv
from pathlib import Path

from sqlalchemy import select

from portal.directory.models import Agency, Region
from portal.extensions import db

DATA = Path(__file__).resolve().parent / "data"


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_agencies() -> dict[str, Agency]:
    """Create the reference agencies that do not exist yet; return all by code."""
    existing = {a.code: a for a in db.session.scalars(select(Agency))}
    for row in _rows("agencies.csv"):
        if row["code"] not in existing:
            agency = Agency(**row)
            db.session.add(agency)
            existing[agency.code] = agency
    db.session.flush()
    return existing


def load_regions() -> list[Region]:
    """Create the reference city, its districts/counties and their towns; return all."""
    by_code: dict[str, Region] = {
        r.code: r for r in db.session.scalars(select(Region).where(Region.code.is_not(None)))
    }
    created = []
    for row in _rows("regions.csv"):
        parent = by_code.get(row["parent"]) if row["parent"] else None
        if row["code"] and row["code"] in by_code:
            continue
        if (
            not row["code"]
            and parent is not None
            and any(child.name_zh == row["name_zh"] for child in parent.children)
        ):
            continue
        region = Region(
            code=row["code"] or None, name_zh=row["name_zh"], level=row["level"], parent=parent
        )
        db.session.add(region)
        if region.code:
            by_code[region.code] = region
        created.append(region)
    db.session.flush()
    return list(db.session.scalars(select(Region).order_by(Region.id)))
