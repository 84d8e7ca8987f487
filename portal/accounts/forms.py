from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    EmailField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.models import PASSWORD_MAX, PASSWORD_MIN, Role
from portal.forms import options

ROLE_LABELS = {
    Role.ADMIN: _l("Administrator"),
    Role.LEAD: _l("Campaign lead"),
    Role.INSPECTOR: _l("Inspector (supervision team)"),
    Role.LIAISON: _l("Agency liaison"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _password(label, required=True):
    return PasswordField(
        label,
        validators=[
            DataRequired() if required else Optional(),
            Length(min=PASSWORD_MIN, max=PASSWORD_MAX),
        ],
    )


class LoginForm(FlaskForm):
    username = StringField(_l("Username"), validators=[DataRequired(), Length(max=60)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    submit = SubmitField(_l("Sign in"))


class UserForm(FlaskForm):
    username = StringField(
        _l("Username"),
        validators=[
            DataRequired(),
            Length(min=2, max=60),
            Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Use letters, digits, '.', '_' or '-'.")),
        ],
    )
    display_name = StringField(_l("Full name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=200)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    agency_id = SelectField(_l("Agency"), coerce=int, validators=[DataRequired()])
    roles = MultiCheckboxField(
        _l("Roles"), choices=options((r.value, label) for r, label in ROLE_LABELS.items())
    )
    password = _password(_l("Initial password"))
    submit = SubmitField(_l("Save"))


class EditUserForm(UserForm):
    username = None
    password = None


class PasswordResetForm(FlaskForm):
    password = _password(_l("New password"))
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    submit = SubmitField(_l("Set password"))


class ChangePasswordForm(PasswordResetForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token is what a confirmation button posts."""

    submit = SubmitField(_l("Confirm"))


class TokenForm(FlaskForm):
    name = StringField(_l("What the token is for"), validators=[DataRequired(), Length(max=80)])
    submit = SubmitField(_l("Create token"))
