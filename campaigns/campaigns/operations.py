"""Campaigns: create, edit, and the default categories of each kind."""

import csv
import re
from datetime import timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import select

from campaigns.campaigns.models import Campaign, CampaignCategory, CampaignKind, ReviewScope
from portal import audit
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
    problems = _check_dates(action_starts, action_ends, review_starts, review_days)
    if not CODE_PATTERN.match(code):
        problems["code"] = "format"
    elif db.session.scalar(select(Campaign.id).where(Campaign.code == code)):
        problems["code"] = "taken"
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
    """Edit a campaign. Once its look-back has opened, its review dates stay as they were."""
    from campaigns.reviews.models import Review

    if version is not None and int(version) != campaign.version:
        raise StaleVersion("campaign changed")
    problems = _check_dates(action_starts, action_ends, review_starts, review_days)
    opened = db.session.scalar(select(Review.id).where(Review.campaign_id == campaign.id))
    if opened and (review_starts != campaign.review_starts or review_days != campaign.review_days):
        problems["review_starts"] = "already_open"
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


def save_categories(campaign: Campaign, rows, *, by) -> None:
    """Replace the category list (rows of code, name_zh, name_en); used ones cannot go."""
    from campaigns.items.models import Item

    wanted = {code: (zh, en) for code, zh, en in rows}
    used = set(
        db.session.scalars(
            select(CampaignCategory.code)
            .join(Item, Item.category_id == CampaignCategory.id)
            .where(CampaignCategory.campaign_id == campaign.id)
            .distinct()
        )
    )
    if missing := used - wanted.keys():
        raise ValidationFailed("category in use", fields={"categories": ",".join(sorted(missing))})
    existing = {c.code: c for c in campaign.categories}
    kept = []
    for position, (code, (zh, en)) in enumerate(wanted.items()):
        category = existing.get(code) or CampaignCategory(code=code)
        category.name_zh, category.name_en, category.position = zh, en, position
        kept.append(category)
    campaign.categories = kept
    audit.record("categories_changed", actor=by, obj=campaign, codes=list(wanted))
