"""The per-role home page."""

from flask import Blueprint

bp = Blueprint("home", __name__)

from app.home import views  # noqa: E402,F401  (routes register on bp)
