"""Write use cases of service scores: import a period's raw values (file, CLI, API) and correct one.

An import plans first (every row checked against the file and the database, nothing written)
and writes the clean plan in one unit of work; any problem raises ``ImportRejected`` naming every
bad row, and a dry run returns the plan without writing. **Replace semantics**: for each
indicator a batch contains, it replaces that period's values of every person (a source system
sends an indicator's whole month): values in the batch are created or updated, values of that
indicator and period missing from the batch are deleted, other indicators are left alone.

Every batch and every correction is a ``ScoreBatch`` with one audit row holding the values it
replaced, so any earlier value can be traced. Both fire ``scores_changed(period, user_ids)``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import delete, select

from app.core import clock, hooks, tabular
from app.core.audit import record_audit
from app.core.errors import DomainError, ImportRejected
from app.core.problems import Problem
from app.core.uow import transaction
from app.extensions import db
from app.org.models import User
from app.quality import periods
from app.quality.models import BATCH_SOURCES, Indicator, Score, ScoreBatch
from app.quality.units import UNITS, plain

COLUMNS = ("employee_no", "indicator", "value")
#: the most rows one batch may hold (a month of every indicator for 10 000 people)
MAX_ROWS = 200_000
MAX_REASON = 500


class ScoreRefused(DomainError):
    """A score use case refused its input."""


@dataclass
class IndicatorCounts:
    """What a batch does to one indicator's month."""

    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


@dataclass
class ScoreReport:
    """What an import did, or would do on a dry run."""

    period: str
    dry_run: bool = True
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    by_indicator: dict[str, IndicatorCounts] = field(default_factory=dict)
    batch_id: int | None = None

    @property
    def n_changes(self) -> int:
        """Values created, updated or deleted."""
        return self.created + self.updated + self.deleted


@dataclass
class _Planned:
    line: int
    user: User
    indicator: Indicator
    value: float


@dataclass
class _Plan:
    report: ScoreReport
    rows: list[_Planned]
    existing: dict[tuple[int, int], Score]
    #: user id -> (job role id, department id) of their period
    placement: dict[int, tuple[int, int | None]]


def parse_value(text) -> float | None:
    """A value as a number (None: not a number). Accepts numbers and numeric text."""
    if isinstance(text, bool):
        return None
    if isinstance(text, int | float):
        value = float(text)
    else:
        try:
            value = float(str(text).strip().replace(",", ""))
        except ValueError:
            return None
    return value if math.isfinite(value) else None


def check_period(period: str, today=None) -> None:
    """Refuse a malformed period or one that has not begun."""
    if not periods.is_period(period):
        raise ScoreRefused(_("'%(period)s' is not a period (YYYY-MM).", period=period))
    current = periods.of_date(today or clock.local_today())
    if period > current:
        raise ScoreRefused(_("%(period)s has not begun yet.", period=period))


def plan_scores(
    period: str, raw_rows: list[tuple[int, dict]], filename: str | None = None
) -> _Plan:
    """Check every row against the file and the database; raise ImportRejected naming them."""
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(line, message, filename))

    if not raw_rows:
        raise ImportRejected([Problem(1, _("There are no rows to import."), filename)])
    if len(raw_rows) > MAX_ROWS:
        raise ImportRejected(
            [Problem(1, _("At most %(n)d rows in one batch.", n=MAX_ROWS), filename)]
        )
    indicators = {i.code: i for i in db.session.scalars(select(Indicator))}
    numbers = sorted({str(raw.get("employee_no") or "").strip() for _line, raw in raw_rows})
    people: dict[str, User] = {}
    for start in range(0, len(numbers), 900):
        chunk = numbers[start : start + 900]
        people.update(
            (u.employee_no, u)
            for u in db.session.scalars(select(User).where(User.employee_no.in_(chunk)))
        )
    # the role and department of each person's period, where it already has values
    placement: dict[int, tuple[int, int | None]] = {
        user_id: (role_id, department_id)
        for user_id, role_id, department_id in db.session.execute(
            select(Score.user_id, Score.job_role_id, Score.department_id)
            .where(Score.period == period)
            .distinct()
        )
    }
    seen: dict[tuple[str, str], int] = {}
    rows: list[_Planned] = []
    for line, raw in raw_rows:
        errors = []
        number = str(raw.get("employee_no") or "").strip()
        code = str(raw.get("indicator") or "").strip().upper()
        user = people.get(number)
        if not number:
            errors.append(_("employee_no is missing"))
        elif user is None:
            errors.append(_("unknown employee %(no)s", no=number))
        elif user.job_role_id is None and user.id not in placement:
            errors.append(_("%(no)s has no job role", no=number))
        indicator = indicators.get(code)
        if not code:
            errors.append(_("indicator is missing"))
        elif indicator is None:
            errors.append(
                _(
                    "unknown indicator %(code)s (known: %(known)s)",
                    code=code,
                    known=", ".join(sorted(indicators)),
                )
            )
        raw_value = raw.get("value")
        value = parse_value(raw_value)
        if raw_value is None or str(raw_value).strip() == "":
            errors.append(_("value is missing"))
        elif value is None:
            errors.append(_("%(value)s is not a number", value=str(raw_value)[:40]))
        elif indicator is not None:
            trouble = UNITS[indicator.unit].problem(value)
            if trouble:
                errors.append(f"{indicator.code}: {trouble}")
        key = (number, code)
        if number and code and key in seen:
            errors.append(
                _(
                    "%(no)s %(code)s repeats row %(row)d",
                    no=number,
                    code=code,
                    row=seen[key],
                )
            )
        seen.setdefault(key, line)
        if errors:
            for message in errors:
                problem(line, message)
            continue
        rows.append(_Planned(line, user, indicator, value))
    if problems:
        raise ImportRejected(problems)
    return _compare(period, rows, placement)


