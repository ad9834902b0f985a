"""The ``bank`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

from app.core.seed import DemoSeeder

bp = Blueprint("bank", __name__, url_prefix="/bank", cli_group="bank")


def register_hooks(hooks) -> None:
    """Connect the bank demo seeder."""
    from app.bank import cli

    hooks.connect("demo_seeder", DemoSeeder(20, "question bank", cli.seed_question_bank))


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.bank import cli, views  # noqa: F401  (routes and commands register on bp)
    from app.bank.forms import STATUS_LABELS
    from app.bank.qtypes import QTYPES

    app.register_blueprint(bp)

    @app.template_filter("qtype")
    def qtype_label(name: str) -> str:
        """A question type as users call it (translated), never its code: ``v.qtype|qtype``."""
        qtype = QTYPES.get(name)
        return str(qtype.label) if qtype is not None else name

    @app.template_filter("question_status")
    def question_status_label(status: str) -> str:
        """A question's status in words (draft, ready, retired), translated."""
        label = STATUS_LABELS.get(status)
        return str(label) if label is not None else status
