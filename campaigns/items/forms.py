"""Forms for flagged items: flagging, every action of the lifecycle, editing, the list filters.

Every action form carries the item version the page showed (`version`), so that a save made
from an out-of-date page is refused with 409 instead of overwriting someone else's change.
The labels of the lifecycle's words (states, actions, timeline events …) live here too, so that
views, templates and the other features show them the same way.
"""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from campaigns.items.labels import (
    ENFORCEMENT_LABELS,
    LISTING_LABELS,
    SEVERITY_LABELS,
    TARGET_KIND_LABELS,
)
from campaigns.items.models import (
    ListingLevel,
)
from campaigns.items.operations import NOTE_MAX
from campaigns.targets.models import TargetKind
from campaigns.targets.operations import normalize_credit_code
from portal.errors import ValidationFailed
from portal.forms import ManyOptions, options

JOINT_LABELS = {
    "to_acknowledge": _l("To acknowledge"),
    "returned": _l("Returned for rework"),
    "transfers": _l("Transfers waiting for you"),
    "overdue": _l("Overdue"),
    "due_this_week": _l("Due within a week"),
    "closed_recently": _l("Closed in the last 30 days"),
}
# The editable details (operations.EDITABLE), as the timeline names them.
FIELD_LABELS = {
    "title": _l("Problem"),
    "description": _l("Description"),
    "category": _l("Category"),
    "severity": _l("Severity"),
    "town": _l("Town / subdistrict"),
    "target": _l("Target"),
    "co_agencies": _l("Co-handling agencies"),
}
SORT_LABELS = {
    "deadline": _l("Deadline, soonest first"),
    "flagged": _l("Flagged, newest first"),
    "ref": _l("Reference"),
    "status": _l("Status"),
}

