"""The endpoints of CONTRACTS C5. Each loads through the access policy and calls an operation."""

from dataclasses import asdict

from flask import abort, current_app, jsonify
from flask_login import current_user
from flask_smorest import Blueprint
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from campaigns.api import auth, present
from campaigns.api.schemas import (
    ActionIn,
    ApiError,
    CampaignIn,
    CampaignList,
    CampaignOut,
    CheckIn,
    CheckOut,
    Completion,
    CompletionQuery,
    EvidenceIn,
    EvidenceOut,
    FileIn,
    ImportOut,
    ImportRejected,
    ItemDetail,
    ItemIn,
    ItemPage,
    ItemQuery,
    ReviewList,
    ReviewOut,
    TeamIn,
    TeamList,
    TeamOut,
)
from campaigns.campaigns.models import Campaign
from campaigns.campaigns.operations import campaign_problems, create_campaign
from campaigns.figures.queries import completion_table
from campaigns.imports import operations as imports
from campaigns.imports.ledger import UnreadableFile
from campaigns.items import operations as verbs
from campaigns.items import queries
from campaigns.items.evidence import UploadRefused, file_response
from campaigns.items.models import Item
from campaigns.items.ui import upload_message
from campaigns.reviews import operations as review_ops
from campaigns.reviews.models import Review, ReviewCheck
from campaigns.targets.operations import find_or_create_target, normalize_credit_code
from campaigns.teams.models import Team
from campaigns.teams.operations import save_team, team_problems
from portal import access, clock
from portal.accounts.models import User
from portal.directory.models import Agency, Region, RegionLevel
from portal.errors import NotPermitted, StaleVersion, ValidationFailed
from portal.extensions import csrf, db

bp = Blueprint("api", __name__, url_prefix="/api/v1", description="Joint enforcement portal API")
csrf.exempt(bp)
auth.protect(bp)

ERRORS = {
    401: "Missing or bad token",
    403: "Not allowed to this user",
    404: "Not found, or not shared with this user",
    422: "Invalid: `fields` names every invalid field and why",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "seconds until the token may call again",
        "schema": {"type": "integer"},
    }
}


def _errors(*codes):
    """Document the JSON error answers of an endpoint (every one may answer 401 and 429)."""

    def decorator(func):
        for code in sorted({401, *codes}):
            func = bp.alt_response(code, schema=ApiError, description=ERRORS.get(code, "Error"))(
                func
            )
        return bp.alt_response(
            429,
            schema=ApiError,
            description="Too many requests with this token",
            headers=RETRY_AFTER,
        )(func)

    return decorator


# --- Look-ups by the names the bodies use -------------------------------------------------------


class Names:
    """Records named in a body. An unknown name is noted (field → "unknown"), not raised, so
    that the 422 lists every invalid field at once (`check`)."""

    def __init__(self):
        self.problems: dict[str, str] = {}

    def _found(self, names, by_name: dict, field: str) -> list:
        if any(n not in by_name for n in names):
            self.problems[field] = "unknown"
        return [by_name[n] for n in dict.fromkeys(names) if n in by_name]

    def agencies(self, codes, field: str) -> list[Agency]:
        found = db.session.scalars(select(Agency).where(Agency.code.in_(list(codes))))
        return self._found(codes, {a.code: a for a in found}, field)

    def agency(self, code: str, field: str) -> Agency | None:
        return next(iter(self.agencies([code], field)), None)

    def users(self, usernames, field: str) -> list[User]:
        found = db.session.scalars(
            select(User).where(User.username.in_(list(usernames)), User.active)
        )
        return self._found(usernames, {u.username: u for u in found}, field)

    def towns(self, names, field: str = "towns") -> list[Region]:
        found = db.session.scalars(
            select(Region).where(
                Region.level == RegionLevel.TOWN,
                Region.name_zh.in_(list(names)) | Region.code.in_(list(names)),
            )
        ).all()
        by_name = {t.code: t for t in found if t.code} | {t.name_zh: t for t in found}
        return self._found(names, by_name, field)

    def check(self, more: dict | None = None) -> None:
        problems = (more or {}) | self.problems
        if problems:
            raise ValidationFailed("invalid fields", fields=problems)


