"""Shared fixtures: app, db, client, runner, login_as, factories, count_queries.

The suite runs on a temporary SQLite file by default and on PostgreSQL when
TEST_DATABASE_URL is set. Tables are created once per session and emptied after each test.
Tests push an app context only where they touch the database directly, so every request
of the test client runs in its own context, as in production.
"""

import contextlib
import os
import shutil
import socket
from datetime import date

import pytest
from sqlalchemy import event, text
from werkzeug.security import generate_password_hash

from app import create_app
from app.core import clock
from app.extensions import db as _db
from config import TestingConfig

pytest_plugins = ["tests.browser.fixtures"]

TEST_PASSWORD = "correct-horse-42"


def require_service(reason: str) -> None:
    """Skip for a missing service or browser; fail instead when CI says they must be there."""
    if os.environ.get("SKILLGRID_REQUIRE_SERVICES"):
        pytest.fail(f"required in CI but unavailable: {reason}")
    pytest.skip(reason)


def redis_url() -> str:
    """The Redis server the tests may use."""
    return os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def redis_available() -> bool:
    """True when a Redis server answers at redis_url()."""
    import redis

    try:
        return bool(redis.Redis.from_url(redis_url(), socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def chromium_path() -> str | None:
    """Debian's Chromium binary, if installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """Compile the .po catalogues, as ``make test`` does, so a bare ``pytest`` works too."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parent.parent / "app" / "translations"
    for po_path in root.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with po_path.with_suffix(".mo").open("wb") as mo_file:
            write_mo(mo_file, catalog)


@pytest.fixture(scope="session")
def _schema():
    """Create every table once for the session (drop leftovers first)."""
    app = create_app(TestingConfig)
    with app.app_context():
        _db.drop_all()
        with _db.engine.begin() as conn:
            conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        _db.create_all()
    yield
    with app.app_context():
        _empty_tables()
        _db.drop_all()
        _db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app(_schema):
    """A fresh app on the session's database, with the six job roles present."""
    from app.org.services import ensure_job_roles

    application = create_app(TestingConfig)
    with application.app_context():
        ensure_job_roles()
    yield application
    clock.freeze(None)
    with application.app_context():
        _db.session.remove()
        _empty_tables()
        _db.engine.dispose()


@pytest.fixture
def make_app(app):
    """Factory: another app on the same database (``make_app(ConfigClass)``), disposed after."""
    made = []

    def make(config_class=TestingConfig):
        other = create_app(config_class)
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            _db.engine.dispose()


@pytest.fixture
def db(app):
    """The SQLAlchemy extension (use it inside ``with app.app_context():``)."""
    return _db


@pytest.fixture
def client(app):
    """A test client whose browser asks for English (tests of Chinese send their own header)."""
    test_client = app.test_client()
    test_client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return test_client


@pytest.fixture
def runner(app):
    """A CLI runner for ``flask`` commands."""
    return app.test_cli_runner()


@pytest.fixture(scope="session")
def password_hash():
    """One scrypt hash of TEST_PASSWORD for every factory-made user (scrypt is slow)."""
    return generate_password_hash(TEST_PASSWORD)


@pytest.fixture
def make_department(app):
    """Factory: ``make_department("A/B/C")`` creates the chain and returns the leaf's id."""
    from app.org.services import ensure_department_path

    def make(path: str, kind: str = "office") -> int:
        with app.app_context():
            names = path.split("/")
            kinds = (
                ["company"] + ["branch"] * (len(names) - 2) + [kind]
                if len(names) > 1
                else ["company"]
            )
            return ensure_department_path(list(zip(names, kinds, strict=True))).id

    return make


@pytest.fixture
def make_user(app, password_hash, make_department):
    """Factory: ``make_user(roles=["staff"], ...)`` creates a user and returns it, detached."""
    from sqlalchemy import select

    from app.org.models import Department, JobRole, User

    counter = {"n": 0}

    def make(
        roles=("staff",),
        *,
        employee_no=None,
        name=None,
        email=None,
        department="测试公司/测试分中心/测试营业厅",
        job_role="CTR",
        manages=(),
        is_active=True,
        hired_at=date(2020, 1, 1),
        locale=None,
    ):
        counter["n"] += 1
        number = employee_no or f"U{counter['n']:05d}"
        dept_id = make_department(department, "hall") if department else None
        managed_ids = [make_department(path) for path in manages]
        with app.app_context():
            user = User(
                employee_no=number,
                name=name or f"测试用户{counter['n']}",
                email=email if email is not None else f"{number.lower()}@example.test",
                department=_db.session.get(Department, dept_id) if dept_id else None,
                job_role=_db.session.scalar(select(JobRole).where(JobRole.code == job_role))
                if job_role
                else None,
                hired_at=hired_at,
                password_hash=password_hash,
                is_active=is_active,
                locale=locale,
            )
            user.set_roles(roles)
            user.managed_departments = [_db.session.get(Department, i) for i in managed_ids]
            _db.session.add(user)
            _db.session.commit()
            _db.session.refresh(user)
            _ = (user.roles, user.managed_departments, user.department, user.job_role)
            _db.session.expunge(user)
            return user

    return make


#: the roles a permission table is checked against; "manager" = staff who manages a department
ROLE_FIXTURES = ("staff", "trainer", "hr", "admin", "manager")


@pytest.fixture
def login_as(client, make_user):
    """Sign the test client in as a new user of ``role`` (or one of ROLE_FIXTURES); return it."""

    def login(role: str = "staff", **kwargs):
        if role == "manager":
            kwargs.setdefault("manages", ["测试公司/测试分中心"])
            user = make_user(("staff",), **kwargs)
        elif role == "staff":
            user = make_user(("staff",), **kwargs)
        else:
            kwargs.setdefault("department", None)
            kwargs.setdefault("job_role", None)
            user = make_user((role,), **kwargs)
        with client.session_transaction() as session:
            session["_user_id"] = user.session_token
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...`` then ``counter.n`` = statements executed."""

    class Counter:
        n = 0
        statements: list[str] = []

    @contextlib.contextmanager
    def counting():
        with app.app_context():
            engine = _db.engine
        counter = Counter()
        counter.statements = []

        def before(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("PRAGMA", "SAVEPOINT", "RELEASE")):
                counter.n += 1
                counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


def csrf_token_from(html: str) -> str:
    """The first CSRF token found in a page."""
    import re

    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
