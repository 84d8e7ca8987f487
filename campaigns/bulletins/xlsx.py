"""A bulletin as an Excel workbook (openpyxl): one sheet per section, headers in the reader's
language. Text cells that a spreadsheet would take for a formula are prefixed with '."""

from io import BytesIO

from flask_babel import gettext as _
from openpyxl import Workbook

from campaigns.items.labels import STATUS_LABELS

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def _cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _percent(value):
    return None if value is None else float(value)


def workbook(bulletin, *, english: bool) -> bytes:
    c = bulletin.content
    lang = "en" if english else "zh"
    book = Workbook(write_only=True)

    def sheet(title, header, rows):
        ws = book.create_sheet(title[:31])
        ws.append([_cell(h) for h in header])
        for row in rows:
            ws.append([_cell(v) for v in row])

    t, w = c["totals"], c["week"]
    sheet(
        _("Summary"),
        [_("Figure"), _("Value")],
        [
            [_("Campaign"), f"{c['campaign']['code']} {c['campaign']['title']}"],
            [_("Week"), f"{c['first']} – {c['last']}"],
            [_("Items"), t["items"]],
            [_("Verified"), t["verified"]],
            [_("Open"), t["open"]],
            [_("Overdue"), t["overdue"]],
            [_("Relapsed"), t["relapsed"]],
            [_("Completion rate (%)"), _percent(t["rate"])],
            [_("Change since last week (points)"), _percent(t["change"])],
            [_("New this week"), w["new"]],
            [_("Verified this week"), w["verified"]],
            [_("Returned this week"), w["returned"]],
        ],
    )
    group_header = [
        _("Unit"),
        _("Items"),
        _("Verified"),
        _("Overdue"),
        _("Completion rate (%)"),
        _("Change (points)"),
    ]
    for title, rows in (
        (_("By district"), c["by_district"]),
        (_("By lead agency"), c["by_agency"]),
    ):
        sheet(
            title,
            group_header,
            [
                [
                    r[lang],
                    r["items"],
                    r["verified"],
                    r["overdue"],
                    _percent(r["rate"]),
                    _percent(r["change"]),
                ]
                for r in rows
            ],
        )
    sheet(
        _("Lagging behind"),
        group_header[:1] + [_("Overdue"), _("Completion rate (%)")],
        [[r[lang], r["overdue"], _percent(r["rate"])] for r in c["lagging"]],
    )
    item_header = [
        _("Item"),
        _("Title"),
        _("District"),
        _("Lead agency"),
        _("State"),
        _("Deadline"),
    ]

    def item_rows(rows):
        return [
            [
                r["ref"],
                r["title"],
                r[f"district_{lang}"],
                r[f"agency_{lang}"],
                str(STATUS_LABELS.get(r["status"], r["status"])),
                r["deadline"],
            ]
            for r in rows
        ]

    sheet(
        _("Listed items"),
        item_header + [_("Relapses")],
        [row + [r["relapses"]] for row, r in zip(item_rows(c["listed"]), c["listed"], strict=True)],
    )
    for title, key in (
        (_("New this week"), "new_items"),
        (_("Verified this week"), "verified_items"),
        (_("Returned this week"), "returned_items"),
        (_("Overdue"), "overdue_items"),
    ):
        sheet(title, item_header, item_rows(c[key]))
    sheet(
        _("Transfers pending"),
        [_("Item"), _("Title"), _("From"), _("To"), _("Proposed on"), _("Days waiting")],
        [
            [r["ref"], r["title"], r[f"from_{lang}"], r[f"to_{lang}"], r["proposed_on"], r["days"]]
            for r in c["transfers"]
        ],
    )
    out = BytesIO()
    book.save(out)
    return out.getvalue()
