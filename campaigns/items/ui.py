"""How items read on the pages: the labels every template uses (`items_ui`), the warning
light of the day, the flash after each action, and a verb's refusal put on form fields."""

from types import SimpleNamespace

from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from campaigns.items import evidence as storage
from campaigns.items.forms import (
    FIELD_LABELS,
    FIELD_MESSAGES,
    FIELD_REASON_MESSAGES,
    JOINT_LABELS,
    UPLOAD_MESSAGES,
)
from campaigns.items.labels import (
    ACTION_LABELS,
    ENFORCEMENT_LABELS,
    ENTRY_LABELS,
    LIGHT_LABELS,
    LISTING_LABELS,
    SEVERITY_LABELS,
    STAGE_LABELS,
    STATUS_LABELS,
    TARGET_KIND_LABELS,
)
from campaigns.items.models import Item
from portal import clock
from portal.errors import ValidationFailed


def megabytes(size: int) -> str:
    return format_decimal(round(size / (1024 * 1024), 1))


def light_of(item: Item):
    """The item's warning light today (None once closed)."""
    return item.light_on(clock.today(), current_app.config["WARNING_DAYS"])


labels = SimpleNamespace(
    status=STATUS_LABELS,
    action=ACTION_LABELS,
    entry=ENTRY_LABELS,
    severity=SEVERITY_LABELS,
    listing=LISTING_LABELS,
    light_label=LIGHT_LABELS,
    enforcement=ENFORCEMENT_LABELS,
    stage=STAGE_LABELS,
    target_kind=TARGET_KIND_LABELS,
    field=FIELD_LABELS,
    joint=JOINT_LABELS,
    light=light_of,
    today=clock.today,
    megabytes=megabytes,
)


# Where a verb's field reason goes on our forms, when the names differ.
FORM_FIELDS = {
    "file": "evidence",
    "to_agency": "to_agency_id",
    "date": "action_date",
    "district": "district_id",
    "town": "town_id",
    "category": "category_id",
    "team": "team_id",
    "credit_code": "new_target_credit_code",
}
DONE = {
    "acknowledge": lambda: _("Acknowledged: your agency is now rectifying the item."),
    "submit": lambda: _("Rectification submitted: the team will verify it on site."),
    "verify": lambda: _("Verified: the item is closed."),
    "return": lambda: _("Returned for rework: the lead agency has been told why."),
    "withdraw": lambda: _("The item is withdrawn."),
    "extend_request": lambda: _("Extension requested: a campaign lead will decide."),
    "extend_approve": lambda: _("Extension approved: the deadline has moved."),
    "extend_refuse": lambda: _("Extension refused: the deadline stays."),
    "transfer_propose": lambda: _("Transfer proposed: the other agency will answer."),
    "transfer_accept": lambda: _("Transfer accepted: your agency now leads this item."),
    "transfer_decline": lambda: _("Transfer declined: the item stays where it was."),
    "enforcement": lambda: _("Enforcement action recorded."),
    "comment": lambda: _("Comment added."),
    "evidence": lambda: _("Evidence added."),
    "list": lambda: _("Listing for supervision saved."),
    "edit": lambda: _("Details saved."),
}


def show_errors(form, error: ValidationFailed) -> None:
    """Put a verb's refusal on the form fields it concerns, as messages a person can act on."""
    for field, reason in error.fields.items():
        name = FORM_FIELDS.get(field, field)
        target = getattr(form, name, None)
        errors = target.errors if target is not None else form.form_errors
        if isinstance(error, storage.UploadRefused):
            message = upload_message(error)
        else:
            message = FIELD_REASON_MESSAGES.get((name, reason)) or FIELD_MESSAGES.get(
                reason, FIELD_MESSAGES["invalid"]
            )
        if isinstance(errors, tuple):  # WTForms keeps errors in a tuple until validated
            target.errors = errors = list(errors)
        errors.append(str(message))


def upload_message(error: storage.UploadRefused) -> str:
    """Why a file was refused, naming the file, in words a person can act on (pages and API)."""
    return str(UPLOAD_MESSAGES[error.reason]) % {
        "name": error.name or _("The file"),
        "mb": megabytes(current_app.config["MAX_EVIDENCE_BYTES"]),
    }