def _compare(period: str, rows: list[_Planned], placement) -> _Plan:
    """Sort the clean rows into created, updated and unchanged; find the values to delete."""
    report = ScoreReport(period=period)
    indicator_ids = sorted({row.indicator.id for row in rows})
    existing = {
        (score.user_id, score.indicator_id): score
        for score in db.session.scalars(
            select(Score).where(Score.period == period, Score.indicator_id.in_(indicator_ids))
        )
    }
    codes = {row.indicator.id: row.indicator.code for row in rows}
    for code in sorted(codes.values()):
        report.by_indicator[code] = IndicatorCounts()
    given = set()
    for row in rows:
        counts = report.by_indicator[row.indicator.code]
        key = (row.user.id, row.indicator.id)
        given.add(key)
        score = existing.get(key)
        if score is None:
            counts.created += 1
        elif score.value != row.value:
            counts.updated += 1
        else:
            counts.unchanged += 1
    for key in existing:
        if key not in given:
            report.by_indicator[codes[key[1]]].deleted += 1
    for counts in report.by_indicator.values():
        report.created += counts.created
        report.updated += counts.updated
        report.deleted += counts.deleted
        report.unchanged += counts.unchanged
    return _Plan(report, rows, existing, placement)


def _snapshot_key(employee_no: str, code: str) -> str:
    return f"{employee_no} {code}"


@transaction
def import_scores(
    actor,
    period: str,
    raw_rows: list[tuple[int, dict]],
    *,
    filename: str | None = None,
    source: str = "page",
    dry_run: bool = False,
) -> ScoreReport:
    """Import a period's values: every row or none; a dry run only reports what would change."""
    if source not in BATCH_SOURCES:
        raise ValueError(f"unknown batch source {source!r}")
    check_period(period)
    plan = plan_scores(period, raw_rows, filename)
    report = plan.report
    if dry_run:
        return report
    report.dry_run = False
    batch = ScoreBatch(
        period=period,
        source=source,
        filename=filename,
        actor_id=getattr(actor, "id", None),
        created_at=clock.now(),
        indicators=sorted(report.by_indicator),
        n_created=report.created,
        n_updated=report.updated,
        n_deleted=report.deleted,
        n_unchanged=report.unchanged,
    )
    db.session.add(batch)
    db.session.flush()
    before: dict[str, float] = {}
    after: dict[str, float] = {}
    given = set()
    touched: set[int] = set()
    new_rows = []
    for row in plan.rows:
        key = (row.user.id, row.indicator.id)
        given.add(key)
        score = plan.existing.get(key)
        label = _snapshot_key(row.user.employee_no, row.indicator.code)
        if score is None:
            role_id, department_id = plan.placement.setdefault(
                row.user.id, (row.user.job_role_id, row.user.department_id)
            )
            new_rows.append(
                {
                    "user_id": row.user.id,
                    "indicator_id": row.indicator.id,
                    "period": period,
                    "value": row.value,
                    "job_role_id": role_id,
                    "department_id": department_id,
                    "batch_id": batch.id,
                }
            )
            after[label] = row.value
            touched.add(row.user.id)
        elif score.value != row.value:
            before[label] = score.value
            after[label] = row.value
            score.value = row.value
            score.batch_id = batch.id
            touched.add(row.user.id)
    gone = [score for key, score in plan.existing.items() if key not in given]
    if gone:
        numbers = dict(
            db.session.execute(
                select(User.id, User.employee_no).where(
                    User.id.in_(sorted({s.user_id for s in gone}))
                )
            ).all()
        )
        codes = {row.indicator.id: row.indicator.code for row in plan.rows}
        for score in gone:
            before[_snapshot_key(numbers[score.user_id], codes[score.indicator_id])] = score.value
            touched.add(score.user_id)
        for start in range(0, len(gone), 900):
            ids = [score.id for score in gone[start : start + 900]]
            db.session.execute(
                delete(Score).where(Score.id.in_(ids)).execution_options(synchronize_session=False)
            )
        for score in gone:
            db.session.expunge(score)
    for start in range(0, len(new_rows), 5000):
        db.session.execute(Score.__table__.insert(), new_rows[start : start + 5000])
    db.session.flush()
    record_audit(
        actor,
        "service_scores.import",
        batch,
        {"values": dict(sorted(before.items()))} if before else None,
        {
            "period": period,
            "source": source,
            "file": filename,
            "indicators": batch.indicators,
            "created": report.created,
            "updated": report.updated,
            "deleted": report.deleted,
            "unchanged": report.unchanged,
            "values": dict(sorted(after.items())),
        },
    )
    report.batch_id = batch.id
    if touched:
        hooks.fire("scores_changed", period, sorted(touched))
    return report


