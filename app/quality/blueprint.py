"""The ``quality`` blueprint; ``create_app`` calls ``register`` to load views and mount it."""

from flask import Blueprint, Flask

from app.core.seed import DemoSeeder

bp = Blueprint("quality", __name__, url_prefix="/quality", cli_group="quality")


def register_hooks(hooks) -> None:
    """Load the demo indicators after the competency framework, the demo scores after courses;
    follow score changes with competency evidence and gate-opened training; word the contest
    notice."""
    from app.notify.services import register_kind
    from app.quality import cli, demo, follow
    from app.quality.services.contests import CONTEST_NOTICE

    hooks.connect("demo_seeder", DemoSeeder(16, "service-quality indicators", cli.seed_indicators))
    hooks.connect("demo_seeder", DemoSeeder(40, "service-quality scores", demo.seed_scores))
    hooks.connect("scores_changed", follow.on_scores_changed)
    hooks.connect("evidence_source", follow.EVIDENCE_SOURCE)
    register_kind(hooks, CONTEST_NOTICE)
    hooks.connect(
        "demo_seeder", DemoSeeder(45, "service-quality follow-ups", follow.seed_follow_ups)
    )


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.quality import (  # noqa: F401  (routes and commands on bp)
        cli,
        views,
        views_person,
        views_scores,
        views_trends,
    )
    from app.quality.units import DIRECTION_LABELS, UNITS

    @app.template_filter("indicator")
    def indicator_filter(code):
        """``{{ code|indicator }}`` -> "K01 客户满意率" in the user's language."""
        from app.quality.queries import indicator_label

        return indicator_label(code)

    # globals, not a context processor: imported macros see them too
    app.jinja_env.globals.update(QUALITY_UNITS=UNITS, DIRECTION_LABELS=DIRECTION_LABELS)

    app.register_blueprint(bp)
