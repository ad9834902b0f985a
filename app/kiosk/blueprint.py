"""The ``kiosk`` blueprint (customer ratings); ``create_app`` calls ``register`` to mount it.

Public pages: the counter kiosk ``/kiosk/<device token>`` and the receipt link
``/rate/<token>``. Signed-in pages under ``/ratings``: a clerk's check-in and own ratings, HR's
ratings, review and set-up.
"""

from flask import Blueprint, Flask

from app.core.seed import DemoSeeder

bp = Blueprint("kiosk", __name__, cli_group="ratings")


def register_hooks(hooks) -> None:
    """Put the ratings' K01 values back after score imports; seed a demo hall."""
    from app.kiosk import cli
    from app.kiosk.services import on_scores_changed

    hooks.connect("scores_changed", on_scores_changed)
    hooks.connect("demo_seeder", DemoSeeder(50, "customer ratings", cli.seed_demo))


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.kiosk import cli, views, views_hr, views_public  # noqa: F401  (routes on bp)

    app.register_blueprint(bp)