def read_score_file(data: bytes, filename: str) -> list[tuple[int, dict]]:
    """(row number, {employee_no, indicator, value}) from a CSV or XLSX file, or ImportRejected."""
    rows, problems = tabular.read_records(data, filename, COLUMNS, max_rows=MAX_ROWS)
    if problems:
        raise ImportRejected(problems)
    return rows


def import_score_file(
    actor, period: str, data: bytes, filename: str, *, source: str = "page", dry_run: bool = False
) -> ScoreReport:
    """Read and import a score file (``employee_no,indicator,value``): every row or none."""
    check_period(period)
    return import_scores(
        actor,
        period,
        read_score_file(data, filename),
        filename=filename,
        source=source,
        dry_run=dry_run,
    )


@transaction
def correct_score(actor, score: Score, value, reason: str) -> Score:
    """Correct one value, with the reason (a batch of its own, audited)."""
    reason = (reason or "").strip()
    if not reason:
        raise ScoreRefused(_("Give the reason for the correction."))
    if len(reason) > MAX_REASON:
        raise ScoreRefused(_("A reason has at most %(n)d characters.", n=MAX_REASON))
    number = parse_value(value)
    if number is None:
        raise ScoreRefused(_("%(value)s is not a number", value=str(value)[:40]))
    indicator = score.indicator
    trouble = UNITS[indicator.unit].problem(number)
    if trouble:
        raise ScoreRefused(f"{indicator.code}: {trouble}")
    if number == score.value:
        raise ScoreRefused(_("The value is already %(value)s.", value=plain(number)))
    batch = ScoreBatch(
        period=score.period,
        source="correction",
        actor_id=getattr(actor, "id", None),
        created_at=clock.now(),
        note=reason,
        indicators=[indicator.code],
        n_updated=1,
    )
    db.session.add(batch)
    db.session.flush()
    label = _snapshot_key(score.user.employee_no, indicator.code)
    record_audit(
        actor,
        "service_score.correct",
        batch,
        {"values": {label: score.value}, "batch": score.batch_id},
        {"values": {label: number}, "reason": reason, "score": score.id},
    )
    score.value = number
    score.batch_id = batch.id
    db.session.flush()
    hooks.fire("scores_changed", score.period, [score.user_id])
    return score


def bulk_insert_scores(batch: ScoreBatch, rows: Iterable[dict]) -> int:
    """Insert score rows of one batch in multi-row statements, without audit (demo, bench).

    The caller's unit of work commits; each row has user_id, indicator_id, period, value,
    job_role_id and department_id.
    """
    db.session.add(batch)
    db.session.flush()
    count = 0
    chunk: list[dict] = []
    for row in rows:
        chunk.append({**row, "batch_id": batch.id})
        if len(chunk) >= 5000:
            db.session.execute(Score.__table__.insert(), chunk)
            count += len(chunk)
            chunk = []
    if chunk:
        db.session.execute(Score.__table__.insert(), chunk)
        count += len(chunk)
    return count