# Reasons of ValidationFailed.fields, as messages a person can act on.
FIELD_MESSAGES = {
    "required": _l("Please fill this in."),
    "too_long": _l("This is too long."),
    "past": _l("Choose a date from today on."),
    "future": _l("The date cannot be in the future."),
    "not_later": _l("Choose a date later than the current deadline."),
    "same": _l("Choose an agency other than the current lead agency."),
    "not_district": _l("Choose a district or county."),
    "not_in_district": _l("This town is not in the chosen district."),
    "other_campaign": _l("This belongs to another campaign."),
    "invalid": _l("This choice is not valid."),
    "checksum": _l(
        "The check character does not match: the unified social credit code has a typing error."
    ),
    "format": _l(
        "A unified social credit code has 18 characters: digits and capital letters (no I, O, S, V, Z)."
    ),
    "taken": _l("Another target already has this unified social credit code."),
}
# Where a field needs its own words for a reason.
FIELD_REASON_MESSAGES = {
    ("evidence", "required"): _l("Attach at least one photo or file taken after rectification."),
    ("amount", "required"): _l("A fine needs its amount."),
    ("target_id", "required"): _l("Pick a target from the search, or describe a new one below."),
}
UPLOAD_MESSAGES = {
    "too_large": _l("%(name)s is larger than %(mb)s MB. Choose a smaller file."),
    "empty": _l("%(name)s is empty."),
    "type": _l(
        "%(name)s is not a photo (JPEG, PNG, WebP) or a PDF file. Only those can be attached."
    ),
    "corrupt": _l("%(name)s is damaged and cannot be read. Save or take it again."),
    "dimensions": _l(
        "%(name)s has too many pixels (more than 40 megapixels). Scale it down and try again."
    ),
    "storage": _l(
        "%(name)s could not be stored: the portal's file storage is full or cannot be written to. Nothing of this save was kept. Tell the portal's operators."
    ),
    "web_page": _l(
        "%(name)s also holds web page code, which a photo or PDF never needs. Save or take it again and attach the new file."
    ),
    "archive": _l(
        "%(name)s also holds an archive hidden behind the picture or document. Save or take it again and attach the new file."
    ),
    "path": _l(
        "%(name)s: the file name holds a folder path (such as ../). Rename the file and attach it again."
    ),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _note(label, required: bool):
    validators = [DataRequired()] if required else [Optional()]
    return TextAreaField(label, validators=[*validators, Length(max=NOTE_MAX)])


def _files(label, required: bool = False):
    return MultipleFileField(label, validators=[DataRequired()] if required else [Optional()])


# --- Flagging ------------------------------------------------------------------------------


class FlagForm(FlaskForm):
    team_id = SelectField(_l("Supervision team"), coerce=int)
    target_query = StringField(_l("Find a target"), validators=[Optional(), Length(max=200)])
    target_id = SelectField(_l("Target"), coerce=int, validate_choice=False)
    new_target_name = StringField(_l("Name"), validators=[Optional(), Length(max=200)])
    new_target_kind = SelectField(
        _l("Kind"),
        choices=options((k.value, v) for k, v in TARGET_KIND_LABELS.items()),
        default=TargetKind.ENTERPRISE.value,
    )
    new_target_credit_code = StringField(
        _l("Unified social credit code"), validators=[Optional(), Length(max=30)]
    )
    district_id = SelectField(_l("District / county"), coerce=int)
    town_id = SelectField(_l("Town / subdistrict"), coerce=int)
    category_id = SelectField(_l("Category"), coerce=int)
    title = StringField(_l("Problem"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=NOTE_MAX)])
    severity = SelectField(
        _l("Severity"), choices=options((k.value, v) for k, v in SEVERITY_LABELS.items())
    )
    listing_level = SelectField(
        _l("Listing for supervision"),
        choices=options((k.value, v) for k, v in LISTING_LABELS.items()),
    )
    listing_doc_no = StringField(_l("Listing document number"), validators=[Length(max=80)])
    lead_agency_id = SelectField(_l("Lead agency"), coerce=int)
    co_agency_ids = MultiCheckboxField(_l("Co-handling agencies"), coerce=int)
    deadline = DateField(_l("Deadline"), validators=[InputRequired()])
    evidence = _files(_l("Photos or files as found"))
    find = SubmitField(_l("Find"))
    submit = SubmitField(_l("Flag the item"))

    # Checks that need no database, made with the others so that every mistake shows at once
    # (the verbs check them again).
    def validate_target_id(self, field):
        if not field.data and not (self.new_target_name.data or "").strip():
            raise ValidationError(FIELD_REASON_MESSAGES[("target_id", "required")])

    def validate_new_target_credit_code(self, field):
        try:
            normalize_credit_code(field.data)
        except ValidationFailed as error:
            raise ValidationError(FIELD_MESSAGES[error.fields["credit_code"]]) from error

    def validate_listing_doc_no(self, field):
        if self.listing_level.data != ListingLevel.NONE and not (field.data or "").strip():
            raise ValidationError(FIELD_MESSAGES["required"])


# --- Actions on an item ----------------------------------------------------------------------


class ItemActionForm(FlaskForm):
    """The base of every action: the version of the item the page showed."""

    version = IntegerField(widget=HiddenInput(), validators=[InputRequired()])


class AcknowledgeForm(ItemActionForm):
    note = _note(_l("Note"), required=False)


class SubmitForm(ItemActionForm):
    measures = TextAreaField(
        _l("Measures taken"), validators=[DataRequired(), Length(max=NOTE_MAX)]
    )
    evidence = _files(_l("Photos or files after rectification"))


class VerifyForm(ItemActionForm):
    note = _note(_l("Note from the on-site check"), required=False)


class ReturnForm(ItemActionForm):
    note = _note(_l("Why it is returned"), required=True)


class WithdrawForm(ItemActionForm):
    note = _note(_l("Why it is withdrawn"), required=True)


class ExtensionRequestForm(ItemActionForm):
    new_deadline = DateField(_l("New deadline"), validators=[InputRequired()])
    note = _note(_l("Reason"), required=True)


