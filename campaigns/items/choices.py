"""The options of the items' forms: teams, targets, regions, agencies, categories, filters.

Options come from what the person may use (their teams, the campaign's agencies and
categories, the campaigns they see), with names in the interface language.
"""

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from campaigns.campaigns.models import Campaign, CampaignCategory
from campaigns.items.forms import SORT_LABELS
from campaigns.items.labels import (
    LIGHT_LABELS,
    LISTING_LABELS,
    SEVERITY_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
)
from campaigns.items.lifecycle import Relation
from campaigns.items.models import EvidenceStage
from campaigns.targets import operations as targets
from campaigns.targets.models import Target
from campaigns.teams.models import Team
from portal import access
from portal.directory.models import Agency, Region, RegionLevel
from portal.extensions import db
from portal.forms import options
from portal.i18n import localized_name

DISTRICT_LEVELS = (RegionLevel.DISTRICT, RegionLevel.COUNTY)


def _districts():
    return db.session.scalars(
        select(Region).where(Region.level.in_(DISTRICT_LEVELS)).order_by(Region.code, Region.id)
    ).all()


def _towns(district_id: int | None = None):
    query = (
        select(Region)
        .where(Region.level == RegionLevel.TOWN)
        .options(joinedload(Region.parent))
        .order_by(Region.parent_id, Region.code, Region.id)
    )
    if district_id:
        query = query.where(Region.parent_id == district_id)
    return db.session.scalars(query).all()


def _town_options(first_label: str, district_id: int | None = None, *, value=0):
    """Towns grouped by district; each says its district, so the form's script can filter."""
    return [SelectChoice(str(value), first_label)] + [
        SelectChoice(
            str(town.id),
            localized_name(town),
            render_kw={"data-district": str(town.parent_id)},
            optgroup=localized_name(town.parent),
        )
        for town in _towns(district_id)
    ]


def _agencies():
    return db.session.scalars(select(Agency).order_by(Agency.code)).all()


def _agency_label(agency: Agency) -> str:
    return localized_name(agency)


def target_label(target: Target) -> str:
    code = f" · {target.credit_code}" if target.credit_code else ""
    return f"{target.name} ({localized_name(target.region)}){code}"


def target_options(query: str, *, limit: int = 20) -> list[Target]:
    query = (query or "").strip()[:100]
    if not query:
        return []
    return db.session.scalars(
        targets.search(query).options(joinedload(Target.region)).limit(limit)
    ).all()


def flag_choices(form, campaign: Campaign, teams) -> None:
    form.team_id.choices = options((t.id, t.name) for t in teams)
    found = target_options(form.target_query.data)
    chosen = db.session.get(Target, form.target_id.data) if form.target_id.data else None
    if chosen is not None and chosen not in found:
        found.insert(0, chosen)
    form.target_id.choices = options(
        [(0, _("— a new target, described below —"))] + [(t.id, target_label(t)) for t in found]
    )
    if form.target_id.data is None:
        form.target_id.data = found[0].id if len(found) == 1 else 0
    form.district_id.choices = options((d.id, localized_name(d)) for d in _districts())
    form.town_id.choices = _town_options(_("— not a town in particular —"))
    form.category_id.choices = options((c.id, localized_name(c)) for c in campaign.categories)
    agencies = campaign.agencies or _agencies()
    form.lead_agency_id.choices = options((a.id, _agency_label(a)) for a in agencies)
    form.co_agency_ids.choices = options((a.id, _agency_label(a)) for a in agencies)


def edit_choices(form, item) -> None:
    form.category_id.choices = options((c.id, localized_name(c)) for c in item.campaign.categories)
    form.town_id.choices = _town_options(_("— not a town in particular —"), item.district_id)
    agencies = item.campaign.agencies or _agencies()
    form.co_agency_ids.choices = options(
        (a.id, _agency_label(a)) for a in agencies if a.id != item.lead_agency_id
    )
    if form.category_id.data is None:
        form.category_id.data = item.category_id
    if form.town_id.data is None:
        form.town_id.data = item.town_id or 0
    if form.co_agency_ids.data is None:
        form.co_agency_ids.data = [a.id for a in item.co_agencies]


def evidence_stages(rels: set) -> list[str]:
    """The stages a person may file evidence under (anything else is "other")."""
    stages = []
    if Relation.FLAGGING_TEAM in rels:
        stages.append(EvidenceStage.BEFORE)
    if Relation.LEAD_AGENCY in rels:
        stages.append(EvidenceStage.AFTER)
    return [*stages, EvidenceStage.OTHER]


def prepare_item_forms(forms: dict, item, rels: set) -> None:
    """Options of the item page's forms, and ids of their own (the page holds several)."""
    for key, form in forms.items():
        for f in form:
            f.id = f"{key}-{f.name}"
    if "transfer_propose" in forms:
        forms["transfer_propose"].to_agency_id.choices = options(
            (a.id, _agency_label(a)) for a in _agencies() if a.id != item.lead_agency_id
        )
    if "evidence" in forms:
        forms["evidence"].stage.choices = options(
            (s.value, STAGE_LABELS[s]) for s in evidence_stages(rels)
        )


def filter_choices(form, campaign: Campaign | None, user) -> None:
    every = _("All")
    if campaign is None:
        campaigns = db.session.scalars(
            select(Campaign).where(access.visible_campaigns(user)).order_by(Campaign.code)
        )
        form.campaign.choices = options([("", every)] + [(c.code, c.code) for c in campaigns])
        teams = db.session.execute(
            select(Team.id, Campaign.code, Team.name)
            .join(Campaign, Campaign.id == Team.campaign_id)
            .where(access.visible_campaigns(user))
            .order_by(Campaign.code, Team.name)
        ).all()
        team_options = [(team_id, f"{code} · {name}") for team_id, code, name in teams]
        categories = db.session.execute(
            select(CampaignCategory.code, func.min(CampaignCategory.name_zh))
            .join(Campaign, Campaign.id == CampaignCategory.campaign_id)
            .where(access.visible_campaigns(user))
            .group_by(CampaignCategory.code)
            .order_by(CampaignCategory.code)
        ).all()
        category_options = [(code, name) for code, name in categories]
    else:
        del form.campaign
        teams = select(Team).where(Team.campaign_id == campaign.id).order_by(Team.name)
        team_options = [(t.id, t.name) for t in db.session.scalars(teams)]
        category_options = [(c.code, localized_name(c)) for c in campaign.categories]
    form.team.choices = options([("", every)] + team_options)
    form.category.choices = options([("", every)] + category_options)
    form.status.choices = options([("", every)] + list(STATUS_LABELS.items()))
    form.light.choices = options([("", every)] + list(LIGHT_LABELS.items()))
    form.severity.choices = options([("", every)] + list(SEVERITY_LABELS.items()))
    form.listing_level.choices = options([("", every)] + list(LISTING_LABELS.items()))
    form.overdue.choices = options(
        [("", every), ("yes", _("Overdue only")), ("no", _("Not overdue"))]
    )
    form.sort.choices = options(SORT_LABELS.items())
    form.district.choices = options(
        [("", every)] + [(d.id, localized_name(d)) for d in _districts()]
    )
    form.town.choices = _town_options(every, value="")
    agencies = [(a.id, _agency_label(a)) for a in _agencies()]
    form.lead_agency.choices = options([("", every)] + agencies)
    form.co_agency.choices = options([("", every)] + agencies)
