"""Grading workflow: the manual-grading queue, regrades, results and their exports."""

from flask import Blueprint

bp = Blueprint("grading", __name__, url_prefix="/grading")

from app.grading import views  # noqa: E402,F401  (routes register on bp)
