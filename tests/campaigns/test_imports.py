"""Ledger import (CONTRACTS C4): good files, every kind of bad row, atomicity, duplicates."""

import io
import os
import signal
import subprocess
import sys
import textwrap
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from campaigns.imports.ledger import UnreadableFile
from campaigns.imports.models import LedgerImport
from campaigns.imports.operations import AlreadyImported, FileRejected, import_ledger, preview
from campaigns.items.models import EntryKind, Item, TimelineEntry
from campaigns.targets.models import Target
from portal import clock
from portal.audit.models import AuditEntry
from portal.extensions import db
from tests.campaigns.ledger_files import (
    KEYS,
    ZH,
    Scene,
    csv_bytes,
    many_rows,
    row,
    xlsx_bytes,
)
from tests.factories import make_item, make_target, make_user

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scene(app):
    s = Scene()
    db.session.commit()
    return s


@pytest.fixture
def in_request(app):
    """Problem messages are translated: the checks run inside a request, as on the pages."""
    with app.test_request_context():
        yield


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def problems_of(scene, rows=None, content=None, filename="ledger.csv"):
    content = content if content is not None else csv_bytes(rows)
    return [
        (p.row, p.column, p.reason) for p in preview(scene.campaign, filename, content).problems
    ]


def test_a_good_file_of_thousands_of_rows(scene, in_request):
    rows = many_rows(3000)
    existing = make_target(scene.zhangdian, name="企业2")  # matched by name in the district
    db.session.commit()
    record = import_ledger(
        scene.campaign, by=scene.lead, filename="台账.csv", content=csv_bytes(rows)
    )
    db.session.commit()
    assert record.row_count == 3000
    assert count(Item) == 3000
    items = db.session.scalars(select(Item).order_by(Item.seq)).all()
    assert items[0].ref == "WS2026-0001" and items[-1].ref == "WS2026-3000"
    assert all(i.status == "assigned" and i.import_id == record.id for i in items[:50])
    first = items[0]
    assert first.office_ref == "AJ-00001" and first.district.name_zh == "淄川区"
    assert [a.code for a in first.co_agencies] == ["env", "police"]
    assert first.lead_agency.code == "emergency"
    assert first.deadline == clock.today() + timedelta(days=30)
    assert first.flagged_by_id == scene.lead.id
    major = next(i for i in items if i.seq == 7)
    assert major.severity == "major"
    assert next(i for i in items if i.seq == 11).listing_level == "city"
    second = items[1]
    assert second.town.name_zh == "车站街道"
    # 企业2 in 车站街道 (row 2's town) is a different region from the existing one in 张店区
    assert (
        db.session.scalar(
            select(func.count()).select_from(Item).where(Item.target_id == existing.id)
        )
        == 0
    )
    # every item has its FLAGGED entry and its audit entry, like items flagged on the page
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(TimelineEntry)
            .where(TimelineEntry.kind == EntryKind.FLAGGED)
        )
        == 3000
    )
    entry = first.timeline[0]
    assert entry.actor_id == scene.lead.id and entry.to_status == "assigned"
    assert entry.data["lead_agency"] == "emergency" and entry.data["co_agencies"] == [
        "env",
        "police",
    ]
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "item_flagged")
        )
        == 3000
    )
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "ledger_imported")
        )
        == 1
    )


def test_targets_matched_by_credit_code_or_name_within_the_region(scene, in_request):
    by_code = make_target(scene.zhangdian, name="旧名称", credit_code="91370300MA3C5YEL6Y")
    by_name = make_target(scene.town, name="某化工厂")
    db.session.commit()
    rows = [
        row(1, target="新名称", credit_code="91370300MA3C5YEL6Y", town=""),
        row(2, target="某化工厂"),  # same name, same town
        row(3, target="某化工厂", district="淄川区", town=""),  # same name elsewhere: new
        row(4, target="新企业"),
        row(5, target="新企业"),  # the same new target twice: created once
    ]
    plan = preview(scene.campaign, "x.csv", csv_bytes(rows))
    assert len(plan.new_targets) == 2 and len(plan.existing_targets) == 2
    import_ledger(scene.campaign, by=scene.lead, filename="x.csv", content=csv_bytes(rows))
    db.session.commit()
    items = db.session.scalars(select(Item).order_by(Item.seq)).all()
    assert items[0].target_id == by_code.id
    assert items[1].target_id == by_name.id
    assert items[2].target_id not in (by_name.id, by_code.id)
    assert items[3].target_id == items[4].target_id
    assert count(Target) == 4


