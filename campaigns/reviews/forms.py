from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import DateField, RadioField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from campaigns.reviews.models import CheckResult
from portal.forms import options

RESULT_CHOICES = [
    (CheckResult.HOLDING.value, _l("Holding (rectification holds)")),
    (CheckResult.RELAPSED.value, _l("Relapsed")),
    (CheckResult.NOT_RECTIFIED.value, _l("Not rectified")),
    (CheckResult.FALSE_RECTIFICATION.value, _l("False rectification")),
]
RESULT_SHORT = {
    CheckResult.HOLDING.value: _l("Holding"),
    CheckResult.RELAPSED.value: _l("Relapsed"),
    CheckResult.NOT_RECTIFIED.value: _l("Not rectified"),
    CheckResult.FALSE_RECTIFICATION.value: _l("False rectification"),
}
# Domain reasons (ValidationFailed.fields) in words for the form.
FIELD_ERRORS = {
    "required": _l("Give a new deadline: the item goes back to rectification."),
    "past": _l("The new deadline must be after today."),
    "too_long": _l("The note is too long."),
    "invalid": _l("Choose one of the results."),
    "too_many": _l("Six photos at most."),
    "not_permitted": _l("Only the team that flagged the item can add photos."),
    "before_start": _l("The look-back must start after the action phase starts."),
    "already_open": _l("The look-back is already open."),
}


class CheckForm(FlaskForm):
    result = RadioField(
        _l("Result"),
        choices=options(RESULT_CHOICES),
        validators=[DataRequired(message=_l("Choose one of the results."))],
    )
    new_deadline = DateField(
        _l("New deadline"),
        validators=[Optional()],
        description=_l("Required unless the rectification holds."),
    )
    note = TextAreaField(_l("What you found"), validators=[Length(max=4000)])
    photos = MultipleFileField(_l("Photos (JPEG, PNG or WebP)"))
