"""Configuration classes, read from plain environment variables.

Development and Production honour ``DATABASE_URL``; Testing never reads it (a test run
would wipe that database) and uses ``TEST_DATABASE_URL`` or a temporary SQLite file.
"""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    """Read an integer environment variable, falling back to ``default``."""
    value = os.environ.get(name)
    return int(value) if value else default


def normalise_database_url(url: str) -> str:
    """Make PostgreSQL URLs name the psycopg 3 driver explicitly."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLITE_BUSY_TIMEOUT_MS = 5000

    # Bootstrap from the installed Bootstrap-Flask wheel: no request leaves the intranet.
    BOOTSTRAP_SERVE_LOCAL = True
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("SKILLGRID_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = ("zh_CN", "en")

    # A quiz page can stay open for hours; a one-hour CSRF token would fail its submit.
    WTF_CSRF_TIME_LIMIT = 12 * 3600

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: failed logins allowed per account and per client address
    LOGIN_LIMIT_ACCOUNT = os.environ.get("LOGIN_LIMIT_ACCOUNT", "5 per minute")
    LOGIN_LIMIT_ADDRESS = os.environ.get("LOGIN_LIMIT_ADDRESS", "20 per minute")
    REDIS_URL = os.environ.get("REDIS_URL", "")

    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True

    #: number of reverse proxies in front of the app (ProxyFix); 0 = none
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    PAGE_SIZE = 50


class DevelopmentConfig(Config):
    """Local development: a SQLite file under ``instance/`` unless DATABASE_URL is set."""

    DEBUG = False
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'skillgrid.db'}")
    )


class TestingConfig(Config):
    """The test suite: TEST_DATABASE_URL or a temporary SQLite file, never DATABASE_URL."""

    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - fixed key for reproducible tests
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    # A file, not ":memory:": the live-server and concurrency tests need real connections.
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL")
        or f"sqlite:///{Path(tempfile.gettempdir()) / f'skillgrid-test-{os.getpid()}.db'}"
    )


class ProductionConfig(Config):
    """Production: refuses to start without SECRET_KEY and DATABASE_URL."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    PROXY_COUNT = _env_int("PROXY_COUNT", 1)

    def __init__(self) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ["DATABASE_URL"])


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config] | Config:
    """Pick the configuration named by SKILLGRID_ENV (default: development)."""
    name = os.environ.get("SKILLGRID_ENV", "development")
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"Unknown SKILLGRID_ENV {name!r}; use one of {sorted(CONFIGS)}"
        ) from None
    return cls() if cls is ProductionConfig else cls
