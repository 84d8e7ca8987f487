"""What each export holds (CONTRACTS C3): its columns and its rows, for CSV and for XLSX.

CSV cells hold stable values that scripts can rely on (codes, the district's Chinese name);
XLSX cells hold the names in the reader's language. Rows are limited to the items whose figures
the user may see (access.figures_scope): a liaison's file holds only their agency's rows.
"""

from collections.abc import Iterator
from datetime import date

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from campaigns.campaigns.models import Campaign, CampaignCategory
from campaigns.figures.queries import LISTING_LABELS, Grouping, Row, completion_table
from campaigns.items.labels import SEVERITY_LABELS
from campaigns.items.labels import STATUS_LABELS as STATE_LABELS
from campaigns.items.lifecycle import OPEN_STATES
from campaigns.items.models import Item, ListingLevel, TimelineEntry, item_co_agencies
from campaigns.reviews.models import CheckResult, Review, ReviewCheck
from campaigns.targets.models import Target
from campaigns.teams.models import Team
from portal import access, clock
from portal.accounts.models import User
from portal.directory.models import Agency, Region
from portal.exporting import Column, Kind, Sheet, ascii_filename, csv_response, xlsx_response
from portal.extensions import db

EXPORT_GROUPINGS = (
    Grouping.DISTRICT,
    Grouping.AGENCY,
    Grouping.TEAM,
    Grouping.CATEGORY,
    Grouping.LISTING_LEVEL,
)
GROUP_TITLES = {
    Grouping.DISTRICT: _l("District or county"),
    Grouping.AGENCY: _l("Lead agency"),
    Grouping.TEAM: _l("Team"),
    Grouping.CATEGORY: _l("Category"),
    Grouping.LISTING_LEVEL: _l("Listing level"),
}
RESULT_LABELS = {
    CheckResult.HOLDING: _l("Holding"),
    CheckResult.RELAPSED: _l("Relapsed"),
    CheckResult.NOT_RECTIFIED: _l("Not rectified"),
    CheckResult.FALSE_RECTIFICATION: _l("False rectification"),
}
LEDGER_BATCH = 500


def _english() -> bool:
    return str(get_locale() or "zh").startswith("en")


def _scope(campaign: Campaign, user):
    return and_(Item.campaign_id == campaign.id, access.figures_scope(user))


# --- Completion table --------------------------------------------------------------------------


def completion_columns(grouping: Grouping) -> list[Column]:
    return [
        Column("group", GROUP_TITLES[grouping], Kind.TEXT, 30),
        Column("items", _l("Items"), Kind.INT, 10),
        Column("verified", _l("Verified"), Kind.INT, 10),
        Column("open", _l("Open"), Kind.INT, 10),
        Column("overdue", _l("Overdue"), Kind.INT, 10),
        Column("completion_rate", _l("Completion rate"), Kind.PERCENT, 16),
        Column("on_time_rate", _l("On-time rate"), Kind.PERCENT, 14),
    ]


def csv_group(row: Row, grouping: Grouping) -> str:
    """The stable `group` value of a CSV row (README: district name in Chinese, agency code,
    team name, category code, listing level code)."""
    if row.key == "TOTAL":
        return "TOTAL"
    if grouping in (Grouping.DISTRICT, Grouping.TEAM):
        return row.label_zh
    return row.key


def _figures(row: Row, group: str) -> tuple:
    return (
        group,
        row.items,
        row.verified,
        row.open,
        row.overdue,
        row.completion_rate,
        row.on_time_rate,
    )


def completion_download(campaign: Campaign, user, *, by: str, as_of: date, fmt: str):
    grouping = Grouping(by)
    table = completion_table(_scope(campaign, user), by=grouping, as_of=as_of)
    columns = completion_columns(grouping)
    filename = ascii_filename(campaign.code, "completion", grouping, as_of.isoformat(), ext=fmt)
    if fmt == "csv":
        rows = [_figures(r, csv_group(r, grouping)) for r in [*table.rows, table.total]]
        return csv_response(filename, columns, rows)
    locale = "en" if _english() else "zh"
    rows = [_figures(r, r.label(locale)) for r in [*table.rows, table.total]]
    return xlsx_response(filename, [Sheet(f"{campaign.code} {as_of}", columns, rows)])


# --- Item ledger (台账) ------------------------------------------------------------------------

