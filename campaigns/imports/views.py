"""Ledger import pages (CONTRACTS C4): upload, preview, confirm; and the template files."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from campaigns.imports import operations, uploads
from campaigns.imports.forms import ConfirmForm, UploadForm
from campaigns.imports.ledger import COLUMNS, UnreadableFile
from campaigns.imports.template_files import template_download
from portal import access, files
from portal.extensions import db
from portal.uploads import has_folder_path

bp = Blueprint("imports", __name__)


def _campaign(code: str):
    campaign = access.campaign_or_404(code)
    if not access.leads_campaign(current_user, campaign):
        abort(403)
    return campaign


def _render(campaign, form, **context):
    return render_template(
        "imports/upload.html", campaign=campaign, form=form, columns=COLUMNS, **context
    )


@bp.route("/campaigns/<code>/import", methods=["GET", "POST"])
def upload(code: str):
    campaign = _campaign(code)
    form = UploadForm()
    if not form.validate_on_submit():
        return _render(campaign, form)
    filename = form.file.data.filename or "ledger"
    if has_folder_path(filename):
        form.file.errors.append(
            _(
                "The file name holds a folder path (such as ../). Rename the file and upload it again."
            )
        )
        return _render(campaign, form), 422
    content = form.file.data.read(current_app.config["MAX_IMPORT_BYTES"] + 1)
    if len(content) > current_app.config["MAX_IMPORT_BYTES"]:
        form.file.errors.append(_("The file is larger than the import limit."))
        return _render(campaign, form), 413
    digest = operations.sha256(content)
    if operations.already_imported(campaign, digest):
        form.file.errors.append(_("This file has already been imported into this campaign."))
        return _render(campaign, form), 409
    try:
        plan = operations.preview(campaign, filename, content)
    except UnreadableFile as error:
        form.file.errors.append(str(error))
        return _render(campaign, form), 422
    if plan.problems:
        return _render(campaign, form, problems=plan.problems, filename=filename), 422
    try:
        pending = uploads.keep(campaign.id, filename, digest, content)
    except files.StorageError:
        form.file.errors.append(
            _(
                "The file could not be kept for the import: the portal's file storage is full or cannot be written to. Nothing was imported. Tell the portal's operators."
            )
        )
        return _render(campaign, form), 503
    confirm = ConfirmForm(token=pending.token)
    return render_template(
        "imports/preview.html", campaign=campaign, plan=plan, filename=filename, form=confirm
    )


@bp.route("/campaigns/<code>/import/confirm", methods=["POST"])
def confirm(code: str):
    campaign = _campaign(code)
    form = ConfirmForm()
    pending = uploads.pending(form.token.data, campaign.id) if form.validate_on_submit() else None
    content = pending.read() if pending else None
    if content is None or operations.sha256(content) != pending.sha256:
        flash(_("That upload is no longer waiting; upload the file again."), "error")
        return redirect(request.path.rsplit("/", 1)[0])
    try:
        record = operations.import_ledger(
            campaign, by=current_user, filename=pending.filename, content=content
        )
    except operations.FileRejected as error:
        db.session.rollback()
        pending.discard()
        return _render(
            campaign, UploadForm(), problems=error.problems, filename=pending.filename
        ), 422
    except (operations.AlreadyImported, UnreadableFile) as error:
        db.session.rollback()
        pending.discard()
        flash(str(error), "error")
        return redirect(request.path.rsplit("/", 1)[0])
    db.session.commit()
    pending.discard()
    flash(
        _("%(count)s items imported from %(file)s.", count=record.row_count, file=record.filename),
        "success",
    )
    return redirect(f"/campaigns/{campaign.code}/items")


@bp.route("/campaigns/<code>/import/template.csv", defaults={"fmt": "csv"})
@bp.route("/campaigns/<code>/import/template.xlsx", defaults={"fmt": "xlsx"})
def template(code: str, fmt: str):
    campaign = _campaign(code)
    headers = "zh" if request.args.get("headers") == "zh" else "en"
    return template_download(campaign, fmt=fmt, headers=headers)
