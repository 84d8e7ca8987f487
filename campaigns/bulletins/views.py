"""Weekly bulletins: the list per campaign, the printable page and the XLSX file.

Bulletins are the joint meeting's papers: for the campaign's leads, admins and the
inspectors of its teams; everyone else gets 404.
"""

from flask import Blueprint, Response, abort, render_template
from flask_babel import get_locale
from flask_login import current_user
from sqlalchemy import select

from campaigns.bulletins import xlsx
from campaigns.bulletins.models import Bulletin
from campaigns.campaigns.models import Campaign
from campaigns.items.labels import STATUS_LABELS
from portal import access
from portal.extensions import db
from portal.pagination import paginate

bp = Blueprint("bulletins", __name__)


def _campaign_or_404(code: str) -> Campaign:
    campaign = access.campaign_or_404(code)
    if not access.works_on_campaign(current_user, campaign):
        abort(404)
    return campaign


def bulletin_or_404(bulletin_id: int) -> Bulletin:
    bulletin = db.session.scalar(
        select(Bulletin)
        .join(Campaign, Campaign.id == Bulletin.campaign_id)
        .where(Bulletin.id == bulletin_id, access.visible_campaigns(current_user))
    )
    if bulletin is None or not access.works_on_campaign(current_user, bulletin.campaign):
        abort(404)
    return bulletin


@bp.route("/campaigns/<code>/bulletins")
def index(code: str):
    campaign = _campaign_or_404(code)
    page = paginate(
        select(Bulletin)
        .where(Bulletin.campaign_id == campaign.id)
        .order_by(Bulletin.week_starts.desc()),
        per_page=26,
    )
    return render_template("bulletins/index.html", campaign=campaign, page=page)


def _english() -> bool:
    return str(get_locale() or "zh").startswith("en")


@bp.route("/bulletins/<int:bulletin_id>")
def show(bulletin_id: int):
    bulletin = bulletin_or_404(bulletin_id)
    return render_template(
        "bulletins/show.html",
        bulletin=bulletin,
        campaign=bulletin.campaign,
        c=bulletin.content,
        lang="en" if _english() else "zh",
        status_labels=STATUS_LABELS,
    )


@bp.route("/bulletins/<int:bulletin_id>.xlsx")
def download(bulletin_id: int):
    bulletin = bulletin_or_404(bulletin_id)
    data = xlsx.workbook(bulletin, english=_english())
    name = f"bulletin-{bulletin.campaign.code}-{bulletin.week_starts.isoformat()}.xlsx"
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.app_template_filter("iso_day")
def iso_day(value: str | None) -> str:
    """A date kept as text in a snapshot, shown like every other date."""
    from datetime import date

    from flask_babel import format_date

    return format_date(date.fromisoformat(value), "medium") if value else ""


@bp.app_template_filter("rate_change")
def rate_change(value: str | None) -> str:
    """A change of a rate in percentage points, with its sign (+1.25, −0.50, ±0.00)."""
    if value is None:
        return "–"
    from decimal import Decimal

    number = Decimal(value)
    if number > 0:
        return f"+{number}"
    if number < 0:
        return f"−{-number}"
    return f"±{number}"
