from flask import Blueprint

bp = Blueprint("figures", __name__)
