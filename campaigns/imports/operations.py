"""Importing a ledger file into a campaign (CONTRACTS C4): check it whole, then flag its items.

`check` resolves every row against the campaign (teams, categories), the directory (districts,
towns, agencies) and the targets, with every lookup cached in dicts, and lists every problem.
`import_ledger` refuses a file already imported (same sha256) or with any problem, then flags
each row through items.operations.flag_item in ONE transaction that the caller commits: a
failure or a killed process leaves nothing behind.
"""

import enum
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from flask import has_request_context, request
from flask_babel import gettext as _
from sqlalchemy import insert, select, update
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError

from campaigns.campaigns.models import Campaign
from campaigns.imports.ledger import COLUMNS, LedgerFile, Problem, read
from campaigns.imports.models import LedgerImport
from campaigns.items.lifecycle import Status
from campaigns.items.models import (
    EntryKind,
    Item,
    ListingLevel,
    Severity,
    TimelineEntry,
    item_co_agencies,
)
from campaigns.targets.models import Target, TargetKind
from campaigns.targets.operations import normalize_credit_code
from campaigns.teams.models import Team
from portal import audit, clock
from portal.audit.models import AuditEntry
from portal.database import on_postgresql
from portal.directory.models import Agency, Region, RegionLevel
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db

SEVERITIES = {"general": Severity.GENERAL, "一般": Severity.GENERAL}
SEVERITIES |= {"major": Severity.MAJOR, "重大": Severity.MAJOR}
LISTINGS = {
    "none": ListingLevel.NONE,
    "无": ListingLevel.NONE,
    "district": ListingLevel.DISTRICT,
    "区县": ListingLevel.DISTRICT,
    "city": ListingLevel.CITY,
    "市级": ListingLevel.CITY,
    "province": ListingLevel.PROVINCE,
    "省级": ListingLevel.PROVINCE,
}
AGENCY_SEPARATORS = re.compile(r"[;；、]")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
CHUNK = 500
WRITE_BATCH = 1000


class AlreadyImported(DomainError):
    status = 409
    code = "already_imported"


class FileRejected(DomainError):
    """The file has problems; nothing was imported. `.problems` lists every one."""

    status = 422

    def __init__(self, problems: list[Problem]):
        super().__init__(
            _("The file was not imported: fix the problems listed and upload it again.")
        )
        self.problems = problems


@dataclass
class PlannedItem:
    row: int
    office_ref: str | None
    target_name: str
    credit_code: str | None
    district: Region
    town: Region | None
    category: object
    title: str
    description: str
    severity: str
    listing_level: str
    lead_agency: Agency
    co_agencies: list[Agency]
    deadline: date
    team: Team

    @property
    def target_key(self):
        region = self.town or self.district
        return (
            ("code", self.credit_code)
            if self.credit_code
            else ("name", self.target_name, region.id)
        )


@dataclass
class Plan:
    """What a file would create; `problems` empty when it may be imported."""

    items: list[PlannedItem] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    existing_targets: dict = field(default_factory=dict)  # target key -> Target id
    new_targets: dict = field(default_factory=dict)  # target key -> first row naming it
    codes_to_add: dict = field(default_factory=dict)  # target id -> credit code it lacked

    @property
    def rows(self) -> int:
        return len(self.items)


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def already_imported(campaign: Campaign, digest: str) -> bool:
    return bool(
        db.session.scalar(
            select(LedgerImport.id).where(
                LedgerImport.campaign_id == campaign.id, LedgerImport.sha256 == digest
            )
        )
    )


class Directory:
    """The names a ledger (or an API body) uses for districts, towns, agencies, and a campaign's
    categories and teams, each resolved to its record; every lookup loaded once."""

    def __init__(self, campaign: Campaign | None = None):
        districts = db.session.scalars(
            select(Region).where(Region.level.in_([RegionLevel.DISTRICT, RegionLevel.COUNTY]))
        ).all()
        self.districts: dict[str, Region] = {}
        for region in districts:
            for name in (region.name_zh, region.name_en, region.code):
                if name:
                    self.districts.setdefault(name, region)
        ids = [d.id for d in districts]
        self.towns = {
            (t.parent_id, t.name_zh): t
            for t in db.session.scalars(select(Region).where(Region.parent_id.in_(ids)))
        }
        self.agencies: dict[str, Agency] = {}
        for agency in db.session.scalars(select(Agency)):
            for name in (agency.code, agency.code.lower(), agency.name_zh, agency.name_en):
                self.agencies.setdefault(name, agency)
        self.categories = {}
        self.teams = {}
        if campaign is not None:
            for category in campaign.categories:
                for name in (category.code, category.name_zh, category.name_en):
                    self.categories.setdefault(name, category)
            self.teams = {
                t.name: t
                for t in db.session.scalars(select(Team).where(Team.campaign_id == campaign.id))
            }

    def agency(self, value: str) -> Agency | None:
        return self.agencies.get(value) or self.agencies.get(value.lower())


