"""The ``competencies`` blueprint; ``create_app`` calls ``register`` to load views and mount it."""

from flask import Blueprint, Flask

from app.core.seed import DemoSeeder

bp = Blueprint("competencies", __name__, url_prefix="/competencies", cli_group="competencies")


def register_hooks(hooks) -> None:
    """Follow every source of evidence; load the demo framework before the question bank."""
    from app.competencies import cli, demo, services, sources

    for point in ("attempt_finished", "attempt_graded", "attempt_regraded"):
        hooks.connect(point, services.attempt_results_changed)
    hooks.connect("course_completed", services.course_completed)
    for source in sources.BUILT_IN:
        hooks.connect("evidence_source", source)
    hooks.connect("demo_seeder", DemoSeeder(15, "competency framework", cli.seed_framework))
    hooks.connect("demo_seeder", DemoSeeder(27, "competency assessments", demo.seed_assessments))


def register(app: Flask) -> None:
    """Load the modules whose routes and commands attach to ``bp``, then mount it on ``app``."""
    from app.competencies import (  # noqa: F401  (routes and commands register on bp)
        cli,
        views,
        views_people,
    )

    @app.template_global("competency_home")
    def competency_home(user) -> dict:
        """What the home page shows of competencies: the user's gaps and courses, and for HR
        and managers the attainment and the largest gaps of what they see."""
        from app.competencies.home import summary

        return summary(user)

    @app.template_filter("competency")
    def competency_filter(code):
        """``{{ code|competency }}`` -> "SV1 服务意识与承诺践行" in the user's language."""
        from app.competencies.queries import competency_label

        return competency_label(code)

    app.register_blueprint(bp)
