"""Campaigns: create, edit, and the default categories of each kind."""

import csv
import re
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import func, select

from campaigns.campaigns.models import Campaign, CampaignCategory, CampaignKind, ReviewScope
from portal import audit
from portal.accounts.models import Role
from portal.errors import StaleVersion, ValidationFailed
from portal.extensions import db

CODE_PATTERN = re.compile(r"^[A-Z][A-Z0-9]{1,15}$")
DATA = Path(__file__).resolve().parent / "data" / "categories.csv"


@cache
def default_categories(kind: str) -> tuple[tuple[str, str, str], ...]:
    """(code, Chinese name, English name) of the categories a kind of campaign starts with."""
    with open(DATA, encoding="utf-8", newline="") as f:
        rows = [
            (r["code"], r["name_zh"], r["name_en"]) for r in csv.DictReader(f) if r["kind"] == kind
        ]
    return tuple(rows) or (("other", "其他", "Other"),)


def _check_dates(action_starts, action_ends, review_starts, review_days) -> dict:
    problems = {}
    if action_ends < action_starts:
        problems["action_ends"] = "before_start"
    if review_starts is not None and review_starts <= action_starts:
        problems["review_starts"] = "before_start"
    if not 1 <= review_days <= 366:
        problems["review_days"] = "range"
    return problems


def campaign_problems(
    *, code: str, action_starts, action_ends, review_days: int, review_starts=None
) -> dict[str, str]:
    """What is wrong with a new campaign, field by field."""
    code = code.strip().upper()
    problems = _check_dates(action_starts, action_ends, review_starts, review_days)
    if not CODE_PATTERN.match(code):
        problems["code"] = "format"
    elif db.session.scalar(select(Campaign.id).where(Campaign.code == code)):
        problems["code"] = "taken"
    return problems


def create_campaign(
    *,
    by,
    code: str,
    title: str,
    kind: str,
    lead_agency,
    agencies=(),
    leads=(),
    action_starts,
    action_ends,
    review_days: int = 30,
    review_scope: str = ReviewScope.LISTED,
    review_starts=None,
    categories=None,
    description: str = "",
) -> Campaign:
    code = code.strip().upper()
    problems = campaign_problems(
        code=code,
        action_starts=action_starts,
        action_ends=action_ends,
        review_starts=review_starts,
        review_days=review_days,
    )
    if problems:
        raise ValidationFailed("invalid campaign", fields=problems)
    campaign = Campaign(
        code=code,
        title=title.strip(),
        kind=CampaignKind(kind),
        description=description or "",
        lead_agency=lead_agency,
        action_starts=action_starts,
        action_ends=action_ends,
        review_starts=review_starts or action_ends + timedelta(days=1),
        review_days=review_days,
        review_scope=ReviewScope(review_scope),
        created_by_id=getattr(by, "id", None),
    )
    campaign.agencies = sorted(
        {a.id: a for a in [lead_agency, *agencies]}.values(), key=lambda a: a.code
    )
    if by is not None and by.has_role(Role.LEAD):
        leads = [*leads, by]  # a lead who creates a campaign leads it
    campaign.leads = list({u.id: u for u in leads}.values())
    rows = categories if categories is not None else default_categories(campaign.kind)
    campaign.categories = [
        CampaignCategory(code=c, name_zh=zh, name_en=en, position=i)
        for i, (c, zh, en) in enumerate(rows)
    ]
    db.session.add(campaign)
    db.session.flush()
    audit.record("campaign_created", actor=by, obj=campaign, code=campaign.code)
    return campaign