def office_ref_taken(campaign: Campaign, office_ref: str) -> bool:
    return bool(
        db.session.scalar(
            select(Item.id).where(Item.campaign_id == campaign.id, Item.office_ref == office_ref)
        )
    )


def check(campaign: Campaign, ledger: LedgerFile) -> Plan:
    """Resolve every row; list every problem (row, column as written, reason)."""
    plan = Plan(problems=list(ledger.problems))
    if plan.problems:  # the header is wrong: the rows cannot be read meaningfully
        return plan
    if not ledger.rows:
        plan.problems.append(Problem(2, "", _("The file has no rows under its header.")))
        return plan
    directory = Directory(campaign)
    used_refs = set(
        db.session.scalars(
            select(Item.office_ref).where(
                Item.campaign_id == campaign.id, Item.office_ref.is_not(None)
            )
        )
    )
    seen_refs: dict[str, int] = {}
    for number, cells in ledger.rows:
        problems: list[Problem] = []

        def problem(key, reason, _number=number, _problems=problems):
            _problems.append(Problem(_number, ledger.headers.get(key, key), reason))

        def text(key, _cells=cells):
            value = _cells.get(key)
            if isinstance(value, date):
                return value.isoformat()
            return (value or "").strip()

        for column in COLUMNS:
            value = text(column.key)
            if column.required and not value:
                problem(column.key, _("Required; this cell is empty."))
            elif column.max_length and len(value) > column.max_length:
                problem(column.key, _("Longer than %(max)s characters.", max=column.max_length))

        office_ref = text("office_ref") or None
        if office_ref:
            if office_ref in used_refs:
                problem("office_ref", _("This number is already used in the campaign."))
            elif office_ref in seen_refs:
                problem(
                    "office_ref",
                    _("The same number is on row %(row)s of this file.", row=seen_refs[office_ref]),
                )
            else:
                seen_refs[office_ref] = number
        credit_code = None
        try:
            credit_code = normalize_credit_code(text("credit_code"))
        except ValidationFailed as error:
            if error.fields.get("credit_code") == "checksum":
                problem("credit_code", _("The check character (the last one) is wrong."))
            else:
                problem("credit_code", _("Not an 18-character unified social credit code."))
        district = directory.districts.get(text("district"))
        if text("district") and district is None:
            problem("district", _("No district or county with this name or code."))
        town = None
        if text("town") and district is not None:
            town = directory.towns.get((district.id, text("town")))
            if town is None:
                problem("town", _("No town of this name in the district."))
        category = directory.categories.get(text("category"))
        if text("category") and category is None:
            problem("category", _("Not one of the campaign's categories."))
        severity = SEVERITIES.get(text("severity").lower() or "general")
        if severity is None:
            problem("severity", _("Use general / 一般 or major / 重大."))
        listing = LISTINGS.get(text("listing_level").lower() or "none")
        if listing is None:
            problem(
                "listing_level",
                _("Use none / 无, district / 区县, city / 市级 or province / 省级."),
            )
        lead = directory.agency(text("lead_agency")) if text("lead_agency") else None
        if text("lead_agency") and lead is None:
            problem("lead_agency", _("No agency with this code or name."))
        co_agencies = []
        for name in filter(None, (n.strip() for n in AGENCY_SEPARATORS.split(text("co_agencies")))):
            agency = directory.agency(name)
            if agency is None:
                problem("co_agencies", _("No agency with the code or name “%(name)s”.", name=name))
            else:
                co_agencies.append(agency)
        deadline = _date(cells.get("deadline"))
        if text("deadline") and deadline is None:
            problem("deadline", _("Not a date written YYYY-MM-DD."))
        team = directory.teams.get(text("team"))
        if text("team") and team is None:
            problem("team", _("No team of this name in the campaign."))
        if problems:
            plan.problems.extend(problems)
            continue
        plan.items.append(
            PlannedItem(
                row=number,
                office_ref=office_ref,
                target_name=text("target"),
                credit_code=credit_code,
                district=district,
                town=town,
                category=category,
                title=text("title"),
                description=text("description"),
                severity=severity,
                listing_level=listing,
                lead_agency=lead,
                co_agencies=co_agencies,
                deadline=deadline,
                team=team,
            )
        )
    if not plan.problems:
        _match_targets(plan)
    return plan


