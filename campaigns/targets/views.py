from flask import Blueprint

bp = Blueprint("targets", __name__)
