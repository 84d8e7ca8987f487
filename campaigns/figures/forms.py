"""The cut-off date picker shared by the dashboard, the overview and the exports."""

import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional

from portal import clock

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class CutOffForm(FlaskForm):
    """GET form: `as_of` (YYYY-MM-DD), today when empty."""

    class Meta:
        csrf = False

    as_of = DateField(_l("Cut-off date"), validators=[Optional()])

    def cut_off(self) -> date:
        """The chosen day when the form is valid, else today."""
        if self.validate() and self.as_of.data:
            return self.as_of.data
        return clock.today()


def parse_as_of(value: str | None) -> date:
    """`as_of` of an export URL: YYYY-MM-DD, today when missing; ValueError when malformed."""
    if not value:
        return clock.today()
    if not ISO_DATE.match(value):
        raise ValueError(f"not a YYYY-MM-DD date: {value!r}")
    return date.fromisoformat(value)
