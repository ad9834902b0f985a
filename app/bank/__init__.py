"""The question bank: categories, versioned questions, question types and file formats."""

from flask import Blueprint

bp = Blueprint("bank", __name__, url_prefix="/bank", cli_group="bank")

from app.bank import cli, models, views  # noqa: E402,F401  (routes and commands register on bp)
