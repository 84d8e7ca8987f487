"""Admin pages for agencies and the region tree."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal import access
from portal.accounts.models import Role
from portal.directory import operations
from portal.directory.forms import AgencyForm, RegionForm
from portal.directory.models import Agency, Region, RegionLevel
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import options

bp = Blueprint("directory", __name__, url_prefix="/admin")

FIELD_MESSAGES = {
    "taken": lambda: _("This code is already used."),
    "none": lambda: _("A city is not part of another region."),
    "level": lambda: _("Districts and counties belong to a city; towns to a district or county."),
}


def _show_field_errors(form, error: ValidationFailed) -> None:
    for field, reason in error.fields.items():
        getattr(form, field).errors.append(FIELD_MESSAGES[reason]())


@bp.route("/agencies")
@access.require_role(Role.ADMIN)
def agencies():
    rows = db.session.scalars(select(Agency).order_by(Agency.code)).all()
    return render_template("directory/agencies.html", agencies=rows)


@bp.route("/agencies/new", methods=["GET", "POST"], defaults={"agency_id": None})
@bp.route("/agencies/<int:agency_id>", methods=["GET", "POST"])
@access.require_role(Role.ADMIN)
def agency(agency_id: int | None):
    agency = db.get_or_404(Agency, agency_id) if agency_id else None
    form = AgencyForm(obj=agency)
    if form.validate_on_submit():
        try:
            saved = operations.save_agency(
                agency,
                by=current_user,
                code=form.code.data,
                name_zh=form.name_zh.data,
                name_en=form.name_en.data,
                kind=form.kind.data,
            )
        except ValidationFailed as error:
            _show_field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Agency %(code)s saved.", code=saved.code), "success")
            return redirect(url_for("directory.agencies"))
    return render_template("directory/agency_form.html", form=form, agency=agency)


@bp.route("/regions")
@access.require_role(Role.ADMIN)
def regions():
    cities = db.session.scalars(
        select(Region)
        .where(Region.parent_id.is_(None))
        .options(selectinload(Region.children).selectinload(Region.children))
        .order_by(Region.id)
    ).all()
    return render_template("directory/regions.html", cities=cities)


def _parent_choices():
    rows = db.session.scalars(
        select(Region).where(Region.level != RegionLevel.TOWN).order_by(Region.code, Region.id)
    )
    return options([(0, "—")] + [(r.id, r.name_zh) for r in rows])


@bp.route("/regions/new", methods=["GET", "POST"], defaults={"region_id": None})
@bp.route("/regions/<int:region_id>", methods=["GET", "POST"])
@access.require_role(Role.ADMIN)
def region(region_id: int | None):
    region = db.get_or_404(Region, region_id) if region_id else None
    form = RegionForm(obj=region)
    form.parent_id.choices = _parent_choices()
    if region is not None and form.parent_id.data is None:
        form.parent_id.data = region.parent_id or 0
    if form.validate_on_submit():
        parent = db.session.get(Region, form.parent_id.data) if form.parent_id.data else None
        try:
            saved = operations.save_region(
                region,
                by=current_user,
                name_zh=form.name_zh.data,
                name_en=form.name_en.data,
                code=form.code.data,
                level=form.level.data,
                parent=parent,
            )
        except ValidationFailed as error:
            _show_field_errors(form, error)
        else:
            db.session.commit()
            flash(_("Region %(name)s saved.", name=saved.name_zh), "success")
            return redirect(url_for("directory.regions"))
    return render_template("directory/region_form.html", form=form, region=region)
