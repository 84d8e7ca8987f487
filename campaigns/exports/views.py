"""Downloads of a campaign (CONTRACTS C3): completion table, item ledger, look-back results."""

from flask import Blueprint, abort, request
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.exports import tables
from campaigns.figures.forms import parse_as_of
from portal import access
from portal.errors import error_response

bp = Blueprint("exports", __name__)


def _campaign(code: str):
    campaign = access.campaign_or_404(code)
    if not access.may_export(current_user, campaign):
        abort(404)
    return campaign


@bp.route("/campaigns/<code>/export/completion.csv", defaults={"fmt": "csv"})
@bp.route("/campaigns/<code>/export/completion.xlsx", defaults={"fmt": "xlsx"})
def completion(code: str, fmt: str):
    campaign = _campaign(code)
    by = request.args.get("by") or "district"
    if by not in tables.EXPORT_GROUPINGS:
        return error_response(
            400, _("by must be one of: district, agency, team, category, listing_level.")
        )
    try:
        as_of = parse_as_of(request.args.get("as_of"))
    except ValueError:
        return error_response(400, _("as_of must be a date written YYYY-MM-DD."))
    return tables.completion_download(campaign, current_user, by=by, as_of=as_of, fmt=fmt)


@bp.route("/campaigns/<code>/export/ledger.csv", defaults={"fmt": "csv"})
@bp.route("/campaigns/<code>/export/ledger.xlsx", defaults={"fmt": "xlsx"})
def ledger(code: str, fmt: str):
    return tables.ledger_download(_campaign(code), current_user, fmt=fmt)


@bp.route("/campaigns/<code>/export/review.csv", defaults={"fmt": "csv"})
@bp.route("/campaigns/<code>/export/review.xlsx", defaults={"fmt": "xlsx"})
def review(code: str, fmt: str):
    return tables.review_download(_campaign(code), current_user, fmt=fmt)