# --- Campaigns and teams -------------------------------------------------------------------------


@bp.route("/campaigns", methods=["GET"])
@bp.response(200, CampaignList)
@_errors(401)
def list_campaigns():
    """The campaigns this user may see."""
    rows = db.session.scalars(
        select(Campaign).where(access.visible_campaigns(current_user)).order_by(Campaign.code)
    )
    return {"campaigns": [present.campaign(c) for c in rows]}


@bp.route("/campaigns", methods=["POST"])
@bp.arguments(CampaignIn)
@bp.response(201, CampaignOut)
@_errors(401, 403)
def create(body):
    """Create a campaign (leads and admins); its categories default to its kind's."""
    if not access.may_create_campaign(current_user):
        raise NotPermitted("only leads and admins create campaigns")
    names = Names()
    lead_agency = names.agency(body["lead_agency"], "lead_agency")
    agencies = names.agencies(body["agencies"], "agencies")
    leads = names.users(body["leads"], "leads")
    names.check(
        campaign_problems(
            code=body["code"],
            action_starts=body["action_starts"],
            action_ends=body["action_ends"],
            review_days=body["review_days"],
        )
    )
    if current_user.has_role("lead") and current_user.id not in {u.id for u in leads}:
        leads.append(current_user)
    categories = None
    if body["categories"]:
        categories = [(f"c{i + 1}", name, name) for i, name in enumerate(body["categories"])]
    campaign = create_campaign(
        by=current_user,
        code=body["code"],
        title=body["title"],
        kind=body["kind"],
        lead_agency=lead_agency,
        agencies=agencies,
        leads=leads,
        action_starts=body["action_starts"],
        action_ends=body["action_ends"],
        review_days=body["review_days"],
        review_scope=body["review_scope"],
        categories=categories,
    )
    db.session.commit()
    return present.campaign(campaign)


@bp.route("/campaigns/<code>", methods=["GET"])
@bp.response(200, CampaignOut)
@_errors(401, 404)
def show_campaign(code):
    """One campaign."""
    return present.campaign(access.campaign_or_404(code))


@bp.route("/campaigns/<code>/teams", methods=["GET"])
@bp.response(200, TeamList)
@_errors(401, 404)
def list_teams(code):
    """The campaign's supervision teams."""
    campaign = access.campaign_or_404(code)
    teams = db.session.scalars(
        select(Team).where(Team.campaign_id == campaign.id).order_by(Team.name)
    )
    return {"teams": [present.team(t) for t in teams]}


@bp.route("/campaigns/<code>/teams", methods=["POST"])
@bp.arguments(TeamIn)
@bp.response(201, TeamOut)
@_errors(401, 403, 404)
def create_team(body, code):
    """Form a team (the campaign's leads)."""
    campaign = access.campaign_or_404(code)
    if not access.leads_campaign(current_user, campaign):
        raise NotPermitted("only the campaign's leads form teams")
    names = Names()
    leader = next(iter(names.users([body["leader"]], "leader")), None)
    members = names.users(body["members"], "members")
    towns = names.towns(body["towns"])
    names.check(team_problems(campaign, body["name"]))
    team = save_team(
        None,
        campaign=campaign,
        by=current_user,
        name=body["name"],
        leader=leader,
        members=members,
        towns=towns,
    )
    db.session.commit()
    return present.team(team)


# --- Items ----------------------------------------------------------------------------------------