@pytest.mark.parametrize("fmt", ["csv-bom", "csv-plain", "xlsx", "xlsx-dates"])
@pytest.mark.parametrize("headers", ["en", "zh"])
def test_formats_and_header_languages(scene, fmt, headers, in_request):
    rows = [row(1), row(2, severity="重大", listing_level="区县", co_agencies="市公安局、env")]
    names = KEYS if headers == "en" else ZH
    if fmt.startswith("csv"):
        content, filename = csv_bytes(rows, headers=names, bom=fmt == "csv-bom"), "l.csv"
    else:
        content = xlsx_bytes(rows, headers=names, dates_as_dates=fmt == "xlsx-dates")
        filename = "l.xlsx"
    import_ledger(scene.campaign, by=scene.lead, filename=filename, content=content)
    db.session.commit()
    items = db.session.scalars(select(Item).order_by(Item.seq)).all()
    assert [i.office_ref for i in items] == ["AJ-00001", "AJ-00002"]
    assert items[1].severity == "major" and items[1].listing_level == "district"
    assert sorted(a.code for a in items[1].co_agencies) == ["env", "police"]
    assert items[1].deadline == clock.today() + timedelta(days=30)


BAD_ROWS = [
    ({"target": ""}, "target", "Required; this cell is empty."),
    ({"title": ""}, "title", "Required; this cell is empty."),
    ({"deadline": ""}, "deadline", "Required; this cell is empty."),
    ({"district": "北京市"}, "district", "No district or county with this name or code."),
    ({"town": "不存在镇"}, "town", "No town of this name in the district."),
    ({"lead_agency": "nasa"}, "lead_agency", "No agency with this code or name."),
    ({"co_agencies": "police;nasa"}, "co_agencies", "No agency with the code or name “nasa”."),
    ({"team": "第九督导组"}, "team", "No team of this name in the campaign."),
    ({"category": "coal"}, "category", "Not one of the campaign's categories."),
    ({"deadline": "2026/05/01"}, "deadline", "Not a date written YYYY-MM-DD."),
    ({"deadline": "2026-02-30"}, "deadline", "Not a date written YYYY-MM-DD."),
    (
        {"credit_code": "91370300MA3C5YEL6B"},
        "credit_code",
        "The check character (the last one) is wrong.",
    ),
    ({"credit_code": "12345"}, "credit_code", "Not an 18-character unified social credit code."),
    ({"severity": "urgent"}, "severity", "Use general / 一般 or major / 重大."),
    (
        {"listing_level": "national"},
        "listing_level",
        "Use none / 无, district / 区县, city / 市级 or province / 省级.",
    ),
    ({"title": "x" * 201}, "title", "Longer than 200 characters."),
]


@pytest.mark.parametrize(("changes", "column", "reason"), BAD_ROWS)
def test_each_kind_of_bad_row_rejects_the_file(scene, changes, column, reason, in_request):
    rows = [row(1), row(2, **changes), row(3)]
    assert problems_of(scene, rows) == [(3, column, reason)]
    with pytest.raises(FileRejected):
        import_ledger(scene.campaign, by=scene.lead, filename="x.csv", content=csv_bytes(rows))
    db.session.rollback()
    assert count(Item) == 0 and count(LedgerImport) == 0


def test_every_problem_is_listed_with_the_files_own_headers(scene, in_request):
    rows = [row(1, district="北京市", team="无此组"), row(2), row(3, deadline="明天")]
    assert problems_of(scene, content=csv_bytes(rows, headers=ZH)) == [
        (2, "区县", "No district or county with this name or code."),
        (2, "督导组", "No team of this name in the campaign."),
        (4, "整改时限", "Not a date written YYYY-MM-DD."),
    ]


