"""``flask ops backup`` / ``flask ops restore`` (issue 30, "Backup and restore").

A backup of a database with people, departments, a question bank, a quiz with an attempt and a
course with files (one in the database, one in the uploads folder) restored into an empty
instance (another SQLite file, another uploads folder) gives back every row of every table and
every file's bytes; each way a restore can be refused leaves the target as it was; a backup
taken while another thread writes is consistent. SQLite only: PostgreSQL is backed up with
pg_dump (docs/operations.md), which the last test checks the commands point to.
"""

import io
import json
import sqlite3
import tarfile
import threading
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from app.extensions import db as _db
from config import TestingConfig
from tests.courses.conftest import make_course  # noqa: F401  (fixtures the world needs)
from tests.quizzes.conftest import bank, make_quiz  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
PDF = b"%PDF-1.4\n" + b"0123456789" * 300 + b"\n%%EOF\n"


def _is_sqlite() -> bool:
    return TestingConfig.SQLALCHEMY_DATABASE_URI.startswith("sqlite")


@pytest.fixture
def sqlite_only():
    """Skip on PostgreSQL: these commands back up SQLite; PostgreSQL uses pg_dump."""
    if not _is_sqlite():
        pytest.skip("flask ops backup/restore handle SQLite; PostgreSQL uses pg_dump (docs)")


@pytest.fixture
def source_app(app, make_app, tmp_path, sqlite_only):
    """The test database's app with an uploads folder of its own."""

    class SourceConfig(TestingConfig):
        COURSE_FILES_FOLDER = str(tmp_path / "source-uploads")

    return make_app(SourceConfig)


@pytest.fixture
def target_app(make_app, tmp_path, sqlite_only):
    """An empty instance: another SQLite file (not created yet) and another uploads folder."""

    class TargetConfig(TestingConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'target' / 'skillgrid.db'}"
        COURSE_FILES_FOLDER = str(tmp_path / "target-uploads")

    return make_app(TargetConfig)


@pytest.fixture
def world(app, source_app, make_user, make_quiz, make_course):  # noqa: F811
    """People, departments, a bank, a quiz with an attempt, a course with two files."""
    from app.courses import services as courses
    from app.courses.models import Course
    from app.org.models import User
    from app.quizzes import services as quizzes
    from app.quizzes.models import Quiz

    learner = make_user(employee_no="L0001")
    make_user(("trainer",), employee_no="T0001", department="测试公司/培训中心")
    make_user(("hr",), employee_no="H0001", department=None, job_role=None)
    quiz_id = make_quiz(fixed=("t-single", "t-essay"))
    course_id = make_course(quiz_ids=(quiz_id,))
    with app.app_context():
        quizzes.start_attempt(_db.session.get(User, learner.id), _db.session.get(Quiz, quiz_id))
        courses.add_file(None, _db.session.get(Course, course_id), "in-db.png", PNG)
    with source_app.app_context():
        courses.add_file(None, _db.session.get(Course, course_id), "in-folder.pdf", PDF)
    return course_id


def _all_rows(flask_app) -> dict[str, list[tuple]]:
    """Every row of every table of the app's schema, in primary-key order."""
    with flask_app.app_context():
        known = set(inspect(_db.engine).get_table_names())
        rows = {}
        for table in _db.metadata.sorted_tables:
            if table.name in known:
                query = select(table).order_by(*table.primary_key.columns)
                rows[table.name] = [tuple(row) for row in _db.session.execute(query)]
        _db.session.remove()
        return rows


def _run(flask_app, *args):
    return flask_app.test_cli_runner().invoke(args=["ops", *args])


def _backup(source_app, tmp_path) -> Path:
    out = tmp_path / "backups" / "skillgrid.tar.gz"
    result = _run(source_app, "backup", str(out))
    assert result.exit_code == 0, result.output
    return out


