"""Flagged items in the browser: flagging, the item page and its actions, the lists, a
liaison's joint cases and the evidence files.

Every action view has the same shape: load the item through the access policy (404 outside the
user's scope), check the permission (403), validate the form (or show the item page again with
the errors), call one verb of operations.py, commit, flash, redirect. A save made from an
out-of-date page answers 409 with the current state beside what the person typed.
"""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from campaigns.items import choices, operations, queries, ui
from campaigns.items import evidence as storage
from campaigns.items.choices import edit_choices, filter_choices, flag_choices, prepare_item_forms
from campaigns.items.forms import (
    ACTION_FORMS,
    EditForm,
    FlagForm,
    ItemFilterForm,
    WithdrawForm,
)
from campaigns.items.lifecycle import allowed_from
from campaigns.items.models import (
    EnforcementAction,
    Evidence,
    Item,
    TimelineEntry,
)
from campaigns.targets import operations as targets
from campaigns.targets.models import Target
from portal import access, clock
from portal.accounts.models import Role
from portal.directory.models import Agency, Region
from portal.errors import InvalidMove, StaleVersion, ValidationFailed, error_response
from portal.extensions import db

bp = Blueprint("items", __name__)

from campaigns.items import panels  # noqa: E402,F401 - registers the home page panels


@bp.record_once
def _template_helpers(state) -> None:
    """The lifecycle's labels and the warning light, for every template (lists, panels …)."""
    state.app.jinja_env.globals["items_ui"] = ui.labels


def _uploads(field) -> list:
    return [f for f in (field.data or []) if getattr(f, "filename", None)]


# --- Lists -----------------------------------------------------------------------------------


@bp.route("/items/")
def index():
    return _list_page(None)


@bp.route("/campaigns/<code>/items")
def campaign_items(code: str):
    return _list_page(access.campaign_or_404(code))


def _list_page(campaign):
    form = ItemFilterForm(request.args)
    filter_choices(form, campaign, current_user)
    form.validate()
    values = {f.name: f.data for f in form if f.data and not f.errors and f.name != "sort"}
    within = [Item.campaign_id == campaign.id] if campaign is not None else []

    def scope(filters: list, *, counting: bool = False) -> list:
        return [access.visible_items(current_user, *within, *filters, counting=counting)]

    counts = queries.status_counts(
        scope(queries.filter_clauses(values, skip={"status"}), counting=True)
    )
    sort = form.sort.data if form.sort.data and not form.sort.errors else "deadline"
    page = queries.page_of_items(
        scope(queries.filter_clauses(values)),
        sort,
        per_page=current_app.config["ITEMS_PER_PAGE"],
        count=False,
    )
    # The counts per status already hold the list's length: no second count of the same rows.
    page.total = counts.get(values["status"], 0) if "status" in values else sum(counts.values())
    return render_template(
        "items/list.html",
        campaign=campaign,
        form=form,
        page=page,
        counts=counts,
        filtered=bool(values),
        may_flag=campaign is not None and access.may_flag(current_user, campaign),
    )


@bp.route("/joint-cases")
@access.require_role(Role.LIAISON)
def joint_cases():
    return render_template(
        "items/joint_cases.html",
        counts=queries.joint_case_counts(current_user),
        groups=queries.joint_cases(current_user),
    )


# --- Flagging --------------------------------------------------------------------------------


@bp.route("/campaigns/<code>/items/new", methods=["GET", "POST"])
def flag(code: str):
    campaign = access.campaign_or_404(code)
    teams = access.teams_of(current_user, campaign)
    if not teams:
        abort(403)
    form = FlagForm()
    flag_choices(form, campaign, teams)
    if form.is_submitted() and form.find.data:  # "Find" searches targets; nothing is saved
        return render_template("items/flag.html", form=form, campaign=campaign)
    if form.validate_on_submit():
        try:
            item = _flag(campaign, teams, form)
        except ValidationFailed as error:
            db.session.rollback()
            ui.show_errors(form, error)
        else:
            db.session.commit()
            flash(_("Item %(ref)s flagged and assigned.", ref=item.ref), "success")
            return redirect(url_for("items.show", ref=item.ref))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("items/flag.html", form=form, campaign=campaign), status