def _item_filters(query: dict) -> dict:
    """The API's filters as the list pages' (queries.filter_clauses): names and codes become
    ids; a name that matches nothing this user may see is a 422 naming the field."""
    values = {
        key: query[key]
        for key in ("campaign", "status", "category", "listing_level", "q")
        if query.get(key)
    }
    if "overdue" in query:
        values["overdue"] = "yes" if query["overdue"] else "no"
    problems = {}
    names = imports.Directory() if {"district", "agency", "lead_agency"} & set(query) else None
    if query.get("district"):
        district = names.districts.get(query["district"])
        if district is None:
            problems["district"] = "unknown"
        else:
            values["district"] = district.id
    for key in ("agency", "lead_agency"):
        if query.get(key):
            agency = names.agency(query[key])
            if agency is None:
                problems[key] = "unknown"
            else:
                values[key] = agency.id
    if query.get("team"):
        teams = select(Team.id).join(Campaign, Campaign.id == Team.campaign_id)
        teams = teams.where(Team.name == query["team"], access.visible_campaigns(current_user))
        if query.get("campaign"):
            teams = teams.where(Campaign.code == query["campaign"])
        values["team"] = list(db.session.scalars(teams))
        if not values["team"]:
            problems["team"] = "unknown"
    if problems:
        raise ValidationFailed("unknown names in the filters", fields=problems)
    return values


@bp.route("/items", methods=["GET"])
@bp.arguments(ItemQuery, location="query")
@bp.response(200, ItemPage)
@_errors(401, 422)
def list_items(query):
    """The items this user may see (a liaison: their agency's joint cases), filtered, a page
    at a time (`per_page` at most 200); `total` counts every match."""
    where = [access.visible_items(current_user), *queries.filter_clauses(_item_filters(query))]
    page = queries.page_of_items(
        where, query["sort"], page=query["page"], per_page=query["per_page"]
    )
    return {
        "items": [present.item(i) for i in page.items],
        "page": page.page,
        "per_page": page.per_page,
        "total": page.total,
    }


@bp.route("/campaigns/<code>/items", methods=["POST"])
@bp.arguments(ItemIn)
@bp.response(201, ItemDetail)
@_errors(401, 403, 404, 422)
def flag(body, code):
    """Flag an item (an inspector, for one of their teams in the campaign): the ledger's
    columns by name or code, as an import row; every invalid field is listed at once."""
    campaign = access.campaign_or_404(code)
    names = imports.Directory(campaign)
    team = names.teams.get(body["team"])
    mine = access.teams_of(current_user, campaign)
    if not mine or (team is not None and team not in mine):
        raise NotPermitted("only an inspector of that team flags items for it")
    problems = {}

    def known(field, found):
        if found is None:
            problems[field] = "unknown"
        return found

    known("team", team)
    district = known("district", names.districts.get(body["district"]))
    town = None
    if body["town"] and district is not None:
        town = known("town", names.towns.get((district.id, body["town"])))
    category = known("category", names.categories.get(body["category"]))
    lead_agency = known("lead_agency", names.agency(body["lead_agency"]))
    co_agencies = [names.agency(name) for name in body["co_agencies"]]
    if None in co_agencies:
        problems["co_agencies"] = "unknown"
    credit_code = None
    try:
        credit_code = normalize_credit_code(body["credit_code"])
    except ValidationFailed as error:
        problems.update(error.fields)
    if body["office_ref"] and imports.office_ref_taken(campaign, body["office_ref"]):
        problems["office_ref"] = "taken"
    problems = (
        verbs.flag_problems(
            campaign,
            team=team,
            category=category,
            district=district,
            town=town,
            deadline=body["deadline"],
            listing_level=body["listing_level"],
            listing_doc_no=body["listing_doc_no"],
        )
        | problems
    )
    if problems:
        raise ValidationFailed("invalid item", fields=problems)
    target = find_or_create_target(
        name=body["target"],
        region=town or district,
        credit_code=credit_code,
        kind=body["target_kind"],
        by=current_user,
    )
    item = verbs.flag_item(
        campaign,
        by=current_user,
        team=team,
        target=target,
        district=district,
        town=town,
        category=category,
        title=body["title"],
        description=body["description"],
        severity=body["severity"],
        listing_level=body["listing_level"],
        listing_doc_no=body["listing_doc_no"],
        lead_agency=lead_agency,
        co_agencies=co_agencies,
        deadline=body["deadline"],
        office_ref=body["office_ref"],
    )
    db.session.commit()
    return present.item_detail(access.item_or_404(item.ref), current_user)