def _rewrite(archive: Path, out: Path, change) -> Path:
    """A copy of ``archive`` with ``change(name, data) -> data`` applied to each member."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            data = change(member.name, src.extractfile(member).read())
            info = tarfile.TarInfo(member.name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return out


def test_a_backup_restored_into_an_empty_instance_has_every_row_and_file(
    app, source_app, target_app, world, tmp_path
):
    archive = _backup(source_app, tmp_path)
    before = _all_rows(app)
    assert before["user_account"] and before["question_version"] and before["attempt"]
    assert len(before["course_file"]) == 2

    result = _run(target_app, "restore", str(archive))

    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("manifest: backup of ")
    assert lines[-1].startswith(f"restored {archive}: ")
    assert f"{sum(len(rows) for rows in before.values())} rows, 1 files" in lines[-1]
    assert _all_rows(target_app) == before
    source_files = sorted((tmp_path / "source-uploads").rglob("*"))
    assert len(source_files) == 1
    restored = tmp_path / "target-uploads" / source_files[0].name
    assert restored.read_bytes() == source_files[0].read_bytes() == PDF
    from app.courses.models import CourseFile
    from app.courses.services import file_source

    with target_app.app_context():
        served = {}
        for stored in _db.session.scalars(select(CourseFile)):
            source = file_source(stored)
            served[stored.filename] = (
                source.read_bytes() if isinstance(source, Path) else source.read()
            )
        assert served == {"in-db.png": PNG, "in-folder.pdf": PDF}


def test_the_archive_holds_a_manifest_the_database_and_the_files(app, source_app, world, tmp_path):
    archive = _backup(source_app, tmp_path)
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())
    assert names[:2] == ["manifest.json", "database.sqlite3"]
    assert (manifest["format"], manifest["format_version"], manifest["database"]) == (
        "skillgrid-backup",
        1,
        "sqlite",
    )
    counts = {name: len(rows) for name, rows in _all_rows(app).items()}
    assert {k: v for k, v in manifest["tables"].items() if k in counts} == counts
    [entry] = manifest["files"]
    assert entry["size"] == len(PDF) and entry["path"] in names
    assert manifest["missing_files"] == []


def _target_state(target_app, tmp_path):
    """The target's rows and uploaded files, to show a refused restore changed nothing."""
    folder = tmp_path / "target-uploads"
    files = sorted(p.name for p in folder.rglob("*")) if folder.exists() else []
    return _all_rows(target_app), files


@pytest.fixture
def prepared_target(target_app, tmp_path):
    """The empty instance with its schema and one department (no people)."""
    from app.org.services import ensure_department_path

    with target_app.app_context():
        _db.create_all()
        ensure_department_path([("留下的公司", "company")])
        _db.session.remove()
    return target_app


def _refused(result, *words):
    assert result.exit_code != 0, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, result.output
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


@pytest.mark.parametrize(
    "content",
    [b"", b"employee_no,name\nX,Y\n", bytes(range(256)) * 8, b"\x1f\x8b\x08" + b"\x00" * 50],
    ids=["empty", "csv", "random-bytes", "broken-gzip"],
)
def test_restore_refuses_a_file_that_is_not_a_backup(
    prepared_target, tmp_path, sqlite_only, content
):
    path = tmp_path / "not-a-backup.tar.gz"
    path.write_bytes(content)
    before = _target_state(prepared_target, tmp_path)
    _refused(_run(prepared_target, "restore", str(path)), "is not a SkillGrid backup")
    assert _target_state(prepared_target, tmp_path) == before


def test_restore_refuses_an_archive_without_a_manifest(prepared_target, tmp_path, sqlite_only):
    path = tmp_path / "other.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("notes.txt")
        info.size = 2
        tar.addfile(info, io.BytesIO(b"hi"))
    _refused(_run(prepared_target, "restore", str(path)), "no manifest.json")


@pytest.mark.parametrize(
    "manifest",
    [
        b"{not json",
        b"\xff\xfe",
        json.dumps({"format": "skillgrid-backup", "format_version": 1, "database": "sqlite"}),
        json.dumps(
            {
                "format": "skillgrid-backup",
                "format_version": 1,
                "database": "sqlite",
                "tables": {},
                "files": [{"path": "../../etc/passwd", "size": 1, "sha256": "0" * 64}],
                "database_file": {"path": "database.sqlite3", "size": 1, "sha256": "0" * 64},
            }
        ),
    ],
    ids=["not-json", "not-utf8", "fields-missing", "unsafe-path"],
)
def test_restore_refuses_a_corrupt_manifest(source_app, prepared_target, world, tmp_path, manifest):
    data = manifest.encode() if isinstance(manifest, str) else manifest
    archive = _rewrite(
        _backup(source_app, tmp_path),
        tmp_path / "corrupt.tar.gz",
        lambda name, old: data if name == "manifest.json" else old,
    )
    before = _target_state(prepared_target, tmp_path)
    _refused(_run(prepared_target, "restore", str(archive)), "manifest is corrupt")
    assert _target_state(prepared_target, tmp_path) == before


