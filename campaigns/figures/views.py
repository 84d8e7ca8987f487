"""Dashboards: one campaign's figures, and every campaign at a glance for leads and admins."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from campaigns.figures.dashboard import REVIEW_LABELS, campaign_dashboard
from campaigns.figures.dashboard import overview as overview_rows
from campaigns.figures.forms import CutOffForm
from campaigns.items.labels import STATUS_LABELS
from portal import access
from portal.accounts.models import Role

bp = Blueprint("figures", __name__)


@bp.app_template_filter("figures_state")
def state_label(status: str) -> str:
    return str(STATUS_LABELS[status])


@bp.app_template_filter("figures_review")
def review_label(state: str) -> str:
    return str(REVIEW_LABELS[state])


@bp.route("/campaigns/<code>/dashboard")
def dashboard(code: str):
    campaign = access.campaign_or_404(code)
    form = CutOffForm(request.args)
    board = campaign_dashboard(campaign, current_user, form.cut_off())
    return render_template(
        "figures/dashboard.html",
        campaign=campaign,
        form=form,
        board=board,
        may_import=access.leads_campaign(current_user, campaign),
    )


@bp.route("/figures")
@access.require_role(Role.LEAD)
def overview():
    form = CutOffForm(request.args)
    as_of = form.cut_off()
    page, rows, total = overview_rows(current_user, as_of)
    return render_template(
        "figures/overview.html", form=form, as_of=as_of, page=page, rows=rows, total=total
    )
