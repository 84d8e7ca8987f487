"""Target pages (检查对象): search, create and edit targets; a target's items across campaigns."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from campaigns.campaigns.models import Campaign
from campaigns.items.models import Item
from campaigns.targets import operations
from campaigns.targets.forms import KIND_LABELS, TargetFilterForm, TargetForm
from campaigns.targets.models import Target
from campaigns.teams.models import Team, team_targets
from portal import access, clock
from portal.accounts.models import Role
from portal.directory.models import Region, RegionLevel
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import options
from portal.i18n import localized_name
from portal.pagination import paginate

bp = Blueprint("targets", __name__)

FIELD_MESSAGES = {
    ("credit_code", "checksum"): lambda: _(
        "The check character (the last one) does not match the other 17: look for a typing error."
    ),
    ("credit_code", "format"): lambda: _(
        "A unified social credit code has 18 characters: digits and capital letters except I, O, S, V and Z."
    ),
    ("credit_code", "taken"): lambda: _("Another target already has this credit code."),
}


@bp.app_template_global()
def target_kind_label(kind) -> str:
    return str(KIND_LABELS.get(kind, kind))


def _region_choices():
    """Districts and counties, each followed by its towns (grouped in the list)."""
    districts = db.session.scalars(
        select(Region)
        .where(Region.level.in_([RegionLevel.DISTRICT, RegionLevel.COUNTY]))
        .options(selectinload(Region.children))
        .order_by(Region.code, Region.id)
    )
    return {
        localized_name(d): options(
            [(d.id, _("%(district)s (whole district)", district=localized_name(d)))]
            + [(t.id, localized_name(t)) for t in d.children]
        )
        for d in districts
    }


@bp.route("/targets/")
@access.require_role(Role.LEAD, Role.INSPECTOR)
def index():
    filters = TargetFilterForm(request.args)
    filters.validate()
    query = operations.search(filters.q.data or "").options(
        joinedload(Target.region).joinedload(Region.parent)
    )
    if filters.kind.data in KIND_LABELS:
        query = query.where(Target.kind == filters.kind.data)
    page = paginate(query, per_page=50)
    return render_template(
        "targets/index.html",
        page=page,
        filters=filters,
        may_manage=access.may_manage_targets(current_user),
    )


def _save(target: Target | None):
    """Create (target None) or edit a target: the shared body of `create` and `edit`."""
    if not access.may_manage_targets(current_user):
        abort(403)
    form = TargetForm(obj=target)
    form.region_id.choices = _region_choices()
    if form.validate_on_submit():
        fields = {
            "name": form.name.data,
            "region": db.session.get(Region, form.region_id.data),
            "credit_code": form.credit_code.data,
            "kind": form.kind.data,
            "address": form.address.data,
        }
        try:
            if target is None:
                target = operations.create_target(by=current_user, **fields)
            else:
                operations.update_target(target, by=current_user, **fields)
        except ValidationFailed as error:
            for field, reason in error.fields.items():
                getattr(form, field).errors.append(FIELD_MESSAGES[(field, reason)]())
        else:
            db.session.commit()
            flash(_("Target %(name)s saved.", name=target.name), "success")
            return redirect(url_for("targets.show", target_id=target.id))
    return render_template("targets/form.html", form=form, target=target)


@bp.route("/targets/new", methods=["GET", "POST"])
@access.require_role(Role.LEAD, Role.INSPECTOR)
def create():
    return _save(None)


@bp.route("/targets/<int:target_id>/edit", methods=["GET", "POST"])
@access.require_role(Role.LEAD, Role.INSPECTOR)
def edit(target_id: int):
    return _save(db.get_or_404(Target, target_id))


@bp.route("/targets/<int:target_id>")
@access.require_role(Role.LEAD, Role.INSPECTOR)
def show(target_id: int):
    target = db.get_or_404(Target, target_id)
    query = (
        select(Item)
        .where(access.visible_items(current_user, Item.target_id == target.id))
        .options(
            joinedload(Item.campaign),
            joinedload(Item.team),
            joinedload(Item.lead_agency),
            joinedload(Item.category),
        )
        .order_by(Item.flagged_at.desc())
    )
    page = paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"])
    teams = db.session.scalars(
        select(Team)
        .join(team_targets, team_targets.c.team_id == Team.id)
        .join(Campaign, Campaign.id == Team.campaign_id)
        .where(team_targets.c.target_id == target.id, access.visible_campaigns(current_user))
        .options(joinedload(Team.campaign))
        .order_by(Campaign.code, Team.name)
    ).all()
    return render_template(
        "targets/show.html",
        target=target,
        page=page,
        teams=teams,
        today=clock.today(),
        warning_days=current_app.config["WARNING_DAYS"],
        may_manage=access.may_manage_targets(current_user),
    )
