from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField
from wtforms.validators import DataRequired, Regexp


class UploadForm(FlaskForm):
    file = FileField(_l("Ledger file (CSV or XLSX)"), validators=[FileRequired()])


class ConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f]{32}$")])
