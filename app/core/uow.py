"""The unit of work: the one owner of every transaction.

Write services are decorated with ``@transaction`` (or open ``with unit_of_work():``); they add and
flush, and the outermost unit of work commits when the use case returns and rolls back on any
exception, so a failed use case leaves nothing behind and no caller ever cleans up after it. Views,
API resources and CLI commands call services and never touch ``db.session`` (a test enforces it).

Units of work nest: an inner one (a service calling another service) only flushes; the outermost
one decides. On SQLite the outermost one begins ``IMMEDIATE``: it takes the write lock before its
first read, so a read-then-write use case waits its turn (``busy_timeout``) instead of failing with
``database is locked`` when another writer commits between its read and its write.

An ``IntegrityError`` the caller said to expect (a unique constraint that a race can hit) is
turned into the domain error it named, after the rollback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError

from app.extensions import db

_DEPTH = "skillgrid.uow_depth"

#: what to raise instead of an expected IntegrityError: an exception class (built with no
#: arguments, or with the message the caller gives) or a function of the IntegrityError
Expected = type[Exception] | Exception | Callable[[IntegrityError], Exception] | None

F = TypeVar("F", bound=Callable[..., Any])


def depth() -> int:
    """How many units of work are open in this session (0: none)."""
    return db.session.info.get(_DEPTH, 0)


def _begin_immediate() -> None:
    """SQLite: start the transaction with the write lock (BEGIN IMMEDIATE), unless one is open.

    pysqlite would otherwise begin a deferred transaction just before the first write; reads
    before it would see a snapshot that a concurrent commit can invalidate, and the upgrade to a
    writer then fails at once, without waiting for the busy timeout.
    """
    connection = db.session.connection()
    if connection.dialect.name != "sqlite":
        return
    raw = connection.connection.driver_connection
    if not raw.in_transaction:
        raw.execute("BEGIN IMMEDIATE")


def _translate(error: IntegrityError, expect: Expected) -> Exception | None:
    if expect is None:
        return None
    if isinstance(expect, Exception):
        return expect
    if isinstance(expect, type) and issubclass(expect, Exception):
        return expect()
    return expect(error)


@contextmanager
def unit_of_work(*, expect: Expected = None) -> Iterator[None]:
    """Run the block as one transaction: commit at the end of the outermost block, else roll back.

    ``expect`` names the domain error to raise when the database refuses the block with an
    ``IntegrityError`` (a unique constraint lost to a concurrent request); any other exception
    is re-raised unchanged after the rollback.
    """
    session = db.session
    level = session.info.get(_DEPTH, 0)
    session.info[_DEPTH] = level + 1
    try:
        try:
            if level == 0:
                _begin_immediate()
            yield
            if level == 0:
                session.commit()
            elif expect is not None:
                session.flush()  # surface the expected violation here, where it can be named
        finally:
            session.info[_DEPTH] = level
    except IntegrityError as error:
        if level == 0:
            session.rollback()
        translated = _translate(error, expect)
        if translated is None:
            raise
        raise translated from error
    except BaseException:
        if level == 0:
            session.rollback()
        raise


def transaction(fn: F | None = None, *, expect: Expected = None):
    """Decorate a write service: it runs inside a unit of work (see ``unit_of_work``)."""

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapper(*args, **kwargs):
            with unit_of_work(expect=expect):
                return func(*args, **kwargs)

        wrapper.is_transaction = True  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate(fn) if fn is not None else decorate


def refresh(instance: Any) -> None:
    """Reload ``instance`` from the database (after a conditional update changed its row)."""
    db.session.refresh(instance)
