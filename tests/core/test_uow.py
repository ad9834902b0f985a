"""The unit of work commits the outermost block, rolls back on any error, names expected races."""

import pytest
from sqlalchemy import func, select

from app.core.errors import DomainError
from app.core.uow import depth, transaction, unit_of_work
from app.org.models import JobRole


class Taken(DomainError):
    """The code is taken."""


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(JobRole))


@transaction
def _add_role(db, code: str) -> JobRole:
    role = JobRole(code=code, name_zh=code, name_en=code)
    db.session.add(role)
    return role


@transaction
def _add_then_fail(db, code: str) -> None:
    _add_role(db, code)
    raise DomainError("refused")


def test_a_transaction_commits_when_the_use_case_returns(app, db):
    with app.app_context():
        before = _count(db)
        _add_role(db, "T1")
        db.session.rollback()  # nothing pending: it was committed
        assert _count(db) == before + 1


def test_any_exception_rolls_back_everything_the_use_case_wrote(app, db):
    with app.app_context():
        before = _count(db)
        with pytest.raises(DomainError, match="refused"):
            _add_then_fail(db, "T2")
        assert _count(db) == before
        assert depth() == 0


def test_an_inner_unit_only_flushes_and_the_outer_one_decides(app, db):
    with app.app_context():
        before = _count(db)
        with pytest.raises(RuntimeError), unit_of_work():
            _add_role(db, "T3")  # inner: flushed, not committed
            assert depth() == 1
            raise RuntimeError("outer fails")
        assert _count(db) == before


def test_an_expected_integrity_error_becomes_the_named_domain_error(app, db):
    with app.app_context():
        _add_role(db, "T4")
        with pytest.raises(Taken), unit_of_work(expect=Taken):
            db.session.add(JobRole(code="T4", name_zh="x", name_en="x"))
        # the session is usable again
        assert _count(db) >= 7


def test_an_unexpected_integrity_error_is_raised_as_it_is(app, db):
    from sqlalchemy.exc import IntegrityError

    with app.app_context():
        _add_role(db, "T5")
        with pytest.raises(IntegrityError), unit_of_work():
            db.session.add(JobRole(code="T5", name_zh="x", name_en="x"))
        assert depth() == 0


def test_a_nested_unit_names_its_expected_error_at_its_own_end(app, db):
    with app.app_context():
        _add_role(db, "T6")
        before = _count(db)
        with pytest.raises(Taken), unit_of_work(), unit_of_work(expect=Taken):
            db.session.add(JobRole(code="T6", name_zh="x", name_en="x"))
        assert _count(db) == before
