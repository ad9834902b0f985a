"""SkillGrid: staff training and assessment for a power-supply company's customer service."""

from importlib import import_module

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import config_from_env, sqlite_synchronous

#: the feature packages, each with a ``blueprint.py`` (``register(app)``, maybe
#: ``register_hooks(hooks)``), in the order their blueprints are mounted
FEATURES = (
    "auth",
    "home",
    "org",
    "competencies",
    "quality",
    "kiosk",
    "bank",
    "quizzes",
    "grading",
    "notify",
    "courses",
    "needs",
    "insights",
    "api",
    "reports",
    "audit",
    "ops",
)


def create_app(config=None) -> Flask:
    """Build the application from a config class or object (default: SKILLGRID_ENV)."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config if config is not None else config_from_env())
    app.jinja_env.add_extension("jinja2.ext.do")
    register_proxy(app)
    register_request_safety(app)
    register_extensions(app)
    register_blueprints(app)
    register_hooks(app)
    register_errorhandlers(app)
    register_template_context(app)
    register_cli(app)
    return app


def register_proxy(app: Flask) -> None:
    """Trust X-Forwarded-For/Proto from exactly PROXY_COUNT proxies (limiter, cookies, CSRF)."""
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, foreign keys, a busy timeout and ``synchronous`` (``SQLITE_SYNCHRONOUS``, FULL
    unless set) on every SQLite connection.

    Runs on connect, before any transaction: SQLite ignores foreign_keys inside one.
    """
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute(f"PRAGMA synchronous={sqlite_synchronous()}")
    cursor.close()


def register_request_safety(app: Flask) -> None:
    """Bounded numbers from URLs, queries and forms; safe JSON bodies; security headers."""
    from app.core import jsonsafe, params, security

    params.register(app)
    jsonsafe.register(app)
    security.register(app)


def register_extensions(app: Flask) -> None:
    """Bind the bare extension instances of ``app.extensions``."""
    from app.core.i18n import select_locale
    from app.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate

    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        from pathlib import Path

        Path(app.config["SQLALCHEMY_DATABASE_URI"][len("sqlite:///") :]).parent.mkdir(
            parents=True, exist_ok=True
        )
    db.init_app(app)
    migrate.init_app(app, db)
    csrf.init_app(app)
    babel.init_app(
        app, locale_selector=select_locale, default_translation_directories="translations"
    )
    bootstrap.init_app(app)
    limiter.init_app(app)
    # The limiter is one object per process and init_app gives it this app's storage, but it
    # keeps the "storage is down, count in memory" flag of the app built before (tests and
    # tools build several apps in one process). A fresh storage starts alive.
    limiter._storage_dead = False
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"

    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to open this page.")

    @login_manager.user_loader
    def load_user(token: str):
        """The signed-in person and their roles in one query (every request asks for them)."""
        from sqlalchemy import select
        from sqlalchemy.orm import joinedload

        from app.org.models import User

        return (
            db.session.scalars(
                select(User)
                .where(User.session_token == token, User.is_active.is_(True))
                .options(joinedload(User.roles))
            )
            .unique()
            .first()
        )


def register_blueprints(app: Flask) -> None:
    """Mount every feature blueprint with its views and commands (``<feature>/blueprint.py``)."""
    for feature in FEATURES:
        import_module(f"app.{feature}.blueprint").register(app)
    if app.config.get("BENCH_ENDPOINTS"):
        # The benchmark ceilings exist only in a bench configuration, never in dev or production.
        import_module("app.bench.blueprint").register(app)


def register_hooks(app: Flask) -> None:
    """Build the app's hook registry and let every feature connect its handlers to it."""
    from app.core.hooks import EXTENSION_KEY, Hooks

    registry = Hooks()
    app.extensions[EXTENSION_KEY] = registry
    for feature in FEATURES:
        connect = getattr(import_module(f"app.{feature}.blueprint"), "register_hooks", None)
        if connect is not None:
            connect(registry)


def register_errorhandlers(app: Flask) -> None:
    """HTML error pages in the user's language."""
    from app.core.errors import register_errorhandlers as register

    register(app)


def register_template_context(app: Flask) -> None:
    """Predicates and helpers that every template may call."""
    from app.core.i18n import LANGUAGE_NAMES, format_date, format_datetime, select_locale
    from app.core.permissions import TEMPLATE_PREDICATES

    # Globals too, so macros imported without the context format dates the same way.
    app.jinja_env.globals.update(format_date=format_date, format_datetime=format_datetime)

    @app.context_processor
    def inject():
        return {
            **TEMPLATE_PREDICATES,
            "LANGUAGE_NAMES": LANGUAGE_NAMES,
            "current_locale": select_locale(),
            "format_date": format_date,
            "format_datetime": format_datetime,
        }


def register_cli(app: Flask) -> None:
    """``flask seed-demo`` and each feature's command group."""
    from app.bench.cli import bench_cli
    from app.core.seed import seed_demo_command

    app.cli.add_command(seed_demo_command)
    app.cli.add_command(bench_cli)