def _flag(campaign, teams, form: FlagForm) -> Item:
    """Find or create the target, then flag the item with its photos (one transaction)."""
    district = db.session.get(Region, form.district_id.data)
    town = db.session.get(Region, form.town_id.data) if form.town_id.data else None
    if form.target_id.data:
        target = db.session.get(Target, form.target_id.data)
    elif (form.new_target_name.data or "").strip():
        target = targets.find_or_create_target(
            name=form.new_target_name.data,
            region=town or district,
            credit_code=form.new_target_credit_code.data,
            kind=form.new_target_kind.data,
            by=current_user,
        )
    else:
        raise ValidationFailed("target required", fields={"target_id": "required"})
    agencies = {a.id: a for a in db.session.scalars(select(Agency))}
    return operations.flag_item(
        campaign,
        by=current_user,
        team=next(t for t in teams if t.id == form.team_id.data),
        target=target,
        district=district,
        town=town,
        category=next(c for c in campaign.categories if c.id == form.category_id.data),
        title=form.title.data,
        description=form.description.data,
        severity=form.severity.data,
        listing_level=form.listing_level.data,
        listing_doc_no=form.listing_doc_no.data,
        lead_agency=agencies[form.lead_agency_id.data],
        co_agencies=[agencies[i] for i in form.co_agency_ids.data or []],
        deadline=form.deadline.data,
        evidence=_uploads(form.evidence),
    )


@bp.route("/items/targets.json")
@access.require_role(Role.INSPECTOR)
def target_options():
    """Targets matching `q` (name or credit code) for the flag form's search."""
    found = choices.target_options(request.args.get("q", ""))
    return jsonify([{"id": t.id, "label": choices.target_label(t)} for t in found])


# --- The item page ---------------------------------------------------------------------------


@bp.route("/items/<ref>")
def show(ref: str):
    return render_item(access.item_or_404(ref))


def render_item(item: Item, *, bound: dict | None = None, status: int = 200):
    """The item page; `bound` holds forms to show as the person filled them (with errors)."""
    defaults = {
        "version": item.version,
        "listing_level": item.listing_level,
        "listing_doc_no": item.listing_doc_no,
        "action_date": clock.today(),
    }
    forms = {key: form(formdata=None, **defaults) for key, form in ACTION_FORMS.items()}
    forms.update(bound or {})
    prepare_item_forms(forms, item, access.relations(current_user, item))
    timeline = db.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.item_id == item.id)
        .options(
            joinedload(TimelineEntry.actor),
            joinedload(TimelineEntry.actor_agency),
            joinedload(TimelineEntry.evidence),
        )
        .order_by(TimelineEntry.id)
    ).all()
    page = render_template(
        "items/show.html",
        item=item,
        available=access.available_actions(current_user, item),
        forms=forms,
        timeline=timeline,
        evidence=db.session.scalars(
            select(Evidence).where(Evidence.item_id == item.id).order_by(Evidence.id)
        ).all(),
        enforcement=db.session.scalars(
            select(EnforcementAction)
            .where(EnforcementAction.item_id == item.id)
            .options(joinedload(EnforcementAction.agency))
            .order_by(EnforcementAction.action_date, EnforcementAction.id)
        ).all(),
        pending_extension=operations.pending_extension(item),
        pending_transfer=operations.pending_transfer(item),
        agencies_by_code=agencies_by_code(),
    )
    return page, status


def agencies_by_code() -> dict[str, Agency]:
    """The timeline keeps agency codes (stable); pages show their names."""
    return {a.code: a for a in db.session.scalars(select(Agency))}


# --- Actions ---------------------------------------------------------------------------------


def act(ref: str, form_key: str, perform, *, page=None):
    """The one way through an action: load, permission, form, one verb, commit, redirect.

    `perform(item, form)` calls the verb; `form_key` names the form (ACTION_FORMS) and, but
    for the two-button decisions, the action. `page(item, form)` shows the form again with its
    errors (the item page by default).
    """
    page = page or (lambda item, form: render_item(item, bound={form_key: form}, status=422))
    item = access.item_or_404(ref, for_update=True)
    form = ACTION_FORMS[form_key]()
    rels = access.relations(current_user, item)  # once for the form and the check
    prepare_item_forms({form_key: form}, item, rels)
    action = _decided(form_key, form) or form_key
    if not access.may(current_user, action, item, rels):
        abort(403)
    if not form.validate_on_submit():
        return page(item, form)
    try:
        perform(item, form)
    except StaleVersion:
        db.session.rollback()
        return conflict(ref, form_key, form, action)
    except InvalidMove:
        db.session.rollback()
        return error_response(
            422,
            _(
                "This cannot be done in the item's present state. Reload the page to see what can be done now."
            ),
        )
    except ValidationFailed as error:
        db.session.rollback()
        ui.show_errors(form, error)
        return page(access.item_or_404(ref), form)
    db.session.commit()
    flash(ui.DONE[action](), "success")
    # The ref from the URL: item.ref would reload the item, expired by the commit.
    return redirect(url_for("items.show", ref=ref))


