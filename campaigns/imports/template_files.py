"""Empty ledger templates to fill in: English keys or Chinese headers, CSV or XLSX.

The XLSX template has a second sheet listing the values this campaign accepts (its teams and
categories, the districts, the agencies); the import reads only the first sheet.
"""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from campaigns.imports.ledger import COLUMNS
from campaigns.teams.models import Team
from portal.directory.models import Agency, Region, RegionLevel
from portal.exporting import Column, Sheet, ascii_filename, csv_response, xlsx_response
from portal.extensions import db


def _columns(headers: str) -> list[Column]:
    return [
        Column(c.zh if headers == "zh" else c.key, c.zh if headers == "zh" else c.key, width=16)
        for c in COLUMNS
    ]


def _values(campaign) -> list[tuple]:
    rows = [("severity", "general / 一般, major / 重大", "")]
    rows.append(("listing_level", "none / 无, district / 区县, city / 市级, province / 省级", ""))
    rows += [("category", c.code, c.name_zh) for c in campaign.categories]
    rows += [
        ("team", t.name, "")
        for t in db.session.scalars(
            select(Team).where(Team.campaign_id == campaign.id).order_by(Team.name)
        )
    ]
    rows += [
        ("district", r.code or "", r.name_zh)
        for r in db.session.scalars(
            select(Region)
            .where(Region.level.in_([RegionLevel.DISTRICT, RegionLevel.COUNTY]))
            .order_by(Region.code, Region.name_zh)
        )
    ]
    rows += [
        ("agency", a.code, a.name_zh)
        for a in db.session.scalars(select(Agency).order_by(Agency.code))
    ]
    return rows


def template_download(campaign, *, fmt: str, headers: str):
    columns = _columns(headers)
    filename = ascii_filename(campaign.code, "ledger-template", headers, ext=fmt)
    if fmt == "csv":
        return csv_response(filename, columns, [])
    values = [
        Column("column", _l("Column"), width=16),
        Column("value", _l("Value"), width=40),
        Column("name", _l("Name"), width=40),
    ]
    return xlsx_response(
        filename,
        [Sheet(campaign.code, columns, []), Sheet(str(_l("Values")), values, _values(campaign))],
    )
