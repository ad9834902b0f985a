"""Exam day (issue 26): the autosave and the start in as few statements as they need, SQLite's
write transactions begun IMMEDIATE, and its ``synchronous`` setting."""

import sqlite3
import threading

import pytest
from sqlalchemy import select

from app.core.uow import unit_of_work
from app.quizzes.models import ResponseStep
from config import sqlite_synchronous
from tests.quizzes.conftest import save, start


def _statements(counter) -> list[str]:
    return [" ".join(s.split())[:60] for s in counter.statements]


def test_a_save_is_five_statements(client, login_as, make_quiz, count_queries):
    """The person with their roles, the attempt with its slot and question, the lock, the newest
    step, the insert: nothing else (the commit is not a statement)."""
    login_as("staff")
    attempt_id = start(client, make_quiz(fixed=["t-single", "t-tf"]))
    assert save(client, attempt_id, 2, q2="1").json["applied"]
    with count_queries() as counter:
        response = save(client, attempt_id, 2, q2="0")
    assert response.status_code == 200 and response.json["applied"]
    kinds = [s.split()[0] for s in _statements(counter)]
    assert kinds == ["SELECT", "SELECT", "UPDATE", "SELECT", "INSERT"], _statements(counter)


def test_the_one_query_save_keeps_its_refusals(app, client, login_as, make_user, make_quiz):
    login_as("staff")
    attempt_id = start(client, make_quiz(fixed=["t-single"]))
    assert save(client, attempt_id, 7, q7="1").status_code == 400  # no such question
    assert client.post(f"/attempts/{attempt_id + 99}/save", data={"slot": 1}).status_code == 404
    login_as("staff")  # another person
    assert save(client, attempt_id, 1, q1="0").status_code == 403
    with app.app_context():
        from app.extensions import db

        assert db.session.scalars(select(ResponseStep)).all() == []


def test_a_start_asks_the_audience_once(client, login_as, make_quiz, count_queries):
    login_as("staff")
    quiz_id = make_quiz(fixed=[], random=[("题库/随机池", 10)])
    with count_queries() as counter:
        assert client.post(f"/quizzes/{quiz_id}/start").status_code == 302
    audience = [s for s in counter.statements if "quiz_audience" in s]
    assert len(audience) == 1, _statements(counter)


@pytest.fixture
def sqlite_file(app):
    from app.extensions import db

    with app.app_context():
        url = db.engine.url
    if url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's locking and synchronous setting")
    return url.database


def test_a_unit_of_work_takes_sqlites_write_lock_before_its_first_read(app, sqlite_file):
    """A read-then-write use case holds the write lock from its start, so a writer that commits
    in between cannot make its write fail with 'database is locked'."""
    from app.extensions import db
    from app.org.models import JobRole

    inside, release = threading.Event(), threading.Event()

    def use_case():
        with app.app_context(), unit_of_work():
            db.session.scalars(select(JobRole)).all()  # a read, nothing written yet
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=use_case)
    worker.start()
    try:
        assert inside.wait(10)
        other = sqlite3.connect(sqlite_file, timeout=0, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    finally:
        release.set()
        worker.join()
    other.execute("BEGIN IMMEDIATE")  # free again once the use case has ended
    other.execute("ROLLBACK")
    other.close()


def test_sqlite_synchronous_is_full_unless_normal_is_asked_for(app, sqlite_file, monkeypatch):
    from app.extensions import db

    def level() -> int:
        with app.app_context():
            db.engine.dispose()  # a new connection runs the connect hook again
            with db.engine.connect() as conn:
                return conn.exec_driver_sql("PRAGMA synchronous").scalar()

    assert level() == 2  # FULL
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "normal")
    assert level() == 1  # NORMAL
    monkeypatch.setenv("SQLITE_SYNCHRONOUS", "OFF")
    with pytest.raises(RuntimeError, match="FULL or NORMAL"):
        sqlite_synchronous()


def test_the_exam_pages_write_nothing_when_read(client, login_as, make_quiz, count_queries):
    """Opening the quiz list, the attempt and the home page on exam day only reads."""
    login_as("staff")
    quiz_id = make_quiz(fixed=["t-single", "t-tf"])
    attempt_id = start(client, quiz_id)
    with count_queries() as counter:
        for url in ("/home", "/quizzes/", f"/quizzes/{quiz_id}", f"/attempts/{attempt_id}"):
            assert client.get(url).status_code == 200, url
    writes = [s for s in _statements(counter) if s.split()[0] in ("INSERT", "UPDATE", "DELETE")]
    assert counter.n > 0 and writes == []


def test_static_files_load_no_session_and_no_person(client, login_as, count_queries):
    login_as("staff")
    with count_queries() as counter:
        response = client.get("/static/js/attempt.js")
        response.close()
    assert response.status_code == 200 and counter.n == 0
