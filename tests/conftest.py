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
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from flask import Flask
from sqlalchemy import event, exists, literal, select, text, union_all
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


def worker_number() -> int:
    """0 for a plain run or xdist's first worker (gw0), 1 for gw1, …"""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    return int(worker.removeprefix("gw") or 0)


def redis_url() -> str:
    """The Redis server the tests may use (databases 15, 14, … one per xdist worker)."""
    return os.environ.get("TEST_REDIS_URL", f"redis://127.0.0.1:6379/{15 - worker_number() % 16}")


def _ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names unless it exists (asked of ``postgres``)."""
    from sqlalchemy import create_engine

    base, name = url.rsplit("/", 1)
    admin = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            known = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if known.first() is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _use_worker_database() -> None:
    """Under pytest-xdist each worker gets its own PostgreSQL database (``test_gw1``, …) so
    that emptying tables after a test never reaches another worker's rows; SQLite files are
    already one per process."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = TestingConfig.SQLALCHEMY_DATABASE_URI
    if not worker or not url.startswith("postgresql"):
        return
    url = f"{url}_{worker}"
    _ensure_postgres_database(url)
    TestingConfig.SQLALCHEMY_DATABASE_URI = url
    os.environ["TEST_DATABASE_URL"] = url  # for the tests that make databases beside it


_use_worker_database()


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


#: PostgreSQL: table name -> the sequence of its serial id (read once per session)
_SEQUENCES: dict[str, str] = {}


def _empty_tables() -> None:
    """Delete every row a test left, children first, and restart the ids at 1.

    Only the tables that hold rows are touched (one probe finds them): a test writes to a
    handful of the schema's hundred-odd tables, and PostgreSQL's TRUNCATE of all of them cost
    about half a second per test (new files for every table and index). Ids restart as
    ``TRUNCATE … RESTART IDENTITY`` did; SQLite reuses them once a table is empty.
    """
    tables = list(reversed(_db.metadata.sorted_tables))
    probe = union_all(
        *(
            select(literal(index)).where(exists(select(literal(1)).select_from(table)))
            for index, table in enumerate(tables)
        )
    )
    with _db.engine.begin() as conn:
        used = {row[0] for row in conn.execute(probe)}
        for index, table in enumerate(tables):
            if index in used:
                conn.execute(table.delete())
        if conn.dialect.name != "postgresql":
            return
        if not _SEQUENCES:
            rows = conn.execute(
                text(
                    "SELECT c.relname, pg_get_serial_sequence(quote_ident(c.relname), a.attname) "
                    "FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid "
                    "WHERE c.relkind = 'r' AND c.relnamespace = 'public'::regnamespace "
                    "AND a.attnum > 0 AND NOT a.attisdropped"
                )
            )
            _SEQUENCES.update({name: seq for name, seq in rows if seq})
        for index, table in enumerate(tables):
            sequence = _SEQUENCES.get(table.name)
            if index in used and sequence:
                conn.execute(text("SELECT setval(:seq, 1, false)"), {"seq": sequence})


def _load_reference_data(framework) -> None:
    """The six job roles and the competency framework, as every test starts with them."""
    from app.competencies.services import bulk_load_framework
    from app.org.services import ensure_job_roles

    ensure_job_roles()
    bulk_load_framework(framework, valid_from=date(2000, 1, 1))


@pytest.fixture
def fresh_database(app, demo_framework):
    """Call it to empty every table and put the reference data back (inside an app context)."""

    def reset() -> None:
        _empty_tables()
        _load_reference_data(demo_framework)

    return reset


@pytest.fixture(scope="session")
def demo_framework():
    """The demo competency framework (framework/competencies.yaml), parsed once."""
    from pathlib import Path

    from app.competencies.files import parse_yaml

    path = Path(__file__).resolve().parent.parent / "framework" / "competencies.yaml"
    framework, problems = parse_yaml(path.read_text(encoding="utf-8"), str(path))
    assert problems == []
    return framework


@pytest.fixture
def app(_schema, demo_framework):
    """A fresh app on the session's database: the six job roles and the demo competency
    framework (its role profiles in force since 2000, whatever date a test freezes)."""
    application = create_app(TestingConfig)
    with application.app_context():
        _load_reference_data(demo_framework)
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


@dataclass(frozen=True)
class SeededDemo:
    """The demo company, seeded once per test session into a database of its own."""

    app: Flask
    #: what the first ``flask seed-demo`` printed, and the second (which must change nothing)
    output: str
    again: str
    #: rows per table after the first seeding and after the second
    counts: dict[str, int]
    counts_again: dict[str, int]

    def client(self, employee_no: str | None = None):
        """A test client of the demo app, signed in as ``employee_no`` when one is given."""
        client = self.app.test_client()
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
        if employee_no:
            from app.org.models import User

            with self.app.app_context():
                user = _db.session.scalar(select(User).where(User.employee_no == employee_no))
                token = user.session_token
            with client.session_transaction() as session:
                session["_user_id"] = token
                session["_fresh"] = True
        return client


def _row_counts() -> dict[str, int]:
    from sqlalchemy import func

    return {
        table.name: _db.session.scalar(select(func.count()).select_from(table))
        for table in _db.metadata.sorted_tables
    }


#: the moment the demo is seeded and read at (the quality tests' NOW: a complete last month)
DEMO_NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def _seeded_demo():
    """``flask seed-demo`` run twice on a database of its own (SQLite file or PostgreSQL
    database beside the session's), at DEMO_NOW. A seeding takes a minute, so the tests that
    read the demo share this one and never change what another reads (each xdist worker that
    runs one of them seeds its own: xdist's ``loadgroup`` does not group on pytest 9)."""
    url = TestingConfig.SQLALCHEMY_DATABASE_URI
    if url.startswith("postgresql"):
        url = f"{url}_demo"
        _ensure_postgres_database(url)
    else:
        url = url.removesuffix(".db") + "-demo.db"

    class DemoConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    demo_app = create_app(DemoConfig)
    clock.freeze(DEMO_NOW)
    try:
        with demo_app.app_context():
            _db.drop_all()
            _db.create_all()
        runner = demo_app.test_cli_runner()
        first = runner.invoke(args=["seed-demo"])
        assert first.exit_code == 0, first.output
        with demo_app.app_context():
            counts = _row_counts()
        again = runner.invoke(args=["seed-demo"])
        assert again.exit_code == 0, again.output
        with demo_app.app_context():
            counts_again = _row_counts()
            _db.session.remove()
    finally:
        clock.freeze(None)
    yield SeededDemo(demo_app, first.output, again.output, counts, counts_again)
    with demo_app.app_context():
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def seeded_demo(_seeded_demo):
    """The seeded demo, with the clock frozen at the moment it was seeded."""
    clock.freeze(DEMO_NOW)
    yield _seeded_demo
    clock.freeze(None)


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
