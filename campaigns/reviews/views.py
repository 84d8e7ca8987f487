"""The look-back page of a campaign (/campaigns/<code>/review) and the page of each check."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from campaigns.campaigns.models import Campaign
from campaigns.items.evidence import UploadRefused
from campaigns.items.labels import STATUS_LABELS
from campaigns.items.models import Item
from campaigns.items.ui import upload_message
from campaigns.reviews import operations
from campaigns.reviews.forms import FIELD_ERRORS, RESULT_SHORT, CheckForm
from campaigns.reviews.models import Review, ReviewCheck
from campaigns.teams.models import Team, team_members
from portal import access, clock
from portal.accounts.forms import ConfirmForm
from portal.accounts.models import Role
from portal.directory.models import Region
from portal.errors import DomainError, ValidationFailed
from portal.extensions import db
from portal.home import panels
from portal.pagination import paginate

bp = Blueprint("reviews", __name__)


def _progress(review: Review, key, label, joins):
    """Checked / total per group, in one grouped query."""
    query = select(key, label, func.count(ReviewCheck.id), func.count(ReviewCheck.result))
    query = query.select_from(ReviewCheck)
    for target, onclause in joins:
        query = query.join(target, onclause)
    return db.session.execute(
        query.where(ReviewCheck.review_id == review.id).group_by(key, label).order_by(label)
    ).all()


@bp.route("/campaigns/<code>/review")
def show(code: str):
    campaign = access.review_campaign_or_404(code)
    review = operations.review_of(campaign)
    context = {"campaign": campaign, "review": review, "today": clock.today()}
    context["may_open"] = (
        review is None
        and access.leads_campaign(current_user, campaign)
        and campaign.action_starts < clock.today() <= campaign.review_ends
    )
    if review is not None:
        context.update(_review_context(campaign, review))
    return render_template("reviews/show.html", form=ConfirmForm(), **context)


def _review_context(campaign: Campaign, review: Review) -> dict:
    figures = review.frozen_figures if review.closed_at else operations.figures_of(review)
    by_team = _progress(review, Team.id, Team.name, [(Team, Team.id == ReviewCheck.team_id)])
    by_district = _progress(
        review,
        Region.id,
        Region.name_zh,
        [(Item, Item.id == ReviewCheck.item_id), (Region, Region.id == Item.district_id)],
    )
    districts = {
        r.id: r
        for r in db.session.scalars(
            select(Region).where(Region.id.in_([row[0] for row in by_district]))
        )
    }
    tab = request.args.get("tab", "results" if review.closed_at else "left")
    team_id = request.args.get("team", type=int)
    query = (
        select(ReviewCheck)
        .where(ReviewCheck.review_id == review.id)
        .options(
            joinedload(ReviewCheck.item).joinedload(Item.district),
            joinedload(ReviewCheck.team),
            joinedload(ReviewCheck.checked_by),
        )
    )
    if team_id:
        query = query.where(ReviewCheck.team_id == team_id)
    if tab == "results":
        query = query.where(ReviewCheck.result.is_not(None)).order_by(
            ReviewCheck.checked_at.desc(), ReviewCheck.id.desc()
        )
    else:
        tab = "left"
        query = query.where(ReviewCheck.result.is_(None)).order_by(ReviewCheck.id)
    my_teams = {t.id for t in access.teams_of(current_user, campaign)}
    return {
        "figures": figures,
        "by_team": by_team,
        "by_district": [(districts[r[0]], r[2], r[3]) for r in by_district],
        "tab": tab,
        "team_id": team_id,
        "teams": [(r[0], r[1]) for r in by_team],
        "page": paginate(query, per_page=30),
        "is_open": operations.is_open_on(review, clock.today()),
        "may_record_all": access.leads_campaign(current_user, campaign),
        "my_teams": my_teams,
        "result_labels": RESULT_SHORT,
        "status_labels": STATUS_LABELS,
    }


@bp.route("/campaigns/<code>/review/open", methods=["POST"])
def open_now(code: str):
    campaign = access.review_campaign_or_404(code)
    if not access.leads_campaign(current_user, campaign):
        abort(403)
    ConfirmForm().validate_on_submit() or abort(400)
    try:
        review = operations.open_early(campaign, by=current_user)
    except ValidationFailed as error:
        db.session.rollback()
        flash(str(FIELD_ERRORS.get(next(iter(error.fields.values()), ""), error.message)), "error")
        return redirect(url_for("reviews.show", code=campaign.code))
    db.session.commit()
    flash(
        _(
            "The look-back is open until %(day)s: %(count)s items to check.",
            day=review.closes_on.isoformat(),
            count=len(review.checks),
        ),
        "success",
    )
    return redirect(url_for("reviews.show", code=campaign.code))


@bp.route("/campaigns/<code>/review/checks/<int:check_id>", methods=["GET", "POST"])
def check(code: str, check_id: int):
    campaign = access.review_campaign_or_404(code)
    check = access.review_check_or_404(campaign, check_id)
    review = check.review
    is_open = operations.is_open_on(review, clock.today())
    may_record = check.result is None and is_open and operations.may_record(current_user, check)
    form = CheckForm()
    if request.method == "POST":
        if not operations.may_record(current_user, check):
            abort(403)
        if form.validate_on_submit():
            try:
                operations.record_check(
                    check,
                    by=current_user,
                    result=form.result.data,
                    note=form.note.data or "",
                    new_deadline=form.new_deadline.data,
                    photos=form.photos.data or [],
                )
            except ValidationFailed as error:
                db.session.rollback()
                _show_errors(form, error)
            except DomainError as error:
                db.session.rollback()
                flash(_("This check cannot be recorded now: %(why)s", why=error.message), "error")
                return redirect(url_for("reviews.check", code=code, check_id=check_id))
            else:
                db.session.commit()
                flash(
                    _(
                        "Recorded: %(ref)s, %(result)s.",
                        ref=check.item.ref,
                        result=RESULT_SHORT[check.result],
                    ),
                    "success",
                )
                return redirect(url_for("reviews.show", code=code))
    item = check.item
    evidence = [e for e in item.evidence if e.stage == "review"]
    return render_template(
        "reviews/check.html",
        campaign=campaign,
        review=review,
        check=check,
        item=item,
        form=form,
        may_record=may_record,
        is_open=is_open,
        evidence=evidence,
        result_labels=RESULT_SHORT,
        status_labels=STATUS_LABELS,
        photos_allowed=access.may(current_user, "evidence", item),
    ), (422 if any(f.errors for f in form) else 200)


def _show_errors(form: CheckForm, error: ValidationFailed) -> None:
    for name, reason in error.fields.items():
        field = getattr(form, name, None) or form.photos
        if isinstance(error, UploadRefused):  # a photo: the same words as on the item page
            message = upload_message(error)
        else:
            message = FIELD_ERRORS.get(reason) or error.message
        field.errors = [*field.errors, str(message)]


@panels.provides(Role.LEAD, Role.INSPECTOR)
def open_reviews_panel(user):
    """Home page: the look-backs open now in the user's campaigns, with what is left."""
    today = clock.today()
    my_teams = select(team_members.c.team_id).where(team_members.c.user_id == user.id)
    rows = db.session.execute(
        select(
            Campaign.code,
            Campaign.title,
            Review.closes_on,
            func.count(ReviewCheck.id).filter(ReviewCheck.result.is_(None)),
            func.count(ReviewCheck.id).filter(
                ReviewCheck.result.is_(None), ReviewCheck.team_id.in_(my_teams)
            ),
        )
        .join(Review, Review.campaign_id == Campaign.id)
        .outerjoin(ReviewCheck, ReviewCheck.review_id == Review.id)
        .where(
            access.visible_campaigns(user),
            Review.closed_at.is_(None),
            Review.opens_on <= today,
            Review.closes_on >= today,
        )
        .group_by(Campaign.code, Campaign.title, Review.closes_on)
        .order_by(Review.closes_on)
    ).all()
    if not rows:
        return None
    return panels.Panel("reviews/_panel.html", order=30, context={"open_reviews": rows})
