from flask import Blueprint

bp = Blueprint("items", __name__)
