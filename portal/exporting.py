"""The one export helper every download uses (CONTRACTS C3): CSV and XLSX.

- CSV: UTF-8 with a byte-order mark (so Excel reads Chinese text), RFC 4180 quoting (the csv
  module), streamed in batches of rows so a big ledger never sits in memory.
- XLSX: openpyxl's write-only mode (rows go straight to the file), a frozen header row, column
  widths, dates as dates, counts as numbers and rates as numbers shown as percentages.
- Every text cell is guarded against formula injection: one that begins with =, +, -, @, a tab,
  CR or LF gets a leading apostrophe, so a spreadsheet shows it as text and never runs it.

A column says what kind of value it holds; the same rows feed both formats.
"""

import csv
import enum
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask import Response, send_file, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from portal import clock

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")
CSV_BATCH_ROWS = 500
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_IN_MEMORY_BYTES = 8 * 1024 * 1024  # larger workbooks spill to a temporary file
_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]+")


class Kind(enum.StrEnum):
    TEXT = "text"
    INT = "int"
    PERCENT = "percent"  # a Decimal percentage (93.59), or None when undefined
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"  # an aware UTC datetime, written in the portal's time zone
    BOOL = "bool"


@dataclass(frozen=True)
class Column:
    """One column: its stable CSV key, its header in the user's language (XLSX), its kind."""

    key: str
    title: object  # a (lazy) translated string
    kind: Kind = Kind.TEXT
    width: int = 14


@dataclass
class Sheet:
    title: str
    columns: Sequence[Column]
    rows: Iterable[Sequence]


def guard(text: str) -> str:
    """Neutralise a text cell that a spreadsheet would read as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def ascii_filename(*parts: str, ext: str) -> str:
    """A safe ASCII download name from its parts: `WS2026-completion-district-2026-05-01.csv`."""
    stem = "-".join(_UNSAFE_FILENAME.sub("_", str(p)).strip("._") for p in parts if p)
    return f"{stem or 'export'}.{ext}"


def _local(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(clock.zone()).replace(tzinfo=None)


# --- CSV ---------------------------------------------------------------------------------------


def csv_converter(kind: Kind, zone=None):
    """The function that writes a non-empty value of this kind as CSV text (chosen once per
    column, not per cell: a 200,000-row ledger has five million cells)."""
    if kind == Kind.PERCENT or kind == Kind.DECIMAL:
        return lambda value: f"{Decimal(value):f}"
    if kind == Kind.INT:
        return lambda value: str(int(value))
    if kind == Kind.BOOL:
        return lambda value: "1" if value else "0"
    if kind == Kind.DATE:
        return date.isoformat
    if kind == Kind.DATETIME:
        zone = zone or clock.zone()

        def local_time(value: datetime) -> str:
            if value.tzinfo is not None:
                value = value.astimezone(zone)
            return value.isoformat(" ", "seconds")[:19]

        return local_time
    return lambda value: guard(str(value))


def csv_value(value, kind: Kind) -> str:
    return "" if value is None else csv_converter(kind)(value)


def csv_lines(columns: Sequence[Column], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text in chunks: BOM and header first, then batches of rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([c.key for c in columns])
    yield BOM + buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    zone = clock.zone()
    converters = [csv_converter(c.kind, zone) for c in columns]
    pending = 0
    for row in rows:
        writer.writerow(["" if v is None else f(v) for v, f in zip(row, converters, strict=True)])
        pending += 1
        if pending >= CSV_BATCH_ROWS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    if pending:
        yield buffer.getvalue()


def csv_response(filename: str, columns: Sequence[Column], rows: Iterable[Sequence]) -> Response:
    """A streamed CSV download; `rows` may be a generator reading the database as it goes."""
    response = Response(stream_with_context(csv_lines(columns, rows)), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- XLSX --------------------------------------------------------------------------------------

_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="EEF1F6")
_NUMBER_FORMATS = {
    Kind.INT: "0",
    Kind.PERCENT: "0.00%",
    Kind.DECIMAL: "0.0",
    Kind.DATE: "yyyy-mm-dd",
    Kind.DATETIME: "yyyy-mm-dd hh:mm",
}


def xlsx_value(value, kind: Kind):
    if value is None:
        return None
    if kind == Kind.PERCENT:
        return float(Decimal(value) / 100)
    if kind == Kind.DECIMAL:
        return float(value)
    if kind == Kind.INT:
        return int(value)
    if kind == Kind.BOOL:
        return bool(value)
    if kind == Kind.DATE:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    if kind == Kind.DATETIME:
        return _local(value)
    return guard(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _sheet_title(title: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", " ", str(title))[:31] or "Sheet"


def write_workbook(sheets: Sequence[Sheet], target) -> None:
    """Write the sheets to `target` (a path or a binary file) in write-only mode."""
    workbook = Workbook(write_only=True)
    for sheet in sheets:
        ws = workbook.create_sheet(_sheet_title(sheet.title))
        for index, column in enumerate(sheet.columns, start=1):
            ws.column_dimensions[get_column_letter(index)].width = column.width
        ws.freeze_panes = "A2"
        header = []
        for column in sheet.columns:
            cell = WriteOnlyCell(ws, value=str(column.title))
            cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
            cell.alignment = Alignment(vertical="center", wrap_text=True)
            header.append(cell)
        ws.append(header)
        for row in sheet.rows:
            cells = []
            for value, column in zip(row, sheet.columns, strict=True):
                cell = WriteOnlyCell(ws, value=xlsx_value(value, column.kind))
                if column.kind in _NUMBER_FORMATS:
                    cell.number_format = _NUMBER_FORMATS[column.kind]
                cells.append(cell)
            ws.append(cells)
    workbook.save(target)


def xlsx_response(filename: str, sheets: Sequence[Sheet]) -> Response:
    """An XLSX download; the workbook is written to a spooled temporary file, not kept in RAM."""
    spool = tempfile.SpooledTemporaryFile(max_size=XLSX_IN_MEMORY_BYTES)  # noqa: SIM115
    write_workbook(sheets, spool)
    spool.seek(0)
    return send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)
