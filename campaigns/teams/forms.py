from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.accounts.forms import MultiCheckboxField


class TeamForm(FlaskForm):
    name = StringField(_l("Team name"), validators=[DataRequired(), Length(max=120)])
    leader_id = SelectField(
        _l("Leader"),
        coerce=int,
        validators=[DataRequired(message=_l("Choose the team's leader."))],
    )
    member_ids = MultiCheckboxField(_l("Members"), coerce=int)
    town_ids = MultiCheckboxField(_l("Assigned towns"), coerce=int)
    target_ids = MultiCheckboxField(_l("Assigned targets"), coerce=int)
    add_targets = TextAreaField(_l("Add targets"), validators=[Optional(), Length(max=20000)])
    submit = SubmitField(_l("Save"))