def _date(value) -> date | None:
    if isinstance(value, date):
        return value
    value = (value or "").strip()
    if not ISO_DATE.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _chunks(values: list, size: int = CHUNK):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _match_targets(plan: Plan) -> None:
    """Find the targets the rows name (by credit code, else by name in the region) in a few
    queries, and note which are new."""
    codes = sorted({p.credit_code for p in plan.items if p.credit_code})
    names = sorted({p.target_name for p in plan.items})
    by_code, by_name = {}, {}
    for chunk in _chunks(codes):
        for target in db.session.scalars(select(Target).where(Target.credit_code.in_(chunk))):
            by_code[target.credit_code] = target
    for chunk in _chunks(names):
        for target in db.session.scalars(
            select(Target).where(Target.name.in_(chunk)).order_by(Target.id)
        ):
            by_name.setdefault((target.name, target.region_id), target)
    for planned in plan.items:
        region = planned.town or planned.district
        found = by_code.get(planned.credit_code) if planned.credit_code else None
        found = found or by_name.get((planned.target_name, region.id))
        if found is not None:
            plan.existing_targets[planned.target_key] = found.id
            if planned.credit_code and not found.credit_code:
                plan.codes_to_add[found.id] = planned.credit_code
        else:
            plan.new_targets.setdefault(planned.target_key, planned)


def preview(campaign: Campaign, filename: str, content: bytes) -> Plan:
    """Read and check a file without changing anything."""
    return check(campaign, read(filename, content))


def import_ledger(
    campaign: Campaign,
    *,
    by,
    filename: str,
    content: bytes,
    on_item: Callable[[int], None] | None = None,
) -> LedgerImport:
    """Flag every row of the file as an item of the campaign, or refuse the file whole."""
    digest = sha256(content)
    if already_imported(campaign, digest):
        raise AlreadyImported(_("This file has already been imported into this campaign."))
    plan = preview(campaign, filename, content)
    if plan.problems:
        raise FileRejected(plan.problems)
    record = LedgerImport(
        campaign_id=campaign.id,
        sha256=digest,
        filename=(filename or "ledger")[:255],
        row_count=plan.rows,
        imported_by_id=getattr(by, "id", None),
    )
    db.session.add(record)
    try:
        db.session.flush()
    except IntegrityError as error:  # the same file, imported by someone else just now
        db.session.rollback()
        raise AlreadyImported(
            _("This file has already been imported into this campaign.")
        ) from error
    _write_items(campaign, plan, record, by=by, on_item=on_item)
    audit.record(
        "ledger_imported",
        actor=by,
        obj=record,
        campaign=campaign.code,
        filename=record.filename,
        rows=plan.rows,
        new_targets=len(plan.new_targets),
    )
    db.session.flush()
    return record


# --- Writing -----------------------------------------------------------------------------------


def _insert(model_or_table, rows: list[dict], returning=None) -> list:
    """Insert rows in batches (executemany / multi-row VALUES; COPY on PostgreSQL); the new
    ids in row order."""
    model_or_table = getattr(model_or_table, "__table__", model_or_table)
    if rows and on_postgresql():
        return _copy(model_or_table, rows, returning)
    ids = []
    for chunk in _chunks(rows, WRITE_BATCH):
        if returning is None:
            db.session.execute(insert(model_or_table), chunk)
        else:
            statement = insert(model_or_table).returning(
                model_or_table.c[returning], sort_by_parameter_order=True
            )
            ids.extend(db.session.execute(statement, chunk).scalars().all())
    return ids