@bp.route("/items/<ref>", methods=["GET"])
@bp.response(200, ItemDetail)
@_errors(401, 404)
def show_item(ref):
    """An item with its version, timeline, evidence and the actions open to this user."""
    item = access.item_or_404(ref)
    return present.item_detail(item, current_user)


def _dispatch(item: Item, body: dict):
    """Call the operation for `body["action"]` with the fields it takes."""
    action, by, note, version = body["action"], current_user, body["note"], body["version"]
    if action == "acknowledge":
        return verbs.acknowledge(item, by=by, version=version, note=note)
    if action == "submit":
        return verbs.submit_rectification(item, by=by, measures=body["measures"], version=version)
    if action == "verify":
        return verbs.verify(item, by=by, version=version, note=note)
    if action == "return":
        return verbs.return_for_rework(item, by=by, note=note, version=version)
    if action == "withdraw":
        return verbs.withdraw(item, by=by, note=note, version=version)
    if action == "extend_request":
        if body["new_deadline"] is None:
            raise ValidationFailed("new_deadline is required", fields={"new_deadline": "required"})
        return verbs.request_extension(item, by=by, new_deadline=body["new_deadline"], note=note)
    if action in ("extend_approve", "extend_refuse"):
        return verbs.decide_extension(
            item, by=by, approve=action == "extend_approve", note=note, version=version
        )
    if action == "transfer_propose":
        if not body["to_agency"]:
            raise ValidationFailed("to_agency is required", fields={"to_agency": "required"})
        names = Names()
        to_agency = names.agency(body["to_agency"], "to_agency")
        names.check()
        return verbs.propose_transfer(item, by=by, to_agency=to_agency, note=note)
    if action in ("transfer_accept", "transfer_decline"):
        return verbs.answer_transfer(
            item, by=by, accept=action == "transfer_accept", note=note, version=version
        )
    if action == "comment":
        return verbs.comment(item, by=by, note=note)
    if action == "enforcement":
        problems = {f: "required" for f in ("kind", "date") if body[f] is None}
        if problems:
            raise ValidationFailed("kind and date are required", fields=problems)
        return verbs.record_enforcement(
            item,
            by=by,
            kind=body["kind"],
            action_date=body["date"],
            document_no=body["document_no"],
            amount=body["amount"],
            note=note,
        )
    if action == "list":
        if body["listing_level"] is None:
            raise ValidationFailed(
                "listing_level is required", fields={"listing_level": "required"}
            )
        return verbs.set_listing(
            item,
            by=by,
            level=body["listing_level"],
            doc_no=body["listing_doc_no"],
            version=version,
        )
    if action == "edit":
        return verbs.edit_item(item, by=by, version=version, **_edits(item, body))
    raise ValidationFailed("unknown action", fields={"action": "unknown"})


def _edits(item: Item, body: dict) -> dict:
    """The details an `edit` changes (those present in the body), names resolved."""
    changes = {key: body[key] for key in ("description", "severity") if body[key] is not None}
    problems = {}
    if body["title"] is not None:
        changes["title"] = body["title"].strip()
        if not changes["title"]:
            problems["title"] = "required"
    names = imports.Directory(item.campaign)
    if body["category"] is not None:
        changes["category"] = names.categories.get(body["category"])
        if changes["category"] is None:
            problems["category"] = "unknown"
    if body["town"] is not None:
        changes["town"] = None
        if body["town"]:
            changes["town"] = names.towns.get((item.district_id, body["town"]))
            if changes["town"] is None:
                problems["town"] = "unknown"
    if body["co_agencies"] is not None:
        changes["co_agencies"] = [names.agency(name) for name in body["co_agencies"]]
        if None in changes["co_agencies"]:
            problems["co_agencies"] = "unknown"
    if problems:
        raise ValidationFailed("invalid details", fields=problems)
    return changes


