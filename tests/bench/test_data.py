"""``flask bench data``: the generated company's shape, its reproducibility, the refusal."""

import hashlib
import json

from sqlalchemy import func, select
from werkzeug.security import check_password_hash

from app.bench.data import empty_database
from app.bench.data.base import BENCH_PASSWORD
from app.core.models import Base

SMALL = ["bench", "data", "--staff", "45", "--questions", "90", "--attempts", "40"]
AS_OF = ["--as-of", "2026-11-01"]


def _count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _digest(db) -> str:
    """A digest of every row of every application table, in primary-key order."""
    hasher = hashlib.sha256()
    for table in Base.metadata.sorted_tables:
        rows = db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
        hasher.update(json.dumps([table.name, [list(r) for r in rows]], default=str).encode())
    return hasher.hexdigest()


def test_data_makes_a_company_of_the_asked_size(app, db, runner):
    from app.bank.models import Question
    from app.courses.models import Certificate, Enrolment
    from app.org.models import Department, JobRole, User, UserRole, department_manager
    from app.quizzes.models import Attempt, AttemptCompetencyResult, AttemptSlot, ResponseStep

    result = runner.invoke(args=[*SMALL, "--seed", "5", *AS_OF])
    assert result.exit_code == 0, result.output
    assert "organisation:" in result.output and "courses:" in result.output
    with app.app_context():
        assert _count(db, UserRole, UserRole.role == "staff") == 45
        assert _count(db, JobRole) == 6
        assert _count(db, Department) > 5
        assert _count(db, department_manager) > 0
        assert _count(db, Question) == 90
        assert _count(db, Attempt, Attempt.state == "finished") == 40
        slots = _count(db, AttemptSlot)
        assert slots > 0 and _count(db, ResponseStep) == slots
        assert _count(db, AttemptCompetencyResult) > 0
        assert _count(db, Enrolment) > 0 and _count(db, Certificate) > 0
        person = db.session.scalar(select(User).where(User.employee_no == "S000001"))
        assert check_password_hash(person.password_hash, BENCH_PASSWORD)
        # Marks and per-competency results add up as grading writes them.
        attempt = db.session.scalar(select(Attempt).order_by(Attempt.id))
        earned = sum(s.mark for s in attempt.slots)
        assert attempt.raw_mark == earned
        assert attempt.mark == round(earned * 100 / attempt.raw_max, 5)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data(app, db, runner):
    with app.app_context():
        empty_database()  # --force empties every table: start both runs from the same state
    assert runner.invoke(args=[*SMALL, "--seed", "7", *AS_OF]).exit_code == 0
    with app.app_context():
        first = _digest(db)
    again = runner.invoke(args=[*SMALL, "--seed", "7", *AS_OF, "--force"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert _digest(db) == first
        empty_database()
    assert runner.invoke(args=[*SMALL, "--seed", "8", *AS_OF]).exit_code == 0
    with app.app_context():
        assert _digest(db) != first


def test_data_refuses_a_database_that_holds_people_without_force(app, db, runner, make_user):
    from app.org.models import User

    make_user(employee_no="demo-1")
    result = runner.invoke(args=[*SMALL, "--seed", "1"])
    assert result.exit_code != 0
    assert "already holds 1 people" in result.output
    with app.app_context():
        assert _count(db, User) == 1
    forced = runner.invoke(args=[*SMALL, "--seed", "1", "--force"])
    assert forced.exit_code == 0, forced.output
    with app.app_context():
        assert db.session.scalar(select(User).where(User.employee_no == "demo-1")) is None
