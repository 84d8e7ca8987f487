"""Ledger files for the import tests: a scene to import into and rows that fit it."""

import csv
import io
from datetime import timedelta

from openpyxl import Workbook

from campaigns.imports.ledger import COLUMNS
from portal import clock
from tests.factories import make_agency, make_campaign, make_region, make_team, make_user

KEYS = [c.key for c in COLUMNS]
ZH = [c.zh for c in COLUMNS]


class Scene:
    """A campaign with two teams, two districts with towns, and three agencies."""

    def __init__(self):
        self.police = make_agency("police", name_zh="市公安局", name_en="Public Security Bureau")
        self.env = make_agency("env", name_zh="市生态环境局", name_en="Environment Bureau")
        self.emergency = make_agency("emergency", name_zh="市应急管理局", name_en="Emergency")
        self.city = make_region("city", name="淄博市", code="370300")
        self.zhangdian = make_region("district", self.city, name="张店区", code="370303")
        self.zichuan = make_region("district", self.city, name="淄川区", code="370302")
        self.town = make_region("town", self.zhangdian, name="车站街道")
        self.lead = make_user("lead", self.emergency, "lead-import")
        self.campaign = make_campaign(
            leads=[self.lead], lead_agency=self.emergency, code="WS2026", kind="work_safety"
        )
        self.team = make_team(self.campaign, name="第一督导组")
        self.team_b = make_team(self.campaign, name="第二督导组")


def row(n: int = 1, **changes) -> dict:
    """A good row (English keys)."""
    deadline = clock.today() + timedelta(days=30)
    values = {
        "office_ref": f"AJ-{n:05d}",
        "target": f"淄博某化工有限公司{n}",
        "credit_code": "",
        "district": "张店区",
        "town": "车站街道",
        "category": "hazardous_chemicals",
        "title": f"储罐区未设置围堰 {n}",
        "description": "现场检查发现",
        "severity": "general",
        "listing_level": "none",
        "lead_agency": "emergency",
        "co_agencies": "police;env",
        "deadline": deadline.isoformat(),
        "team": "第一督导组",
    }
    values.update(changes)
    return values


def csv_bytes(rows: list[dict], *, headers=KEYS, bom: bool = True) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(headers)
    for r in rows:
        writer.writerow([r.get(k, "") for k in KEYS])
    return (("\ufeff" if bom else "") + out.getvalue()).encode("utf-8")


def xlsx_bytes(rows: list[dict], *, headers=KEYS, dates_as_dates: bool = False) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("台账")
    sheet.append(headers)
    for r in rows:
        values = [r.get(k, "") for k in KEYS]
        if dates_as_dates:
            from datetime import date

            values[KEYS.index("deadline")] = date.fromisoformat(r["deadline"])
        sheet.append(values)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def many_rows(count: int) -> list[dict]:
    districts = ["张店区", "淄川区"]
    return [
        row(
            n,
            district=districts[n % 2],
            town="车站街道" if n % 2 == 0 else "",
            target=f"企业{n % 3000}",
            team="第一督导组" if n % 3 else "第二督导组",
            severity="重大" if n % 7 == 0 else "一般",
            listing_level="市级" if n % 11 == 0 else "无",
            co_agencies="police、env" if n % 2 else "",
        )
        for n in range(1, count + 1)
    ]