@pytest.mark.parametrize("member", ["database.sqlite3", "files/"])
def test_restore_refuses_a_member_whose_checksum_is_wrong(
    source_app, prepared_target, world, tmp_path, member
):
    def damage(name, data):
        if name.startswith(member):
            return data[:-1] + bytes([data[-1] ^ 0xFF])
        return data

    archive = _rewrite(_backup(source_app, tmp_path), tmp_path / "damaged.tar.gz", damage)
    before = _target_state(prepared_target, tmp_path)
    _refused(_run(prepared_target, "restore", str(archive)), "does not match its checksum")
    assert _target_state(prepared_target, tmp_path) == before


def test_a_truncated_backup_is_refused(source_app, prepared_target, world, tmp_path):
    archive = _backup(source_app, tmp_path)
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    before = _target_state(prepared_target, tmp_path)
    _refused(_run(prepared_target, "restore", str(cut)), str(cut))
    assert _target_state(prepared_target, tmp_path) == before


def test_restore_refuses_a_database_with_people_unless_forced(
    app, source_app, world, make_user, tmp_path
):
    archive = _backup(source_app, tmp_path)
    before = _all_rows(app)
    make_user(employee_no="LATE01")
    with_late = _all_rows(app)

    _refused(_run(source_app, "restore", str(archive)), "already holds 4 account(s)", "--force")
    assert _all_rows(app) == with_late

    result = _run(source_app, "restore", "--force", str(archive))
    assert result.exit_code == 0, result.output
    assert _all_rows(app) == before


def test_a_backup_taken_while_another_thread_writes_is_consistent(
    app, source_app, target_app, tmp_path
):
    """Each write makes a branch and its team in one transaction: a restored branch always
    has its team, every write committed before the backup began is there, and the copy
    passes integrity_check."""
    from app.org.services import ensure_department_path

    committed: list[int] = []
    stop = threading.Event()
    failures: list[BaseException] = []

    def write() -> None:
        number = 0
        try:
            with source_app.app_context():
                while not stop.is_set() and number < 5000:
                    number += 1
                    ensure_department_path(
                        [("并发公司", "company"), (f"分中心{number}", "branch"), ("班组", "hall")]
                    )
                    committed.append(number)
                _db.session.remove()
        except BaseException as error:  # reported in the test's thread
            failures.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(committed) < 30 and writer.is_alive():
            stop.wait(0.01)
        done_before = len(committed)
        archive = _backup(source_app, tmp_path)
    finally:
        stop.set()
        writer.join(timeout=60)
    assert failures == [] and done_before >= 30
    assert len(committed) > done_before, "the writer went on during the backup"

    result = _run(target_app, "restore", str(archive))
    assert result.exit_code == 0, result.output
    database = tmp_path / "target" / "skillgrid.db"
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        branches = dict(
            conn.execute(
                "SELECT b.name, (SELECT count(*) FROM department c WHERE c.parent_id = b.id) "
                "FROM department b WHERE b.kind = 'branch' AND b.name LIKE '分中心%'"
            )
        )
    finally:
        conn.close()
    numbers = {int(name.removeprefix("分中心")) for name in branches}
    assert set(range(1, done_before + 1)) <= numbers
    assert numbers == set(range(1, max(numbers) + 1))
    assert set(branches.values()) == {1}, "a branch without its team: a torn transaction"


def test_the_commands_point_postgresql_to_pg_dump(runner, tmp_path):
    if _is_sqlite():
        pytest.skip("PostgreSQL only: on SQLite flask ops backup does the backup itself")
    for args in (["backup", str(tmp_path / "b.tar.gz")], ["restore", __file__]):
        message = _refused(runner.invoke(args=["ops", *args]), "SQLite only", "pg_dump")
        assert "docs/operations.md" in message
    assert not (tmp_path / "b.tar.gz").exists()