LEDGER_COLUMNS = [
    Column("ref", _l("Ref"), Kind.TEXT, 16),
    Column("office_ref", _l("Office number"), Kind.TEXT, 14),
    Column("target", _l("Target"), Kind.TEXT, 28),
    Column("credit_code", _l("Credit code"), Kind.TEXT, 22),
    Column("district", _l("District or county"), Kind.TEXT, 12),
    Column("town", _l("Town"), Kind.TEXT, 14),
    Column("category", _l("Category"), Kind.TEXT, 18),
    Column("title", _l("Problem"), Kind.TEXT, 36),
    Column("description", _l("Description"), Kind.TEXT, 40),
    Column("severity", _l("Severity"), Kind.TEXT, 10),
    Column("listing_level", _l("Listing level"), Kind.TEXT, 14),
    Column("listing_doc_no", _l("Listing document number"), Kind.TEXT, 18),
    Column("lead_agency", _l("Lead agency"), Kind.TEXT, 20),
    Column("co_agencies", _l("Co-agencies"), Kind.TEXT, 24),
    Column("team", _l("Team"), Kind.TEXT, 16),
    Column("original_deadline", _l("Original deadline"), Kind.DATE, 13),
    Column("deadline", _l("Deadline"), Kind.DATE, 13),
    Column("status", _l("State"), Kind.TEXT, 12),
    Column("flagged_at", _l("Flagged at"), Kind.DATETIME, 17),
    Column("verified_at", _l("Verified at"), Kind.DATETIME, 17),
    Column("overdue", _l("Overdue"), Kind.BOOL, 9),
    Column("relapses", _l("Relapses"), Kind.INT, 9),
    Column("last_entry_at", _l("Latest entry at"), Kind.DATETIME, 17),
    Column("last_entry_by", _l("Latest entry by"), Kind.TEXT, 14),
    Column("last_entry_action", _l("Latest entry"), Kind.TEXT, 16),
    Column("last_entry_note", _l("Latest entry note"), Kind.TEXT, 40),
]


def ledger_query(campaign: Campaign, user):
    """Every item of the campaign in scope with its latest timeline entry: ONE query.

    The latest entry comes from a max(id) per item subquery, the co-agencies from a string
    aggregate per item; nothing is loaded item by item.
    """
    district, town, actor = aliased(Region), aliased(Region), aliased(User)
    in_campaign = select(Item.id).where(Item.campaign_id == campaign.id)
    latest = (
        select(TimelineEntry.item_id, func.max(TimelineEntry.id).label("entry_id"))
        .where(TimelineEntry.item_id.in_(in_campaign))
        .group_by(TimelineEntry.item_id)
        .subquery()
    )
    co = (
        select(
            item_co_agencies.c.item_id,
            func.aggregate_strings(Agency.code, ";").label("codes"),
            func.aggregate_strings(Agency.name_zh, "、").label("names_zh"),
            func.aggregate_strings(Agency.name_en, "; ").label("names_en"),
        )
        .join(Agency, Agency.id == item_co_agencies.c.agency_id)
        .where(item_co_agencies.c.item_id.in_(in_campaign))
        .group_by(item_co_agencies.c.item_id)
        .subquery()
    )
    return (
        select(
            Item.ref,
            Item.office_ref,
            Target.name.label("target"),
            Target.credit_code,
            district.name_zh.label("district_zh"),
            district.name_en.label("district_en"),
            town.name_zh.label("town_zh"),
            town.name_en.label("town_en"),
            CampaignCategory.code.label("category"),
            CampaignCategory.name_zh.label("category_zh"),
            CampaignCategory.name_en.label("category_en"),
            Item.title,
            Item.description,
            Item.severity,
            Item.listing_level,
            Item.listing_doc_no,
            Agency.code.label("lead_agency"),
            Agency.name_zh.label("lead_agency_zh"),
            Agency.name_en.label("lead_agency_en"),
            co.c.codes,
            co.c.names_zh,
            co.c.names_en,
            Team.name.label("team"),
            Item.original_deadline,
            Item.deadline,
            Item.status,
            Item.flagged_at,
            Item.verified_at,
            Item.relapse_count,
            TimelineEntry.at.label("last_at"),
            actor.display_name.label("last_by"),
            func.coalesce(TimelineEntry.action, TimelineEntry.kind).label("last_action"),
            TimelineEntry.note.label("last_note"),
        )
        .select_from(Item)
        .join(Target, Target.id == Item.target_id)
        .join(district, district.id == Item.district_id)
        .outerjoin(town, town.id == Item.town_id)
        .join(CampaignCategory, CampaignCategory.id == Item.category_id)
        .join(Agency, Agency.id == Item.lead_agency_id)
        .join(Team, Team.id == Item.team_id)
        .outerjoin(co, co.c.item_id == Item.id)
        .outerjoin(latest, latest.c.item_id == Item.id)
        .outerjoin(TimelineEntry, TimelineEntry.id == latest.c.entry_id)
        .outerjoin(actor, actor.id == TimelineEntry.actor_id)
        .where(_scope(campaign, user))
        .order_by(Item.seq)
    )


def _sorted_codes(joined: str | None, sep: str) -> str:
    return sep.join(sorted(joined.split(sep))) if joined else ""