class ExtensionDecisionForm(ItemActionForm):
    note = _note(_l("Note"), required=False)
    approve = SubmitField(_l("Approve"))
    refuse = SubmitField(_l("Refuse"))


class TransferProposeForm(ItemActionForm):
    to_agency_id = SelectField(_l("To agency"), coerce=int)
    note = _note(_l("Reason"), required=True)


class TransferAnswerForm(ItemActionForm):
    note = _note(_l("Note (required when declining)"), required=False)
    accept = SubmitField(_l("Accept"))
    decline = SubmitField(_l("Decline"))


class EnforcementForm(ItemActionForm):
    kind = SelectField(
        _l("Action"), choices=options((k.value, v) for k, v in ENFORCEMENT_LABELS.items())
    )
    action_date = DateField(_l("Date"), validators=[InputRequired()])
    document_no = StringField(_l("Document number"), validators=[Optional(), Length(max=80)])
    amount = DecimalField(
        _l("Amount (yuan, fines only)"),
        places=2,
        validators=[Optional(), NumberRange(min=0.01, max=999_999_999_999)],
    )
    note = _note(_l("Note"), required=False)


class CommentForm(ItemActionForm):
    note = _note(_l("Comment"), required=True)


class EvidenceForm(ItemActionForm):
    stage = SelectField(_l("Stage"))
    evidence = _files(_l("Photos or files"), required=True)
    note = _note(_l("Note"), required=False)


class ListingForm(ItemActionForm):
    listing_level = SelectField(
        _l("Level"), choices=options((k.value, v) for k, v in LISTING_LABELS.items())
    )
    listing_doc_no = StringField(
        _l("Listing document number"), validators=[Optional(), Length(max=80)]
    )


class EditForm(ItemActionForm):
    title = StringField(_l("Problem"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=NOTE_MAX)])
    category_id = SelectField(_l("Category"), coerce=int)
    severity = SelectField(
        _l("Severity"), choices=options((k.value, v) for k, v in SEVERITY_LABELS.items())
    )
    town_id = SelectField(_l("Town / subdistrict"), coerce=int)
    co_agency_ids = MultiCheckboxField(_l("Co-handling agencies"), coerce=int)
    submit = SubmitField(_l("Save"))


# Which form each action of the item page uses (the API and the tests read the same names).
ACTION_FORMS = {
    "acknowledge": AcknowledgeForm,
    "submit": SubmitForm,
    "verify": VerifyForm,
    "return": ReturnForm,
    "withdraw": WithdrawForm,
    "extend_request": ExtensionRequestForm,
    "extend_decide": ExtensionDecisionForm,
    "transfer_propose": TransferProposeForm,
    "transfer_answer": TransferAnswerForm,
    "enforcement": EnforcementForm,
    "comment": CommentForm,
    "evidence": EvidenceForm,
    "list": ListingForm,
}


# --- The lists -------------------------------------------------------------------------------


def _filter(label) -> SelectField:
    """One of the list's optional selects (up to hundreds of options: ManyOptions)."""
    return SelectField(label, validators=[Optional()], widget=ManyOptions())


class ItemFilterForm(FlaskForm):
    """The list's filters (a GET form: no CSRF token, nothing changes)."""

    class Meta:
        csrf = False

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    campaign = _filter(_l("Campaign"))
    status = _filter(_l("Status"))
    light = _filter(_l("Light"))
    district = _filter(_l("District / county"))
    town = _filter(_l("Town / subdistrict"))
    lead_agency = _filter(_l("Lead agency"))
    co_agency = _filter(_l("Co-handling agency"))
    team = _filter(_l("Supervision team"))
    category = _filter(_l("Category"))
    severity = _filter(_l("Severity"))
    listing_level = _filter(_l("Listing"))
    overdue = _filter(_l("Overdue"))
    sort = _filter(_l("Sort"))