def test_duplicate_office_ref_in_the_file_and_in_the_campaign(scene, in_request):
    item = make_item(scene.campaign, team=scene.team)
    item.office_ref = "AJ-00009"
    db.session.commit()
    rows = [row(1), row(2, office_ref="AJ-00001"), row(9)]
    assert problems_of(scene, rows) == [
        (3, "office_ref", "The same number is on row 2 of this file."),
        (4, "office_ref", "This number is already used in the campaign."),
    ]


def test_header_problems(scene, in_request):
    content = "\ufefftarget,district,category,title,lead_agency,deadline,colour\r\nx,张店区,coal_mine,t,police,2030-01-01,red\r\n"
    assert problems_of(scene, content=content.encode()) == [
        (1, "colour", "Unknown column."),
        (1, "team", "Required column missing (督导组)."),
    ]
    twice = "target,检查对象\r\n".encode()
    assert (1, "检查对象", "This column appears twice.") in problems_of(scene, content=twice)


def test_unreadable_files(scene, in_request):
    with pytest.raises(UnreadableFile, match="not UTF-8"):
        preview(scene.campaign, "x.csv", "检查对象".encode("gbk"))
    with pytest.raises(UnreadableFile, match="empty"):
        preview(scene.campaign, "x.csv", b"")
    with pytest.raises(UnreadableFile, match="not a valid XLSX"):
        preview(scene.campaign, "x.xlsx", b"PK\x03\x04 broken")
    assert problems_of(scene, content=csv_bytes([])) == [
        (2, "", "The file has no rows under its header.")
    ]


def test_too_many_rows(scene, monkeypatch, in_request):
    monkeypatch.setattr("campaigns.imports.ledger.MAX_ROWS", 5)
    with pytest.raises(UnreadableFile, match="more than 5 rows"):
        preview(scene.campaign, "x.csv", csv_bytes(many_rows(6)))


