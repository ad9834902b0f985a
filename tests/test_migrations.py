"""``flask db upgrade`` builds the schema the models describe, on SQLite and on PostgreSQL."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, select, text

from app import create_app
from app.extensions import db
from app.org.models import JobRole
from app.org.services import JOB_ROLES
from config import TestingConfig, normalise_database_url
from tests.conftest import require_service


def _fresh_database_urls(tmp_path):
    yield f"sqlite:///{tmp_path / 'migrated.db'}"
    base = os.environ.get("TEST_DATABASE_URL", "")
    if base.startswith("postgres"):
        base = normalise_database_url(base)
        name = f"skillgrid_mig_{uuid.uuid4().hex[:8]}"
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield base.rsplit("/", 1)[0] + "/" + name
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated_app(request, tmp_path):
    """An app whose database was built by the migrations alone."""
    urls = _fresh_database_urls(tmp_path)
    url = next(urls)
    if request.param == "postgresql":
        url = next(urls, None)
        if url is None:
            pytest.skip("PostgreSQL migrations run when TEST_DATABASE_URL names PostgreSQL")

    class MigratedConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(MigratedConfig)
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "..", "migrations"))
    yield app
    with app.app_context():
        db.engine.dispose()
    for _rest in urls:
        pass


def test_migrated_schema_equals_the_models(migrated_app):
    with migrated_app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_seed_the_job_roles(migrated_app):
    with migrated_app.app_context():
        rows = db.session.execute(select(JobRole.code, JobRole.name_zh, JobRole.name_en)).all()
        assert sorted(rows) == sorted(JOB_ROLES)


def test_downgrade_to_base_removes_every_table(migrated_app):
    with migrated_app.app_context():
        downgrade(
            directory=os.path.join(migrated_app.root_path, "..", "migrations"), revision="base"
        )
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}


def test_postgres_is_really_tested_in_ci():
    if os.environ.get("SKILLGRID_REQUIRE_POSTGRES") and not os.environ.get(
        "TEST_DATABASE_URL", ""
    ).startswith("postgres"):
        require_service("TEST_DATABASE_URL does not name PostgreSQL")


def test_upgrading_keeps_existing_accounts_and_their_roles(migrated_app):
    """A later migration must never drop or cascade rows that earlier ones stored."""
    directory = os.path.join(migrated_app.root_path, "..", "migrations")
    with migrated_app.app_context():
        downgrade(directory=directory, revision="de7fa6df50af")
        with db.engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO user_account (id, employee_no, name, password_hash, is_active, "
                    "must_change_password, session_token, created_at) VALUES (1, 'A1', '管理员', "
                    "'hash', true, false, 'token-a1', '2026-01-01 00:00:00+00')"
                )
            )
            conn.execute(text("INSERT INTO user_role (user_id, role) VALUES (1, 'admin')"))
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            assert conn.execute(text("SELECT role FROM user_role")).scalars().all() == ["admin"]
            assert conn.execute(text("SELECT auth_source FROM user_account")).scalar() == "local"


def test_every_question_type_passes_the_migrated_qtype_check(migrated_app):
    """A type added to the code (Cloze) must be allowed by the CHECK the migrations built."""
    from app.bank.qtypes import QTYPES

    with migrated_app.app_context():
        checks = inspect(db.engine).get_check_constraints("question_version")
    (qtype,) = [c["sqltext"] for c in checks if c["name"] == "ck_question_version_qtype"]
    missing = [name for name in QTYPES if f"'{name}'" not in qtype]
    assert not missing, f"question_version.qtype CHECK lacks {missing}: {qtype}"
