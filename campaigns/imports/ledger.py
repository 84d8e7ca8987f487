"""Reading a ledger file (CONTRACTS C4): its columns, CSV or XLSX, safely.

A file is read whole into rows of text before anything is checked: headers in English keys or
Chinese headers, spreadsheet row numbers kept for the problem list. XLSX files are opened only
after their zip directory has been checked (a "zip bomb" is refused before openpyxl sees it);
openpyxl parses with defusedxml (installed), so XML entity tricks are refused too.
"""

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import load_workbook

from portal.uploads import has_folder_path

MAX_ROWS = 50_000
MAX_UNCOMPRESSED_BYTES = 250 * 1024 * 1024
MAX_MEMBER_RATIO = 100  # uncompressed : compressed, for members over a megabyte
MAX_MEMBERS = 1_000


@dataclass(frozen=True)
class LedgerColumn:
    key: str
    zh: str
    required: bool
    max_length: int | None = None


COLUMNS = [
    LedgerColumn("office_ref", "编号", False, 60),
    LedgerColumn("target", "检查对象", True, 200),
    LedgerColumn("credit_code", "统一社会信用代码", False),
    LedgerColumn("district", "区县", True),
    LedgerColumn("town", "镇街", False),
    LedgerColumn("category", "问题类别", True),
    LedgerColumn("title", "问题", True, 200),
    LedgerColumn("description", "问题描述", False, 10_000),
    LedgerColumn("severity", "等级", False),
    LedgerColumn("listing_level", "挂牌级别", False),
    LedgerColumn("lead_agency", "责任单位", True),
    LedgerColumn("co_agencies", "协办单位", False),
    LedgerColumn("deadline", "整改时限", True),
    LedgerColumn("team", "督导组", True),
]
BY_HEADER = {c.key: c for c in COLUMNS} | {c.zh: c for c in COLUMNS}


@dataclass
class Problem:
    row: int  # the spreadsheet's row number (the header is row 1)
    column: str  # the header as written in the file ("" for the whole file)
    reason: str


@dataclass
class LedgerFile:
    headers: dict[str, str] = field(default_factory=dict)  # key -> header as written
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


class UnreadableFile(Exception):
    """The file cannot be read at all (not UTF-8 CSV, not a sound XLSX, too big, a folder path
    in its name)."""


def is_xlsx(filename: str, content: bytes) -> bool:
    return filename.lower().endswith(".xlsx") or content[:4] == b"PK\x03\x04"


def read(filename: str, content: bytes) -> LedgerFile:
    """The file's header and rows (cell values as text, dates or None), or UnreadableFile."""
    if has_folder_path(filename):
        raise UnreadableFile(
            _(
                "The file name holds a folder path (such as ../). Rename the file and upload it again."
            )
        )
    table = _xlsx_rows(content) if is_xlsx(filename, content) else _csv_rows(content)
    ledger = LedgerFile()
    header = next(table, None)
    if header is None:
        raise UnreadableFile(_("The file is empty: the first row must hold the column headers."))
    positions: dict[int, str] = {}
    for index, raw in enumerate(header):
        name = _text(raw)
        if not name:
            continue
        column = BY_HEADER.get(name) or BY_HEADER.get(name.lower())
        if column is None:
            ledger.problems.append(Problem(1, name, _("Unknown column.")))
        elif column.key in ledger.headers:
            ledger.problems.append(Problem(1, name, _("This column appears twice.")))
        else:
            ledger.headers[column.key] = name
            positions[index] = column.key
    for column in COLUMNS:
        if column.required and column.key not in ledger.headers:
            ledger.problems.append(
                Problem(1, column.key, _("Required column missing (%(zh)s).", zh=column.zh))
            )
    for number, values in enumerate(table, start=2):
        cells = {key: _cell(values[i]) for i, key in positions.items() if i < len(values)}
        if all(v in (None, "") for v in cells.values()):
            continue  # blank rows are not items
        if len(ledger.rows) >= MAX_ROWS:
            raise UnreadableFile(
                _("The file has more than %(max)s rows; split it into smaller files.", max=MAX_ROWS)
            )
        ledger.rows.append((number, cells))
    return ledger


def _text(value) -> str:
    return "" if value is None else str(value).strip().lstrip("\ufeff")


def _cell(value):
    """A cell as text, or a date for spreadsheet dates; whole numbers lose their '.0'."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _csv_rows(content: bytes):
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(
            _("The CSV file is not UTF-8. In Excel choose “CSV UTF-8” when saving, or upload XLSX.")
        ) from error
    if "\x00" in text:
        raise UnreadableFile(_("This is not a CSV or XLSX file."))
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        yield from reader
    except csv.Error as error:
        raise UnreadableFile(
            _("The CSV file is malformed near line %(line)s.", line=reader.line_num)
        ) from error


def check_archive(content: bytes) -> None:
    """Refuse an XLSX whose zip would unpack to far more than a ledger needs (a zip bomb)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as error:
        raise UnreadableFile(_("This is not a valid XLSX file.")) from error
    with archive:
        members = archive.infolist()
        total = sum(m.file_size for m in members)
        bomb = len(members) > MAX_MEMBERS or total > MAX_UNCOMPRESSED_BYTES
        for member in members:
            if member.file_size > 1024 * 1024 and (
                member.file_size > MAX_MEMBER_RATIO * max(member.compress_size, 1)
            ):
                bomb = True
    if bomb:
        raise UnreadableFile(
            _("The XLSX file unpacks to far more data than a ledger holds; it was refused.")
        )


def _xlsx_rows(content: bytes):
    check_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise UnreadableFile(_("This is not a valid XLSX file.")) from error
    try:
        sheet = workbook.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    except UnreadableFile:
        raise
    except Exception as error:
        raise UnreadableFile(_("This is not a valid XLSX file.")) from error
    finally:
        workbook.close()
