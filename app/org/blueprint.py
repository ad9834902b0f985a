"""The ``org`` blueprint; ``create_app`` calls ``register`` to load its views and mount it."""

from flask import Blueprint, Flask

from app.core.seed import DemoSeeder

bp = Blueprint("org", __name__, url_prefix="/org", cli_group="org")


def register_hooks(hooks) -> None:
    """Connect the org demo seeder."""
    from app.org import cli

    hooks.connect("demo_seeder", DemoSeeder(10, "organisation", cli.seed_organisation))


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.org import cli, views  # noqa: F401  (routes and commands register on bp)
    from app.org.forms import PERSON_FIELD_LABELS, ROLE_LABELS

    app.register_blueprint(bp)

    @app.template_filter("role")
    def role_label(role: str) -> str:
        """An application role in words (staff, trainer, HR, administrator), translated."""
        label = ROLE_LABELS.get(role)
        return str(label) if label is not None else role

    @app.template_filter("person_field")
    def person_field_label(name: str) -> str:
        """A field of a person's account in words (an import's "changes" column)."""
        label = PERSON_FIELD_LABELS.get(name)
        return str(label) if label is not None else name
