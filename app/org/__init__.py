"""Organisation: departments, job roles, people and account administration."""

from flask import Blueprint

bp = Blueprint("org", __name__, url_prefix="/org", cli_group="org")

from app.org import cli, models, views  # noqa: E402,F401  (routes and commands register on bp)