def _decided(form_key: str, form) -> str | None:
    """Which of a two-button decision was pressed (approve/refuse, accept/decline)."""
    if form_key == "extend_decide":
        return "extend_refuse" if form.refuse.data else "extend_approve"
    if form_key == "transfer_answer":
        return "transfer_decline" if form.decline.data else "transfer_accept"
    return None


def conflict(ref: str, form_key: str, form, action: str):
    """409: the item as it is now, beside what the person tried (their text kept)."""
    item = access.item_or_404(ref)
    form.version.data = item.version
    form.version.raw_data = [str(item.version)]
    prepare_item_forms({form_key: form}, item, access.relations(current_user, item))
    latest = db.session.scalars(
        select(TimelineEntry)
        .where(TimelineEntry.item_id == item.id)
        .options(joinedload(TimelineEntry.actor), joinedload(TimelineEntry.actor_agency))
        .order_by(TimelineEntry.id.desc())
        .limit(5)
    ).all()
    return (
        render_template(
            "items/conflict.html",
            item=item,
            form_key=form_key,
            form=form,
            action=action,
            latest=latest,
            available=access.available_actions(current_user, item),
        ),
        409,
    )


@bp.route("/items/<ref>/acknowledge", methods=["POST"])
def acknowledge(ref: str):
    return act(
        ref,
        "acknowledge",
        lambda item, form: operations.acknowledge(
            item, by=current_user, version=form.version.data, note=form.note.data
        ),
    )


@bp.route("/items/<ref>/submit", methods=["POST"])
def submit(ref: str):
    return act(
        ref,
        "submit",
        lambda item, form: operations.submit_rectification(
            item,
            by=current_user,
            version=form.version.data,
            measures=form.measures.data,
            evidence=_uploads(form.evidence),
        ),
    )


@bp.route("/items/<ref>/verify", methods=["POST"])
def verify(ref: str):
    return act(
        ref,
        "verify",
        lambda item, form: operations.verify(
            item, by=current_user, version=form.version.data, note=form.note.data
        ),
    )


@bp.route("/items/<ref>/return", methods=["POST"])
def return_for_rework(ref: str):
    return act(
        ref,
        "return",
        lambda item, form: operations.return_for_rework(
            item, by=current_user, version=form.version.data, note=form.note.data
        ),
    )


@bp.route("/items/<ref>/withdraw", methods=["GET", "POST"])
def withdraw(ref: str):
    """A confirmation page (GET), then the withdrawal itself (POST)."""
    if request.method == "POST":
        return act(
            ref,
            "withdraw",
            lambda item, form: operations.withdraw(
                item, by=current_user, version=form.version.data, note=form.note.data
            ),
            page=lambda item, form: (
                render_template("items/withdraw.html", item=item, form=form),
                422,
            ),
        )
    item = access.item_or_404(ref)
    if not access.may(current_user, "withdraw", item):
        abort(403)
    if not allowed_from("withdraw", item.status):
        return error_response(422, _("Only an open item can be withdrawn."))
    form = WithdrawForm(formdata=None, version=item.version)
    return render_template("items/withdraw.html", item=item, form=form)


@bp.route("/items/<ref>/extension", methods=["POST"])
def request_extension(ref: str):
    return act(
        ref,
        "extend_request",
        lambda item, form: operations.request_extension(
            item,
            by=current_user,
            version=form.version.data,
            new_deadline=form.new_deadline.data,
            note=form.note.data,
        ),
    )


@bp.route("/items/<ref>/extension/decision", methods=["POST"])
def decide_extension(ref: str):
    return act(
        ref,
        "extend_decide",
        lambda item, form: operations.decide_extension(
            item,
            by=current_user,
            version=form.version.data,
            approve=not form.refuse.data,
            note=form.note.data,
        ),
    )


