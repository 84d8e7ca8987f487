"""The home page: what each person should do today, by role."""

from flask import Blueprint, render_template
from flask_login import current_user

from portal.home import panels

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    return render_template("home/index.html", panels=panels.for_user(current_user))
