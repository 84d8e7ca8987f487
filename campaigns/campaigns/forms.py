from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp

from campaigns.campaigns.models import CampaignKind, CampaignStatus, ReviewScope
from portal.accounts.forms import MultiCheckboxField
from portal.forms import options

KIND_LABELS = {
    CampaignKind.ENVIRONMENT: _l("Environment"),
    CampaignKind.TRAFFIC: _l("Road traffic safety"),
    CampaignKind.WORK_SAFETY: _l("Work safety"),
    CampaignKind.FINANCIAL_ORDER: _l("Financial order"),
    CampaignKind.OTHER: _l("Other"),
}
STATUS_LABELS = {
    CampaignStatus.DRAFT: _l("Not started"),
    CampaignStatus.ACTIVE: _l("Action phase"),
    CampaignStatus.REVIEW: _l("Look-back"),
    CampaignStatus.CLOSED: _l("Closed"),
}
SCOPE_LABELS = {
    ReviewScope.LISTED: _l("Items listed for supervision"),
    ReviewScope.VERIFIED: _l("All verified items"),
}


class CampaignForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=16),
            Regexp(
                r"^\s*[A-Za-z][A-Za-z0-9]{1,15}\s*$",
                message=_l("2 to 16 letters and digits, starting with a letter, e.g. ENV2026."),
            ),
        ],
    )
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"), choices=options((k.value, label) for k, label in KIND_LABELS.items())
    )
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=4000)])
    lead_agency_id = SelectField(_l("Lead agency"), coerce=int, validators=[DataRequired()])
    agency_ids = MultiCheckboxField(_l("Participating agencies"), coerce=int)
    lead_ids = MultiCheckboxField(
        _l("Campaign leads"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose at least one lead."))],
    )
    action_starts = DateField(_l("Action phase starts"), validators=[InputRequired()])
    action_ends = DateField(_l("Action phase ends"), validators=[InputRequired()])
    review_starts = DateField(_l("Look-back starts"), validators=[Optional()])
    review_days = IntegerField(
        _l("Look-back length (days)"),
        default=30,
        validators=[InputRequired(), NumberRange(min=1, max=366)],
    )
    review_scope = RadioField(
        _l("Look-back scope"),
        default=ReviewScope.LISTED.value,
        choices=options((k.value, label) for k, label in SCOPE_LABELS.items()),
    )
    submit = SubmitField(_l("Save"))


class CampaignEditForm(CampaignForm):
    code = None
    kind = None
    version = HiddenField()


class CampaignFilterForm(Form):
    """The campaign list's filters (GET, no CSRF)."""

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    status = SelectField(
        _l("Status"),
        choices=options(
            [("", _l("Any status"))] + [(k.value, v) for k, v in STATUS_LABELS.items()]
        ),
        validators=[Optional()],
    )
    kind = SelectField(
        _l("Kind"),
        choices=options([("", _l("Any kind"))] + [(k.value, v) for k, v in KIND_LABELS.items()]),
        validators=[Optional()],
    )


class CategoryRowForm(Form):
    code = HiddenField()
    name_zh = StringField(_l("Name (Chinese)"), validators=[Optional(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=160)])
    position = IntegerField(_l("Order"), validators=[Optional(), NumberRange(min=0, max=999)])
    remove = BooleanField(_l("Remove"))


class CategoriesForm(FlaskForm):
    rows = FieldList(FormField(CategoryRowForm))
    new_name_zh = StringField(_l("New category (Chinese)"), validators=[Length(max=120)])
    new_name_en = StringField(_l("New category (English)"), validators=[Length(max=160)])
    submit = SubmitField(_l("Save categories"))