def zip_bomb() -> bytes:
    """A valid-looking XLSX whose sheet unpacks to 300 MB of zeros (about 300 KB packed)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            block = b"0" * (1024 * 1024)
            for _ in range(300):
                member.write(block)
    return out.getvalue()


def test_a_zip_bomb_is_refused_before_it_is_opened(scene, monkeypatch, in_request):
    opened = []
    monkeypatch.setattr("campaigns.imports.ledger.load_workbook", lambda *a, **k: opened.append(1))
    content = zip_bomb()
    assert len(content) < 2 * 1024 * 1024
    with pytest.raises(UnreadableFile, match="unpacks to far more"):
        preview(scene.campaign, "bomb.xlsx", content)
    assert opened == []


def test_the_same_file_twice_is_refused(scene, in_request):
    content = csv_bytes([row(1)])
    import_ledger(scene.campaign, by=scene.lead, filename="a.csv", content=content)
    db.session.commit()
    with pytest.raises(AlreadyImported):
        import_ledger(scene.campaign, by=scene.lead, filename="renamed.csv", content=content)
    db.session.rollback()
    assert count(Item) == 1 and count(LedgerImport) == 1


KILL_SCRIPT = textwrap.dedent(
    """
    import os, sys, time
    sys.path.insert(0, {root!r})
    from tests.conftest import base_config
    from pathlib import Path
    from portal import create_app
    from portal.extensions import db
    app = create_app(base_config(Path({tmp!r}), database_url={url!r}))
    with app.app_context():
        from campaigns.campaigns.models import Campaign
        from campaigns.imports.operations import import_ledger
        from portal.accounts.models import User
        campaign = db.session.get(Campaign, {campaign_id})
        lead = db.session.get(User, {lead_id})
        content = open({file!r}, "rb").read()

        def halfway(done):
            if done >= 1000:
                print("halfway", flush=True)
                time.sleep(120)

        import_ledger(campaign, by=lead, filename="big.csv", content=content, on_item=halfway)
        db.session.commit()
        print("committed", flush=True)
    """
)


def test_a_killed_import_leaves_nothing(scene, app, tmp_path, in_request):
    ledger = tmp_path / "big.csv"
    ledger.write_bytes(csv_bytes(many_rows(3000)))
    script = KILL_SCRIPT.format(
        root=str(ROOT),
        tmp=str(tmp_path),
        url=app.config["SQLALCHEMY_DATABASE_URI"],
        campaign_id=scene.campaign.id,
        lead_id=scene.lead.id,
        file=str(ledger),
    )
    db.session.commit()
    process = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=os.environ | {"PORTAL_INSTANCE": str(tmp_path / "instance")},
    )
    try:
        line = process.stdout.readline()
        assert line.strip() == "halfway", process.stderr.read()
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
        process.stdout.close()
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL
    assert count(Item) == 0
    assert count(LedgerImport) == 0
    assert count(TimelineEntry) == 0
    assert count(Target) == 0
    # and the campaign's numbering was not moved on either
    import_ledger(scene.campaign, by=scene.lead, filename="a.csv", content=csv_bytes([row(1)]))
    db.session.commit()
    assert db.session.scalar(select(Item.ref)) == "WS2026-0001"


# --- The pages ----------------------------------------------------------------------------------


def upload(client, code, content, filename="ledger.csv"):
    return client.post(
        f"/campaigns/{code}/import",
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
    )


def test_upload_preview_confirm(scene, client, login, app):
    login(scene.lead)
    page = client.get("/campaigns/WS2026/import")
    assert page.status_code == 200 and "检查对象" in page.get_data(as_text=True)
    response = upload(client, "WS2026", csv_bytes([row(1, target="新企业甲"), row(2)]))
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Import 2 items" in text and "新企业甲" in text
    assert count(Item) == 0  # nothing before the confirmation
    token = text.split('name="token" type="hidden" value="')[1][:32]
    stored = list((Path(app.config["UPLOAD_FOLDER"]) / "imports").glob("*.upload"))
    assert [p.stem for p in stored] == [token]
    response = client.post("/campaigns/WS2026/import/confirm", data={"token": token})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/campaigns/WS2026/items")
    assert count(Item) == 2
    assert not list((Path(app.config["UPLOAD_FOLDER"]) / "imports").glob("*.upload"))
    # confirming again: the upload is gone, nothing more is imported
    response = client.post("/campaigns/WS2026/import/confirm", data={"token": token})
    assert response.status_code == 302 and count(Item) == 2
    # uploading the same file again is refused at once
    response = upload(client, "WS2026", csv_bytes([row(1, target="新企业甲"), row(2)]))
    assert response.status_code == 409
    assert "already been imported" in response.get_data(as_text=True)


def test_bad_file_shows_every_problem_and_keeps_nothing(scene, client, login, app):
    login(scene.lead)
    response = upload(
        client, "WS2026", csv_bytes([row(1, team="无此组"), row(2, severity="<b>x</b>")])
    )
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Problems found in ledger.csv: 2." in text
    assert "No team of this name in the campaign." in text
    assert "Use general / 一般 or major / 重大." in text
    assert "<b>x</b>" not in text
    assert not (Path(app.config["UPLOAD_FOLDER"]) / "imports").exists() or not list(
        (Path(app.config["UPLOAD_FOLDER"]) / "imports").glob("*.upload")
    )


def test_zip_bomb_upload_is_refused(scene, client, login):
    login(scene.lead)
    response = upload(client, "WS2026", zip_bomb(), "bomb.xlsx")
    assert response.status_code == 422
    assert "unpacks to far more data" in response.get_data(as_text=True)


def test_confirm_needs_the_uploaders_session(scene, client, login, app):
    login(scene.lead)
    text = upload(client, "WS2026", csv_bytes([row(1)])).get_data(as_text=True)
    token = text.split('name="token" type="hidden" value="')[1][:32]
    other = make_user("admin", scene.emergency)
    db.session.commit()
    login(other)
    response = client.post("/campaigns/WS2026/import/confirm", data={"token": token})
    assert response.status_code == 302 and count(Item) == 0
    response = client.post("/campaigns/WS2026/import/confirm", data={"token": "../../etc/passwd"})
    assert response.status_code == 302 and count(Item) == 0


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("lead", 200), ("inspector", 403), ("liaison", 403), ("other_lead", 404)],
)
def test_import_page_access(scene, client, login, who, status):
    users = {
        "admin": make_user("admin", scene.emergency),
        "lead": scene.lead,
        "other_lead": make_user("lead", scene.emergency),
        "liaison": make_user("liaison", scene.emergency),  # the campaign's lead agency
        "inspector": make_user("inspector", scene.emergency),
    }
    scene.team.members = [users["inspector"]]
    db.session.commit()
    login(users[who])
    assert client.get("/campaigns/WS2026/import").status_code == status
    assert client.get("/campaigns/WS2026/import/template.csv").status_code == status
    response = upload(client, "WS2026", csv_bytes([row(1)]))
    assert response.status_code == status
    assert count(Item) == 0


@pytest.mark.parametrize("headers", ["en", "zh"])
def test_templates_import_once_filled_in(scene, client, login, headers):
    from openpyxl import load_workbook

    login(scene.lead)
    response = client.get(f"/campaigns/WS2026/import/template.csv?headers={headers}")
    text = response.get_data(as_text=True)
    names = KEYS if headers == "en" else ZH
    assert text == "\ufeff" + ",".join(names) + "\r\n"
    response = client.get(f"/campaigns/WS2026/import/template.xlsx?headers={headers}")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    assert [c.value for c in workbook.worksheets[0][1]] == names
    values = [tuple(r) for r in workbook.worksheets[1].iter_rows(values_only=True)]
    assert ("team", "第一督导组", None) in values
    sheet = workbook.worksheets[0]
    for k, v in row(1).items():
        sheet.cell(row=2, column=KEYS.index(k) + 1, value=v)
    out = io.BytesIO()
    workbook.save(out)
    assert preview(scene.campaign, "t.xlsx", out.getvalue()).rows == 1


def test_imported_items_match_items_flagged_through_flag_item(scene, in_request):
    """The import writes in batches what flag_item writes one by one: the same shape."""
    from campaigns.items.operations import flag_item

    import_ledger(
        scene.campaign,
        by=scene.lead,
        filename="x.csv",
        content=csv_bytes([row(1, co_agencies="police", listing_level="none")]),
    )
    imported = db.session.scalar(select(Item))
    flagged = flag_item(
        scene.campaign,
        by=scene.lead,
        team=imported.team,
        target=imported.target,
        district=imported.district,
        town=imported.town,
        category=imported.category,
        title=imported.title,
        description=imported.description,
        lead_agency=imported.lead_agency,
        co_agencies=imported.co_agencies,
        deadline=imported.deadline,
        check_access=False,
    )
    db.session.commit()
    fields = [
        c.key
        for c in Item.__table__.columns
        if c.key not in {"id", "seq", "ref", "office_ref", "import_id", "flagged_at", "updated_at"}
    ]
    assert {f: getattr(imported, f) for f in fields} == {f: getattr(flagged, f) for f in fields}
    assert imported.ref == "WS2026-0001" and flagged.ref == "WS2026-0002"
    assert imported.co_agencies == flagged.co_agencies

    def entry(item):
        e = item.timeline[0]
        return (e.kind, e.action, e.from_status, e.to_status, e.actor_id, e.actor_agency_id, e.note)

    assert entry(imported) == entry(flagged)
    assert flagged.timeline[0].data.items() <= imported.timeline[0].data.items()
    audits = db.session.execute(
        select(AuditEntry.object_id, AuditEntry.details).where(AuditEntry.action == "item_flagged")
    ).all()
    assert sorted(audits) == sorted(
        [(str(imported.id), {"ref": imported.ref}), (str(flagged.id), {"ref": flagged.ref})]
    )
