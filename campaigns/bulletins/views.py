from flask import Blueprint

bp = Blueprint("bulletins", __name__)
