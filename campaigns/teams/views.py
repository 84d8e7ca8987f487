"""Supervision team pages: form a team, change it, and see its items and its members' work."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import joinedload, selectinload

from campaigns.items.labels import STATUS_LABELS as ITEM_STATE_LABELS
from campaigns.items.models import Item
from campaigns.targets import operations as targets
from campaigns.teams import operations
from campaigns.teams.forms import TeamForm
from portal import access, clock
from portal.accounts.models import Role, User, UserRole
from portal.directory.models import Agency, Region, RegionLevel
from portal.errors import ValidationFailed
from portal.extensions import db
from portal.forms import options
from portal.i18n import localized_name
from portal.pagination import paginate

bp = Blueprint("teams", __name__)


def _people(team) -> list[User]:
    """Who can be in a team: active inspectors, from any agency (and its current members)."""
    current = [u.id for u in team.members] if team else []
    return list(
        db.session.scalars(
            select(User)
            .join(Agency, Agency.id == User.agency_id)
            .where(
                or_(
                    and_(
                        User.active,
                        User.id.in_(
                            select(UserRole.user_id).where(UserRole.role == Role.INSPECTOR)
                        ),
                    ),
                    User.id.in_(current),
                )
            )
            .order_by(Agency.code, User.display_name)
        )
    )


def _districts() -> list[Region]:
    return list(
        db.session.scalars(
            select(Region)
            .where(Region.level.in_([RegionLevel.DISTRICT, RegionLevel.COUNTY]))
            .options(selectinload(Region.children))
            .order_by(Region.code, Region.id)
        )
    )


def _team_form(campaign, team):
    """Create (team None) or change a team: the shared body of `create` and `edit`."""
    if not access.may_manage_campaign(current_user, campaign):
        abort(403)
    form = TeamForm(obj=team)
    people, districts = _people(team), _districts()
    form.leader_id.choices = options(
        [(0, "—")] + [(u.id, f"{u.display_name} · {localized_name(u.agency)}") for u in people]
    )
    form.member_ids.choices = options((u.id, u.display_name) for u in people)
    form.town_ids.choices = options(
        (town.id, town.name_zh) for district in districts for town in district.children
    )
    current_targets = team.targets if team else []
    form.target_ids.choices = options((t.id, t.name) for t in current_targets)
    if request.method == "GET" and team is not None:
        form.leader_id.data = team.leader_id or 0
        form.member_ids.data = [u.id for u in team.members]
        form.town_ids.data = [t.id for t in team.towns]
        form.target_ids.data = [t.id for t in team.targets]
    if form.validate_on_submit():
        added, unmatched = targets.find_targets((form.add_targets.data or "").splitlines())
        if unmatched:
            form.add_targets.errors.append(
                _(
                    "No single target matches: %(lines)s. Use the exact name or the credit code, one per line.",
                    lines="、".join(unmatched),
                )
            )
        else:
            kept = [t for t in current_targets if t.id in set(form.target_ids.data or [])]
            try:
                team = operations.save_team(
                    team,
                    campaign=campaign,
                    by=current_user,
                    name=form.name.data,
                    leader=db.session.get(User, form.leader_id.data),
                    members=db.session.scalars(
                        select(User).where(User.id.in_(form.member_ids.data or []))
                    ).all(),
                    towns=db.session.scalars(
                        select(Region).where(Region.id.in_(form.town_ids.data or []))
                    ).all(),
                    targets=kept + added,
                )
            except ValidationFailed:
                form.name.errors.append(_("Another team of this campaign has this name."))
            else:
                db.session.commit()
                flash(_("Team %(name)s saved.", name=team.name), "success")
                return redirect(url_for("teams.show", code=campaign.code, team_id=team.id))
    return render_template(
        "teams/form.html",
        form=form,
        campaign=campaign,
        team=team,
        people=people,
        districts=districts,
    )


@bp.route("/campaigns/<code>/teams/new", methods=["GET", "POST"])
def create(code: str):
    return _team_form(access.campaign_or_404(code), None)


@bp.route("/campaigns/<code>/teams/<int:team_id>/edit", methods=["GET", "POST"])
def edit(code: str, team_id: int):
    campaign = access.campaign_or_404(code)
    return _team_form(campaign, access.team_or_404(campaign, team_id))


@bp.route("/campaigns/<code>/teams/<int:team_id>")
def show(code: str, team_id: int):
    campaign = access.campaign_or_404(code)
    team = access.team_or_404(campaign, team_id)
    visible = access.visible_items(current_user)
    query = (
        select(Item)
        .where(Item.team_id == team.id, visible)
        .options(
            joinedload(Item.target),
            joinedload(Item.district),
            joinedload(Item.lead_agency),
            joinedload(Item.category),
        )
        .order_by(Item.seq.desc())
    )
    status = request.args.get("status", "")
    if status in ITEM_STATE_LABELS:
        query = query.where(Item.status == status)
    page = paginate(query, per_page=current_app.config["ITEMS_PER_PAGE"])
    load = operations.workload(team, visible)
    members = {u.id: u for u in team.members}
    former = db.session.scalars(select(User).where(User.id.in_(set(load) - set(members)))).all()
    zero = {"open": 0, "verified": 0}
    return render_template(
        "teams/show.html",
        campaign=campaign,
        team=team,
        page=page,
        status=status,
        states=list(ITEM_STATE_LABELS),
        workload=[(u, load.get(u.id, zero), True) for u in team.members]
        + [(u, load[u.id], False) for u in former],
        today=clock.today(),
        warning_days=current_app.config["WARNING_DAYS"],
    )