@bp.route("/items/<ref>/transfer", methods=["POST"])
def propose_transfer(ref: str):
    return act(
        ref,
        "transfer_propose",
        lambda item, form: operations.propose_transfer(
            item,
            by=current_user,
            version=form.version.data,
            to_agency=db.session.get(Agency, form.to_agency_id.data),
            note=form.note.data,
        ),
    )


@bp.route("/items/<ref>/transfer/answer", methods=["POST"])
def answer_transfer(ref: str):
    return act(
        ref,
        "transfer_answer",
        lambda item, form: operations.answer_transfer(
            item,
            by=current_user,
            version=form.version.data,
            accept=not form.decline.data,
            note=form.note.data,
        ),
    )


@bp.route("/items/<ref>/enforcement", methods=["POST"])
def record_enforcement(ref: str):
    return act(
        ref,
        "enforcement",
        lambda item, form: operations.record_enforcement(
            item,
            by=current_user,
            version=form.version.data,
            kind=form.kind.data,
            action_date=form.action_date.data,
            document_no=form.document_no.data,
            amount=form.amount.data,
            note=form.note.data,
        ),
    )


@bp.route("/items/<ref>/comments", methods=["POST"])
def comment(ref: str):
    return act(
        ref,
        "comment",
        lambda item, form: operations.comment(
            item, by=current_user, version=form.version.data, note=form.note.data
        ),
    )


@bp.route("/items/<ref>/evidence", methods=["POST"])
def add_evidence(ref: str):
    def perform(item, form):
        for upload in _uploads(form.evidence):
            operations.add_evidence(
                item,
                by=current_user,
                version=form.version.data,
                upload=upload,
                stage=form.stage.data,
                note=form.note.data,
            )

    return act(ref, "evidence", perform)


@bp.route("/items/<ref>/listing", methods=["POST"])
def set_listing(ref: str):
    return act(
        ref,
        "list",
        lambda item, form: operations.set_listing(
            item,
            by=current_user,
            version=form.version.data,
            level=form.listing_level.data,
            doc_no=form.listing_doc_no.data,
        ),
    )


@bp.route("/items/<ref>/edit", methods=["GET", "POST"])
def edit(ref: str):
    item = access.item_or_404(ref, for_update=request.method == "POST")
    if not access.may(current_user, "edit", item):
        abort(403)
    if not allowed_from("edit", item.status):
        return error_response(422, _("Only an open item can be edited."))
    form = EditForm(obj=item) if request.method == "GET" else EditForm()
    edit_choices(form, item)
    if form.validate_on_submit():
        try:
            operations.edit_item(
                item, by=current_user, version=form.version.data, **_changes(item, form)
            )
        except StaleVersion:
            db.session.rollback()
            return conflict(ref, "edit", form, "edit")
        except ValidationFailed as error:
            db.session.rollback()
            ui.show_errors(form, error)
        else:
            db.session.commit()
            flash(ui.DONE["edit"](), "success")
            return redirect(url_for("items.show", ref=ref))
    status = 422 if form.errors else 200
    return render_template("items/edit.html", item=item, form=form), status


def _changes(item: Item, form: EditForm) -> dict:
    categories = {c.id: c for c in item.campaign.categories}
    agencies = {a.id: a for a in db.session.scalars(select(Agency))}
    return {
        "title": form.title.data.strip(),
        "description": (form.description.data or "").strip(),
        "category": categories[form.category_id.data],
        "severity": form.severity.data,
        "town": db.session.get(Region, form.town_id.data) if form.town_id.data else None,
        "co_agencies": [agencies[i] for i in form.co_agency_ids.data or []],
    }


# --- Evidence files ----------------------------------------------------------------------------


# The file's own answer: nothing in it may run, load or be framed, even if a browser sniffs.
@bp.route("/items/<ref>/evidence/<int:evidence_id>")
def evidence_file(ref: str, evidence_id: int):
    record = access.evidence_or_404(ref, evidence_id)
    return storage.file_response(record.stored_name, record.content_type, record.original_name)


@bp.route("/items/<ref>/evidence/<int:evidence_id>/thumbnail")
def evidence_thumbnail(ref: str, evidence_id: int):
    record = access.evidence_or_404(ref, evidence_id)
    if not record.thumbnail_name:
        abort(404)
    stem = record.original_name.rsplit(".", 1)[0]
    return storage.file_response(record.thumbnail_name, "image/jpeg", f"{stem}-thumbnail.jpg")