def ledger_rows(campaign: Campaign, user, *, human: bool) -> Iterator[tuple]:
    """The ledger's rows, read from the database in batches (a server-side cursor on
    PostgreSQL), so memory stays flat however many items there are."""
    today = clock.today()
    english = human and _english()
    result = db.session.execute(
        ledger_query(campaign, user).execution_options(yield_per=LEDGER_BATCH)
    )
    for r in result:
        overdue = r.status in OPEN_STATES and r.deadline < today
        if human:
            district = (r.district_en or r.district_zh) if english else r.district_zh
            town = ((r.town_en or r.town_zh) if english else r.town_zh) or ""
            category = r.category_en if english else r.category_zh
            severity = str(SEVERITY_LABELS[r.severity])
            listing = LISTING_LABELS[ListingLevel(r.listing_level)][1 if english else 0]
            lead = r.lead_agency_en if english else r.lead_agency_zh
            co = _sorted_codes(r.names_en, "; ") if english else _sorted_codes(r.names_zh, "、")
            status = str(STATE_LABELS[r.status])
        else:
            district, town, category = r.district_zh, r.town_zh or "", r.category
            severity, listing, lead = r.severity, r.listing_level, r.lead_agency
            co, status = _sorted_codes(r.codes, ";"), r.status
        yield (
            r.ref,
            r.office_ref,
            r.target,
            r.credit_code,
            district,
            town,
            category,
            r.title,
            r.description,
            severity,
            listing,
            r.listing_doc_no,
            lead,
            co,
            r.team,
            r.original_deadline,
            r.deadline,
            status,
            r.flagged_at,
            r.verified_at,
            overdue,
            r.relapse_count,
            r.last_at,
            r.last_by,
            r.last_action,
            r.last_note,
        )


def ledger_download(campaign: Campaign, user, *, fmt: str):
    filename = ascii_filename(campaign.code, "ledger", clock.today().isoformat(), ext=fmt)
    if fmt == "csv":
        return csv_response(filename, LEDGER_COLUMNS, ledger_rows(campaign, user, human=False))
    rows = ledger_rows(campaign, user, human=True)
    return xlsx_response(filename, [Sheet(campaign.code, LEDGER_COLUMNS, rows)])


# --- Look-back results (回头看) ---------------------------------------------------------------

REVIEW_COLUMNS = [
    Column("ref", _l("Ref"), Kind.TEXT, 16),
    Column("target", _l("Target"), Kind.TEXT, 28),
    Column("district", _l("District or county"), Kind.TEXT, 12),
    Column("team", _l("Team"), Kind.TEXT, 16),
    Column("result", _l("Result"), Kind.TEXT, 16),
    Column("note", _l("Note"), Kind.TEXT, 40),
    Column("new_deadline", _l("New deadline"), Kind.DATE, 13),
    Column("checked_by", _l("Checked by"), Kind.TEXT, 14),
    Column("checked_at", _l("Checked at"), Kind.DATETIME, 17),
]


def review_rows(campaign: Campaign, user, *, human: bool) -> Iterator[tuple]:
    """One row per look-back check of the campaign's review (none before it opens)."""
    english = human and _english()
    query = (
        select(
            Item.ref,
            Target.name,
            Region.name_zh,
            Region.name_en,
            Team.name,
            ReviewCheck.result,
            ReviewCheck.note,
            ReviewCheck.new_deadline,
            User.display_name,
            ReviewCheck.checked_at,
        )
        .select_from(ReviewCheck)
        .join(Review, Review.id == ReviewCheck.review_id)
        .join(Item, Item.id == ReviewCheck.item_id)
        .join(Target, Target.id == Item.target_id)
        .join(Region, Region.id == Item.district_id)
        .join(Team, Team.id == ReviewCheck.team_id)
        .outerjoin(User, User.id == ReviewCheck.checked_by_id)
        .where(Review.campaign_id == campaign.id, _scope(campaign, user))
        .order_by(Item.seq)
        .execution_options(yield_per=LEDGER_BATCH)
    )
    for ref, target, d_zh, d_en, team, result, note, new_deadline, by, at in db.session.execute(
        query
    ):
        if human:
            district = (d_en or d_zh) if english else d_zh
            shown = str(RESULT_LABELS[result]) if result else str(_l("Not checked"))
        else:
            district, shown = d_zh, result or ""
        yield (ref, target, district, team, shown, note, new_deadline, by, at)


def review_download(campaign: Campaign, user, *, fmt: str):
    filename = ascii_filename(campaign.code, "review", clock.today().isoformat(), ext=fmt)
    if fmt == "csv":
        return csv_response(filename, REVIEW_COLUMNS, review_rows(campaign, user, human=False))
    rows = review_rows(campaign, user, human=True)
    return xlsx_response(filename, [Sheet(campaign.code, REVIEW_COLUMNS, rows)])