@bp.route("/items/<ref>/actions", methods=["POST"])
@bp.arguments(ActionIn)
@bp.response(200, ItemDetail)
@bp.alt_response(409, schema=ItemDetail, description="Stale version: the current item")
@bp.alt_response(422, schema=ApiError, description="Not possible in the item's state, or invalid")
@_errors(401, 403, 404)
def act(body, ref):
    """Take an action on an item (the lifecycle table decides who may, from which state)."""
    item = access.item_or_404(ref, for_update=True)
    if not access.may(current_user, body["action"], item):
        raise NotPermitted(f"not permitted: {body['action']}")
    if body["version"] != item.version:
        return present.item_detail(item, current_user), 409
    try:
        _dispatch(item, body)
    except StaleVersion:
        db.session.rollback()
        return present.item_detail(access.item_or_404(ref), current_user), 409
    db.session.commit()
    # The item as the action left it, even when this user no longer sees it (a declined
    # transfer, an accepted one handed away): they took the action, it must not look refused.
    return present.item_detail(db.session.get(Item, item.id), current_user)


@bp.route("/items/<ref>/evidence", methods=["POST"])
@bp.arguments(EvidenceIn, location="form")
@bp.arguments(FileIn, location="files")
@bp.response(201, EvidenceOut)
@bp.alt_response(413, schema=ApiError, description="The file is too large")
@bp.alt_response(422, schema=ApiError, description="Not an accepted file, or not possible now")
@_errors(401, 403, 404)
def upload_evidence(form, files, ref):
    """Upload a photo (JPEG, PNG, WebP) or PDF; `submit` needs at least one `after` file."""
    item = access.item_or_404(ref)
    try:
        record = verbs.add_evidence(
            item, by=current_user, upload=files["file"], stage=form["stage"], note=form["note"]
        )
    except UploadRefused as refused:  # 413 or 422, in the same words as the pages
        refused.message = upload_message(refused)
        raise
    db.session.commit()
    return present.evidence(item, record)


@bp.route("/items/<ref>/evidence/<int:evidence_id>", methods=["GET"])
@bp.response(200, description="The file", content_type="application/octet-stream")
@_errors(401, 404)
def evidence_file(ref, evidence_id):
    """An evidence file, under the item's access rule."""
    record = access.evidence_or_404(ref, evidence_id)
    return file_response(record.stored_name, record.content_type, record.original_name)


# --- Ledger import ----------------------------------------------------------------------------------


@bp.route("/campaigns/<code>/imports", methods=["POST"])
@bp.arguments(FileIn, location="files")
@bp.response(201, ImportOut)
@bp.alt_response(
    409, schema=ApiError, description="This file was imported into the campaign before"
)
@bp.alt_response(413, schema=ApiError, description="The file is larger than the import limit")
@bp.alt_response(
    422, schema=ImportRejected, description="Every problem (row, column, reason); nothing imported"
)
@_errors(401, 403, 404)
def import_ledger(files, code):
    """Import a ledger file (CSV or XLSX, CONTRACTS C4) into the campaign (its leads): the
    whole file is checked first; any problem rejects it whole; the same file twice is refused."""
    campaign = access.campaign_or_404(code)
    if not access.leads_campaign(current_user, campaign):
        raise NotPermitted("only the campaign's leads import ledgers")
    limit = current_app.config["MAX_IMPORT_BYTES"]
    content = files["file"].read(limit + 1)
    if len(content) > limit:
        abort(413)
    try:
        record = imports.import_ledger(
            campaign,
            by=current_user,
            filename=files["file"].filename or "ledger",
            content=content,
        )
    except imports.FileRejected as error:
        db.session.rollback()
        response = jsonify(
            error="invalid",
            message=error.message,
            problems=[asdict(problem) for problem in error.problems],
        )
        response.status_code = 422
        return response
    except UnreadableFile as error:
        raise ValidationFailed(str(error), fields={"file": "unreadable"}) from error
    db.session.commit()
    rows = db.session.execute(
        select(Item.ref, Item.office_ref).where(Item.import_id == record.id).order_by(Item.seq)
    ).all()
    return {
        "id": record.id,
        "filename": record.filename,
        "sha256": record.sha256,
        "rows": record.row_count,
        "imported_at": record.imported_at,
        "items": [{"ref": ref, "office_ref": office_ref} for ref, office_ref in rows],
    }


