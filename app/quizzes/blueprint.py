"""The ``quizzes`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

from app.core.seed import DemoSeeder

bp = Blueprint("quizzes", __name__, cli_group="quizzes")


def register_hooks(hooks) -> None:
    """Connect the quizzes demo seeder."""
    from app.quizzes import cli

    hooks.connect("demo_seeder", DemoSeeder(25, "quizzes", cli.seed_quizzes))


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.quizzes import cli, views  # noqa: F401  (routes and commands register on bp)

    app.register_blueprint(bp)