def update_campaign(
    campaign: Campaign,
    *,
    by,
    version=None,
    title,
    description,
    lead_agency,
    agencies,
    leads,
    action_starts,
    action_ends,
    review_starts,
    review_days,
    review_scope,
) -> None:
    """Edit a campaign. Once its look-back has opened, its review dates stay as they were.

    Without a look-back start (or with the default one) the look-back opens the day after the
    action phase; a lead may bring it forward or move it until it opens. A lead cannot take themselves off the campaign
    (another lead or an admin can).
    """
    from campaigns.reviews.models import Review

    if version is not None and int(version) != campaign.version:
        raise StaleVersion("campaign changed")
    opened = db.session.scalar(select(Review.id).where(Review.campaign_id == campaign.id))
    day_after = timedelta(days=1)
    if not opened and review_starts == campaign.action_ends + day_after:
        review_starts = None  # it was the default: it follows the action phase's new end
    review_starts = review_starts or action_ends + day_after
    problems = _check_dates(action_starts, action_ends, review_starts, review_days)
    if opened and (review_starts != campaign.review_starts or review_days != campaign.review_days):
        problems["review_starts"] = "already_open"
    if _drops_self(by, leads):
        problems["leads"] = "self"
    if problems:
        raise ValidationFailed("invalid campaign", fields=problems)
    campaign.title, campaign.description = title.strip(), description or ""
    campaign.lead_agency = lead_agency
    campaign.agencies = sorted(
        {a.id: a for a in [lead_agency, *agencies]}.values(), key=lambda a: a.code
    )
    campaign.leads = list({u.id: u for u in leads}.values())
    campaign.action_starts, campaign.action_ends = action_starts, action_ends
    campaign.review_starts, campaign.review_days = review_starts, review_days
    campaign.review_scope = ReviewScope(review_scope)
    audit.record("campaign_updated", actor=by, obj=campaign)


def _drops_self(by, leads) -> bool:
    """A lead (not an admin) who would no longer lead the campaign after this change."""
    if by is None or by.is_admin or not by.has_role(Role.LEAD):
        return False
    return all(user.id != by.id for user in leads)


def category_usage(campaign: Campaign) -> dict[str, int]:
    """How many items use each category of the campaign (one grouped query)."""
    from campaigns.items.models import Item

    return dict(
        db.session.execute(
            select(CampaignCategory.code, func.count(Item.id))
            .join(Item, Item.category_id == CampaignCategory.id)
            .where(CampaignCategory.campaign_id == campaign.id)
            .group_by(CampaignCategory.code)
        ).all()
    )


def _new_code(name_en: str, taken: set[str]) -> str:
    """A code for a new category, from its English name (e.g. "Fire doors" → fire_doors)."""
    base = re.sub(r"[^a-z0-9]+", "_", (name_en or "").lower()).strip("_")[:30] or "category"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}_{n}"
    return code


def save_categories(campaign: Campaign, rows, *, by) -> None:
    """Replace the category list with `rows` (code, name_zh, name_en), in their order.

    A row without a code is a new category (its code made from the English name). Categories
    left out are removed, unless items use them. Names must be unique within the campaign.
    """
    rows = [
        ((code or "").strip(), zh.strip(), (en or "").strip() or zh.strip())
        for code, zh, en in rows
    ]
    problems = {}
    if not rows:
        problems["categories"] = "empty"
    names = [zh for _code, zh, _en in rows]
    if duplicates := sorted({n for n in names if names.count(n) > 1}):
        problems["duplicate"] = ",".join(duplicates)
    existing = {c.code: c for c in campaign.categories}
    wanted_codes = {code for code, _zh, _en in rows if code}
    if missing := set(category_usage(campaign)) - wanted_codes:
        problems["in_use"] = ",".join(sorted(missing))
    if problems:
        raise ValidationFailed("invalid categories", fields=problems)

    # Rows go in three steps so that the unique names never clash half-way (a removed name
    # given to a new row, or two names swapped): drop, park the renamed, then write.
    campaign.categories = [c for code, c in existing.items() if code in wanted_codes]
    db.session.flush()
    for category in campaign.categories:
        category.name_zh = f"#{category.id}#"
    db.session.flush()
    taken, placed = set(wanted_codes), set()
    kept = []
    for position, (code, zh, en) in enumerate(rows):
        if code in existing and code not in placed:
            category = existing[code]
        else:
            code = code if code and code not in taken else _new_code(en, taken)
            taken.add(code)
            category = CampaignCategory(code=code)
        placed.add(code)
        category.name_zh, category.name_en, category.position = zh, en, position
        kept.append(category)
    campaign.categories = kept
    db.session.flush()
    audit.record("categories_changed", actor=by, obj=campaign, codes=[c.code for c in kept])