# --- Figures -------------------------------------------------------------------------------------


@bp.route("/campaigns/<code>/completion", methods=["GET"])
@bp.arguments(CompletionQuery, location="query")
@bp.response(200, Completion)
@_errors(401, 404)
def completion(query, code):
    """The completion table of CONTRACTS C3 as JSON (this user's scope)."""
    campaign = access.campaign_or_404(code)
    as_of = query["as_of"] or clock.today()
    table = completion_table(
        (Item.campaign_id == campaign.id) & access.figures_scope(current_user),
        by=query["by"],
        as_of=as_of,
    )
    by_label = query["by"] in ("district", "team")
    rows = [present.completion_row(r.label_zh if by_label else r.key, r) for r in table.rows]
    rows.append(present.completion_row("TOTAL", table.total))
    return {"by": query["by"], "as_of": as_of, "rows": rows}


# --- Look-back reviews -----------------------------------------------------------------------------


@bp.route("/campaigns/<code>/reviews", methods=["GET"])
@bp.response(200, ReviewList)
@_errors(401, 404)
def list_reviews(code):
    """The campaign's look-back and its checks (its leads and its teams' inspectors)."""
    campaign = access.review_campaign_or_404(code)
    review = review_ops.review_of(campaign)
    return {"reviews": [] if review is None else [_review_body(review)]}


@bp.route("/campaigns/<code>/reviews", methods=["POST"])
@bp.response(201, ReviewOut)
@bp.alt_response(422, schema=ApiError, description="Already open, or the action has not started")
@_errors(401, 403, 404)
def open_review(code):
    """Open the campaign's look-back today, before its planned start (its leads); it opens by
    itself the day after the action phase ends."""
    campaign = access.review_campaign_or_404(code)
    if not access.leads_campaign(current_user, campaign):
        raise NotPermitted("only the campaign's leads open its look-back early")
    review = review_ops.open_early(campaign, by=current_user)
    db.session.commit()
    return _review_body(review)


def _review_body(review: Review) -> dict:
    checks = db.session.scalars(
        select(ReviewCheck)
        .where(ReviewCheck.review_id == review.id)
        .options(
            joinedload(ReviewCheck.item),
            joinedload(ReviewCheck.team),
            joinedload(ReviewCheck.checked_by),
        )
        .order_by(ReviewCheck.id)
    ).all()
    figures = review.frozen_figures or review_ops.figures_of(review)
    return present.review(review, checks, figures)


@bp.route("/reviews/<int:review_id>/checks/<item_ref>", methods=["POST"])
@bp.arguments(CheckIn)
@bp.response(200, CheckOut)
@bp.alt_response(422, schema=ApiError, description="Invalid, or the look-back is not open")
@_errors(401, 403, 404)
def record_check(body, review_id, item_ref):
    """Record a look-back result; anything but holding needs a new deadline (a relapse)."""
    review = db.session.get(Review, review_id)
    if review is None:
        abort(404)
    campaign = access.review_campaign_or_404(review.campaign.code)
    check_id = db.session.scalar(
        select(ReviewCheck.id)
        .join(Item, Item.id == ReviewCheck.item_id)
        .where(ReviewCheck.review_id == review.id, Item.ref == item_ref)
    )
    if check_id is None:
        abort(404)
    check = access.review_check_or_404(campaign, check_id)
    review_ops.record_check(
        check,
        by=current_user,
        result=body["result"],
        note=body["note"],
        new_deadline=body["new_deadline"],
    )
    db.session.commit()
    return present.check(check)
