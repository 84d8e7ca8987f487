from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from campaigns.targets.models import TargetKind
from portal.forms import options

KIND_LABELS = {
    TargetKind.ENTERPRISE: _l("Enterprise"),
    TargetKind.ROAD_SECTION: _l("Road section"),
    TargetKind.SITE: _l("Site"),
    TargetKind.BORROWER: _l("Borrower"),
}


class TargetForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"), choices=options((k.value, label) for k, label in KIND_LABELS.items())
    )
    region_id = SelectField(
        _l("District or town"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose the district or town."))],
    )
    credit_code = StringField(
        _l("Unified social credit code"), validators=[Optional(), Length(max=30)]
    )
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    submit = SubmitField(_l("Save"))


class TargetFilterForm(Form):
    """The target list's search (GET, no CSRF)."""

    q = StringField(_l("Search"), validators=[Optional(), Length(max=100)])
    kind = SelectField(
        _l("Kind"),
        choices=options([("", _l("Any kind"))] + [(k.value, v) for k, v in KIND_LABELS.items()]),
        validators=[Optional()],
    )
