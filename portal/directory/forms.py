from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.directory.models import AgencyKind, RegionLevel
from portal.forms import options

AGENCY_KIND_LABELS = {
    AgencyKind.COORDINATION: _l("Coordination"),
    AgencyKind.ENFORCEMENT: _l("Enforcement"),
    AgencyKind.REGULATOR: _l("Regulator"),
    AgencyKind.JUDICIAL: _l("Judicial"),
    AgencyKind.OVERSIGHT: _l("Oversight"),
    AgencyKind.FINANCIAL: _l("Financial"),
    AgencyKind.OTHER: _l("Other"),
}
REGION_LEVEL_LABELS = {
    RegionLevel.CITY: _l("City"),
    RegionLevel.DISTRICT: _l("District"),
    RegionLevel.COUNTY: _l("County"),
    RegionLevel.TOWN: _l("Town / subdistrict"),
}


class AgencyForm(FlaskForm):
    code = StringField(
        _l("Code"),
        validators=[
            DataRequired(),
            Length(max=40),
            Regexp(r"^[a-z0-9_-]+$", message=_l("Lower-case letters, digits, '_' or '-'.")),
        ],
    )
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=160)])
    kind = SelectField(
        _l("Kind"), choices=options((k.value, v) for k, v in AGENCY_KIND_LABELS.items())
    )
    submit = SubmitField(_l("Save"))


class RegionForm(FlaskForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(), Length(max=80)])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120)])
    code = StringField(
        _l("Administrative code"),
        validators=[Optional(), Length(max=20), Regexp(r"^\d+$", message=_l("Digits only."))],
    )
    level = SelectField(
        _l("Level"), choices=options((k.value, v) for k, v in REGION_LEVEL_LABELS.items())
    )
    parent_id = SelectField(_l("Part of"), coerce=int)
    submit = SubmitField(_l("Save"))
