"""Campaign pages: the list, a campaign's page, creating and editing it, its categories."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload, selectinload

from campaigns.campaigns import operations, panels, queries  # panels: registers home panels
from campaigns.campaigns.forms import (
    KIND_LABELS,
    SCOPE_LABELS,
    STATUS_LABELS,
    CampaignEditForm,
    CampaignFilterForm,
    CampaignForm,
    CategoriesForm,
)
from campaigns.campaigns.models import Campaign, CampaignStatus
from campaigns.items.labels import LIGHT_LABELS as ITEM_LIGHT_LABELS
from campaigns.items.labels import STATUS_LABELS as ITEM_STATE_LABELS
from campaigns.teams.models import Team
from portal import access, clock
from portal.accounts.models import Role, User, UserRole
from portal.directory.models import Agency
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import options
from portal.i18n import localized_name
from portal.pagination import paginate

bp = Blueprint("campaigns", __name__)

FIELD_MESSAGES = {
    ("code", "format"): lambda: _(
        "2 to 16 letters and digits, starting with a letter, e.g. ENV2026."
    ),
    ("code", "taken"): lambda: _("Another campaign already has this code."),
    ("action_ends", "before_start"): lambda: _(
        "The action phase must end on or after the day it starts."
    ),
    ("review_starts", "before_start"): lambda: _(
        "The look-back must start after the action phase has started."
    ),
    ("review_starts", "already_open"): lambda: _(
        "The look-back has opened: its start and length can no longer change."
    ),
    ("review_days", "range"): lambda: _("Between 1 and 366 days."),
    ("leads", "self"): lambda: _(
        "You cannot take yourself off the campaign; ask another lead or an administrator."
    ),
}
FORM_FIELDS = {"leads": "lead_ids"}


@bp.app_template_global()
def campaign_kind_label(kind) -> str:
    return str(KIND_LABELS.get(kind, kind))


@bp.app_template_global()
def campaign_status_label(status) -> str:
    return str(STATUS_LABELS.get(status, status))


@bp.app_template_global()
def review_scope_label(scope) -> str:
    return str(SCOPE_LABELS.get(scope, scope))


@bp.app_template_global()
def item_state_label(status) -> str:
    return str(ITEM_STATE_LABELS.get(status, status))


@bp.app_template_global()
def item_light_label(light) -> str:
    return str(ITEM_LIGHT_LABELS.get(light, light))


def _show_field_errors(form, error: ValidationFailed) -> None:
    for field, reason in error.fields.items():
        message = FIELD_MESSAGES.get((field, reason))
        getattr(form, FORM_FIELDS.get(field, field)).errors.append(
            message() if message else error.message
        )


def _fill_choices(form) -> None:
    agencies = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    form.lead_agency_id.choices = options((a.id, localized_name(a)) for a in agencies)
    form.agency_ids.choices = options((a.id, localized_name(a)) for a in agencies)
    leads = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.LEAD, User.active)
        .order_by(User.username)
    ).all()
    form.lead_ids.choices = options(
        (u.id, f"{u.display_name} ({u.username}) · {localized_name(u.agency)}") for u in leads
    )


def _chosen(form) -> dict:
    """The form's people and agencies as objects, for the operations."""
    agencies = db.session.scalars(select(Agency).where(Agency.id.in_(form.agency_ids.data or [])))
    leads = db.session.scalars(select(User).where(User.id.in_(form.lead_ids.data or [])))
    return {
        "title": form.title.data,
        "description": form.description.data or "",
        "lead_agency": db.session.get(Agency, form.lead_agency_id.data),
        "agencies": list(agencies),
        "leads": list(leads),
        "action_starts": form.action_starts.data,
        "action_ends": form.action_ends.data,
        "review_starts": form.review_starts.data,
        "review_days": form.review_days.data,
        "review_scope": form.review_scope.data,
    }


@bp.route("/campaigns/")
def index():
    filters = CampaignFilterForm(request.args)
    filters.validate()
    query = (
        select(Campaign)
        .where(access.visible_campaigns(current_user))
        .options(joinedload(Campaign.lead_agency))
        .order_by(Campaign.action_starts.desc(), Campaign.code)
    )
    if q := (filters.q.data or "").strip():
        like = f"%{q}%"
        query = query.where(or_(Campaign.code.ilike(like), Campaign.title.ilike(like)))
    if filters.status.data in set(CampaignStatus):
        query = query.where(queries.status_is(filters.status.data, clock.today()))
    if filters.kind.data in KIND_LABELS:
        query = query.where(Campaign.kind == filters.kind.data)
    page = paginate(query, per_page=25)
    counts = queries.status_counts(
        [c.id for c in page.items], access.visible_items(current_user), clock.today()
    )
    return render_template(
        "campaigns/index.html",
        page=page,
        filters=filters,
        counts=counts,
        may_create=access.may_create_campaign(current_user),
    )


