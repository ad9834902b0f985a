"""SkillGrid: staff training and assessment for a power-supply company's customer service."""

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from config import config_from_env


def create_app(config=None) -> Flask:
    """Build the application from a config class or object (default: SKILLGRID_ENV)."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(config if config is not None else config_from_env())
    app.jinja_env.add_extension("jinja2.ext.do")
    register_proxy(app)
    register_extensions(app)
    register_blueprints(app)
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
    """WAL, foreign keys and a busy timeout on every SQLite connection.

    Runs on connect, before any transaction: SQLite ignores foreign_keys inside one.
    """
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


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
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "warning"

    from flask_babel import lazy_gettext

    login_manager.login_message = lazy_gettext("Please sign in to open this page.")

    @login_manager.user_loader
    def load_user(token: str):
        from sqlalchemy import select

        from app.org.models import User

        return db.session.scalar(
            select(User).where(User.session_token == token, User.is_active.is_(True))
        )


def register_blueprints(app: Flask) -> None:
    """Mount every feature blueprint."""
    from app.auth import bp as auth_bp
    from app.bank import bp as bank_bp
    from app.courses import bp as courses_bp
    from app.grading import bp as grading_bp
    from app.home import bp as home_bp
    from app.notify import bp as notify_bp
    from app.org import bp as org_bp
    from app.quizzes import bp as quizzes_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(org_bp)
    app.register_blueprint(bank_bp)
    app.register_blueprint(quizzes_bp)
    app.register_blueprint(grading_bp)
    app.register_blueprint(notify_bp)
    app.register_blueprint(courses_bp)

    from app.api import register as register_api

    register_api(app)


def register_errorhandlers(app: Flask) -> None:
    """HTML error pages in the user's language."""
    from app.core.errors import register_errorhandlers as register

    register(app)


def register_template_context(app: Flask) -> None:
    """Predicates and helpers that every template may call."""
    from flask_babel import format_date, format_datetime

    from app.core.i18n import LANGUAGE_NAMES, select_locale
    from app.core.permissions import TEMPLATE_PREDICATES

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
    from app.core.seed import seed_demo_command

    app.cli.add_command(seed_demo_command)
