"""Configuration: environments, database URLs and SQLite connection settings."""

import os
import subprocess
import sys

import pytest
from sqlalchemy import text

from config import ProductionConfig, normalise_database_url


def _config_value(expression: str, **env) -> str:
    """Evaluate ``expression`` in a fresh interpreter with only ``env`` set."""
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    environment.update(env)
    result = subprocess.run(
        [sys.executable, "-c", f"import config; print({expression})"],
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    return result.stdout.strip() + result.stderr.strip()


def test_production_refuses_to_start_without_secret_and_database(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, DATABASE_URL"):
        ProductionConfig()


def test_production_uses_secure_cookies_and_honours_database_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cret")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@db/prod")
    config = ProductionConfig()
    assert config.SQLALCHEMY_DATABASE_URI == "postgresql+psycopg://u@db/prod"
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.PROXY_COUNT == 1


def test_testing_ignores_database_url():
    value = _config_value(
        "config.TestingConfig.SQLALCHEMY_DATABASE_URI",
        DATABASE_URL="postgresql://precious/production",
        TEST_DATABASE_URL="",
    )
    assert "precious" not in value
    assert value.startswith("sqlite:///") and ":memory:" not in value


def test_development_honours_database_url():
    value = _config_value(
        "config.DevelopmentConfig.SQLALCHEMY_DATABASE_URI", DATABASE_URL="sqlite:////tmp/x.db"
    )
    assert value == "sqlite:////tmp/x.db"


def test_development_defaults_to_sqlite_under_instance():
    value = _config_value("config.DevelopmentConfig.SQLALCHEMY_DATABASE_URI")
    assert value.endswith("/instance/skillgrid.db")


def test_postgres_urls_name_psycopg3():
    assert normalise_database_url("postgres://a/b") == "postgresql+psycopg://a/b"
    assert normalise_database_url("postgresql://a/b") == "postgresql+psycopg://a/b"
    assert normalise_database_url("sqlite:///x") == "sqlite:///x"


def test_rate_limit_storage_is_explicit(app):
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(app, db):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite connection settings; this run uses PostgreSQL")
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