@bp.route("/campaigns/<code>")
def show(code: str):
    campaign = access.campaign_or_404(code)
    counts = queries.status_counts(
        [campaign.id], access.visible_items(current_user), clock.today()
    )[campaign.id]
    teams = db.session.scalars(
        select(Team)
        .where(Team.campaign_id == campaign.id)
        .options(
            joinedload(Team.leader),
            selectinload(Team.members).joinedload(User.agency),
            selectinload(Team.towns),
        )
        .order_by(Team.id)
    ).all()
    today = clock.today()
    return render_template(
        "campaigns/show.html",
        campaign=campaign,
        status=campaign.status_on(today),
        days_left=panels.days_left(campaign, today),
        counts=counts,
        teams=teams,
        states=list(ITEM_STATE_LABELS),
    )


@bp.route("/campaigns/new", methods=["GET", "POST"])
def create():
    if not access.may_create_campaign(current_user):
        abort(403)
    form = CampaignForm()
    _fill_choices(form)
    if request.method == "GET":
        form.lead_agency_id.data = current_user.agency_id
        if current_user.has_role(Role.LEAD):
            form.lead_ids.data = [current_user.id]
    if form.validate_on_submit():
        try:
            campaign = operations.create_campaign(
                by=current_user, code=form.code.data, kind=form.kind.data, **_chosen(form)
            )
        except ValidationFailed as error:
            _show_field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Campaign %(code)s created.", code=campaign.code), "success")
            return redirect(url_for("campaigns.show", code=campaign.code))
    return render_template("campaigns/form.html", form=form, campaign=None)


@bp.route("/campaigns/<code>/edit", methods=["GET", "POST"])
def edit(code: str):
    campaign = access.campaign_or_404(code)
    if not access.may_manage_campaign(current_user, campaign):
        abort(403)
    form = CampaignEditForm(obj=campaign)
    _fill_choices(form)
    if request.method == "GET":
        form.agency_ids.data = [a.id for a in campaign.agencies]
        form.lead_ids.data = [u.id for u in campaign.leads]
        form.version.data = campaign.version
    if form.validate_on_submit():
        try:
            operations.update_campaign(
                campaign, by=current_user, version=form.version.data or None, **_chosen(form)
            )
        except ValidationFailed as error:
            _show_field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Campaign %(code)s saved.", code=campaign.code), "success")
            return redirect(url_for("campaigns.show", code=campaign.code))
    return render_template("campaigns/form.html", form=form, campaign=campaign)


@bp.route("/campaigns/<code>/categories", methods=["GET", "POST"])
def categories(code: str):
    campaign = access.campaign_or_404(code)
    if not access.may_manage_campaign(current_user, campaign):
        abort(403)
    form = CategoriesForm()
    if request.method == "GET":
        for position, category in enumerate(campaign.categories, start=1):
            form.rows.append_entry(
                {
                    "code": category.code,
                    "name_zh": category.name_zh,
                    "name_en": category.name_en,
                    "position": position,
                }
            )
    problems = []
    if form.validate_on_submit() and (rows := _category_rows(form)) is not None:
        try:
            operations.save_categories(campaign, rows, by=current_user)
        except ValidationFailed as error:
            problems = _category_problems(form, error)
        else:
            db.session.commit()
            flash(_("Categories of %(code)s saved.", code=campaign.code), "success")
            return redirect(url_for("campaigns.categories", code=campaign.code))
    return render_template(
        "campaigns/categories.html",
        campaign=campaign,
        form=form,
        usage=operations.category_usage(campaign),
        problems=problems,
    )


def _category_rows(form) -> list[tuple[str, str, str]] | None:
    """The rows to keep, in the order asked for, plus the new one; None if a name is missing."""
    kept = []
    for index, entry in enumerate(form.rows):
        row = entry.form
        if row.remove.data:
            continue
        if not (row.name_zh.data or "").strip():
            row.name_zh.errors.append(_("Give the category a Chinese name, or tick Remove."))
            return None
        order = row.position.data if row.position.data is not None else 999
        kept.append((order, index, (row.code.data, row.name_zh.data, row.name_en.data)))
    rows = [row for _order, _index, row in sorted(kept)]
    if (form.new_name_zh.data or "").strip():
        rows.append(("", form.new_name_zh.data, form.new_name_en.data))
    elif (form.new_name_en.data or "").strip():
        form.new_name_zh.errors.append(_("Give the new category a Chinese name too."))
        return None
    return rows


def _category_problems(form, error: ValidationFailed) -> list[str]:
    problems = []
    in_use = set(error.fields.get("in_use", "").split(","))
    for entry in form.rows:
        if entry.form.code.data in in_use:
            entry.form.remove.errors.append(_("Items use this category; it cannot be removed."))
    if "in_use" in error.fields:
        problems.append(_("Categories that items use cannot be removed."))
    if duplicate := error.fields.get("duplicate"):
        problems.append(_("Each category needs its own name: %(names)s", names=duplicate))
    if "empty" in error.fields:
        problems.append(_("A campaign needs at least one category."))
    return problems