def _copy_value(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _copy(table, rows: list[dict], returning=None) -> list:
    """PostgreSQL: the rows in one COPY stream, in the session's transaction. A multi-row
    INSERT of 10,000 items binds a quarter of a million parameters and took 16 s on the
    benchmark's machine (issue 7, docs/PERFORMANCE.md). Ids are drawn from the table's
    sequence first, in row order; Python-side column defaults are applied here, as
    SQLAlchemy's INSERT would."""
    connection = db.session.connection()
    ids = []
    if returning is not None:
        ids = list(
            connection.execute(
                sql_text(
                    "SELECT nextval(pg_get_serial_sequence(:t, :c)) FROM generate_series(1, :n)"
                ),
                {"t": table.name, "c": returning, "n": len(rows)},
            ).scalars()
        )
        rows = [row | {returning: new_id} for row, new_id in zip(rows, ids, strict=True)]
    names = list(rows[0])
    defaults = {
        c.name: c.default.arg
        for c in table.columns
        if c.name not in names and c.default is not None and not c.default.is_sequence
    }
    names += list(defaults)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            values = [row[name] for name in names[: len(names) - len(defaults)]]
            values += [arg(None) if callable(arg) else arg for arg in defaults.values()]
            copy.write_row([_copy_value(v) for v in values])
    return ids


def _write_items(campaign: Campaign, plan: Plan, record: LedgerImport, *, by, on_item=None):
    """Write what flag_item writes for each row (the item with its ref, its co-agencies, the
    FLAGGED timeline entry, the audit entry; new targets as find_or_create_target would), but
    in batches: flag_item's per-item flush costs milliseconds a row, a 10,000-row ledger must
    import in seconds."""
    now, today = clock.now(), clock.today()
    actor_id, actor_agency_id = getattr(by, "id", None), getattr(by, "agency_id", None)
    address = request.remote_addr if has_request_context() else None

    def audit_row(action, object_type, object_id, **details):
        return {
            "at": now,
            "actor_id": actor_id,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "address": address,
            "details": details,
        }

    target_ids = dict(plan.existing_targets)
    for target_id, code in plan.codes_to_add.items():
        db.session.execute(update(Target).where(Target.id == target_id).values(credit_code=code))
    new = list(plan.new_targets.items())
    created = _insert(
        Target,
        [
            {
                "name": p.target_name,
                "region_id": (p.town or p.district).id,
                "credit_code": p.credit_code,
                "kind": TargetKind.ENTERPRISE,
                "created_at": now,
            }
            for _key, p in new
        ],
        returning="id",
    )
    target_ids |= {key: target_id for (key, _p), target_id in zip(new, created, strict=True)}
    audits = [audit_row("target_created", "targets", target_id) for target_id in created]

    last = db.session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id)
        .values(item_seq=Campaign.item_seq + plan.rows)
        .returning(Campaign.item_seq)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    first = last - plan.rows + 1
    refs = [f"{campaign.code}-{seq:04d}" for seq in range(first, last + 1)]
    done = 0
    for chunk_start in range(0, plan.rows, WRITE_BATCH):
        chunk = plan.items[chunk_start : chunk_start + WRITE_BATCH]
        chunk_refs = refs[chunk_start : chunk_start + WRITE_BATCH]
        item_ids = _insert(
            Item,
            [
                {
                    "campaign_id": campaign.id,
                    "seq": first + chunk_start + i,
                    "ref": ref,
                    "office_ref": p.office_ref,
                    "target_id": target_ids[p.target_key],
                    "district_id": p.district.id,
                    "town_id": p.town.id if p.town else None,
                    "category_id": p.category.id,
                    "title": p.title,
                    "description": p.description,
                    "severity": p.severity,
                    "listing_level": p.listing_level,
                    "listing_doc_no": None,
                    "lead_agency_id": p.lead_agency.id,
                    "team_id": p.team.id,
                    "flagged_by_id": actor_id,
                    "flagged_at": now,
                    "flagged_on": today,
                    "original_deadline": p.deadline,
                    "deadline": p.deadline,
                    "status": Status.ASSIGNED,
                    "relapse_count": 0,
                    "import_id": record.id,
                    "updated_at": now,
                    "version": 1,
                }
                for i, (p, ref) in enumerate(zip(chunk, chunk_refs, strict=True))
            ],
            returning="id",
        )
        co_rows, entries = [], []
        for p, item_id, ref in zip(chunk, item_ids, chunk_refs, strict=True):
            co = sorted(
                {a.id: a for a in p.co_agencies if a.id != p.lead_agency.id}.values(),
                key=lambda a: a.code,
            )
            co_rows += [{"item_id": item_id, "agency_id": a.id} for a in co]
            entries.append(
                {
                    "item_id": item_id,
                    "at": now,
                    "actor_id": actor_id,
                    "actor_agency_id": actor_agency_id,
                    "kind": EntryKind.FLAGGED,
                    "to_status": Status.ASSIGNED,
                    "note": "",
                    "data": {
                        "lead_agency": p.lead_agency.code,
                        "deadline": p.deadline.isoformat(),
                        "co_agencies": [a.code for a in co],
                        "ledger_import": record.id,
                    },
                }
            )
            audits.append(audit_row("item_flagged", "items", item_id, ref=ref))
        _insert(item_co_agencies, co_rows)
        _insert(TimelineEntry, entries)
        _insert(AuditEntry, audits)
        audits = []
        done += len(chunk)
        if on_item is not None:
            on_item(done)
