"""Write use cases of the indicator system: import an indicator file, create or edit an indicator,
set a job role's parameters from a period on, and bulk-load a file for generated data and tests.

Every change writes an audit row in the same unit of work. An import plans everything first and
writes only when the whole file is valid against the database; a dry run plans and stops. A
parameter set may be written only where no score would be judged differently: the periods it
governs (from its ``valid_from`` to the next set of the role) must hold no scores of the role.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.competencies.models import Competency
from app.core import clock
from app.core.audit import record_audit
from app.core.errors import DomainError, ImportRejected
from app.core.problems import Problem
from app.core.uow import transaction
from app.extensions import db
from app.org.models import JobRole
from app.quality import files
from app.quality.files import IndicatorFile, IndicatorSpec, ParameterSetSpec, ParameterSpec
from app.quality.models import (
    Indicator,
    IndicatorCompetency,
    IndicatorParameter,
    ParameterSet,
    Score,
)


class IndicatorError(DomainError):
    """An indicator use case refused its input."""


@dataclass
class IndicatorReport:
    """What an indicator import did, or would do on a dry run."""

    dry_run: bool = False
    created: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    sets_created: list[str] = field(default_factory=list)
    sets_replaced: list[str] = field(default_factory=list)
    sets_unchanged: list[str] = field(default_factory=list)

    @property
    def n_changes(self) -> int:
        """How many things the import changes."""
        return (
            len(self.created) + len(self.changed) + len(self.sets_created) + len(self.sets_replaced)
        )


# --- the database in the file's shape --------------------------------------------------------


def wording(spec: IndicatorSpec) -> dict:
    """The columns of an indicator a spec sets (what an edit compares and audits)."""
    return {
        "name_zh": spec.name.zh,
        "name_en": spec.name.en,
        "definition_zh": spec.definition.zh,
        "definition_en": spec.definition.en,
        "unit": spec.unit,
        "direction": spec.direction,
        "source_zh": spec.source.zh,
        "source_en": spec.source.en,
    }


def indicator_wording(indicator: Indicator) -> dict:
    """The same columns of a stored indicator."""
    return {key: getattr(indicator, key) for key in wording(_blank_spec())}


def _blank_spec() -> IndicatorSpec:
    return IndicatorSpec("", files.Text(), files.Text(), "", "", files.Text())


def set_values(parameter_set: ParameterSet) -> dict[str, tuple]:
    """Indicator code -> the comparable values of its parameters in a stored set."""
    return {
        p.indicator.code: ParameterSpec(
            p.indicator.code, p.weight, p.floor, p.target, p.ceiling, p.is_gate
        ).values()
        for p in parameter_set.parameters
    }


def _spec_values(spec: ParameterSetSpec) -> dict[str, tuple]:
    return {code: p.values() for code, p in spec.parameters.items()}


def _scored_periods(job_role_id: int, start: str, end: str | None) -> str | None:
    """The last period in [start, end) holding scores of the role (None: there is none)."""
    query = select(func.max(Score.period)).where(
        Score.job_role_id == job_role_id, Score.period >= start
    )
    if end is not None:
        query = query.where(Score.period < end)
    return db.session.scalar(query)


def _next_set_start(job_role_id: int, after: str) -> str | None:
    return db.session.scalar(
        select(func.min(ParameterSet.valid_from)).where(
            ParameterSet.job_role_id == job_role_id, ParameterSet.valid_from > after
        )
    )


def _existing_set(job_role_id: int, valid_from: str) -> ParameterSet | None:
    return db.session.scalar(
        select(ParameterSet).where(
            ParameterSet.job_role_id == job_role_id, ParameterSet.valid_from == valid_from
        )
    )


def rewrite_problem(job_role: JobRole, valid_from: str) -> str | None:
    """Why a set of ``job_role`` from ``valid_from`` may not be written (None: it may)."""
    last = _scored_periods(job_role.id, valid_from, _next_set_start(job_role.id, valid_from))
    if last is None:
        return None
    return _(
        "%(role)s already has scores judged by the parameters in force from %(period)s on "
        "(up to %(last)s); give the change a valid_from after %(last)s so that no past score "
        "changes",
        role=job_role.code,
        period=valid_from,
        last=last,
    )


# --- import ----------------------------------------------------------------------------------


@dataclass
class _Plan:
    report: IndicatorReport
    indicators: dict[str, Indicator]
    competencies: dict[str, Competency]
    roles: dict[str, JobRole]


def plan_import(content: IndicatorFile, filename: str) -> _Plan:
    """Check a parsed file against the database; raise ImportRejected naming every line."""
    problems: list[Problem] = []

    def problem(line: int, message: str) -> None:
        problems.append(Problem(line, message, filename))

    indicators = {
        i.code: i for i in db.session.scalars(select(Indicator).order_by(Indicator.position))
    }
    competencies = {c.code: c for c in db.session.scalars(select(Competency))}
    roles = {r.code: r for r in db.session.scalars(select(JobRole))}
    report = IndicatorReport()
    scored = set(db.session.scalars(select(Score.indicator_id).distinct()))
    for spec in content.indicators:
        for code, line in spec.lines.items():
            if code not in competencies:
                problem(
                    line,
                    _("%(indicator)s: unknown competency %(code)s", indicator=spec.code, code=code),
                )
        current = indicators.get(spec.code)
        if current is None:
            report.created.append(spec.code)
            continue
        before = indicator_wording(current)
        if current.id in scored and (before["unit"], before["direction"]) != (
            spec.unit,
            spec.direction,
        ):
            problem(
                spec.line,
                _(
                    "%(code)s has scores: its unit and direction cannot change (add a new "
                    "indicator instead)",
                    code=spec.code,
                ),
            )
        if before != wording(spec) or current.strengths != spec.competencies:
            report.changed.append(spec.code)
        else:
            report.unchanged.append(spec.code)
    # the indicators after the import: the file's wording over the database's
    known = {**indicators, **{spec.code: spec for spec in content.indicators}}
    for parameter_set in content.parameter_sets:
        label = f"{parameter_set.job_role} {parameter_set.valid_from}"
        role = roles.get(parameter_set.job_role)
        if role is None:
            problem(
                parameter_set.line,
                _(
                    "unknown job role %(role)s (known: %(known)s)",
                    role=parameter_set.job_role,
                    known=", ".join(sorted(roles)),
                ),
            )
            continue
        for code, spec in parameter_set.parameters.items():
            if code not in known:
                problem(spec.line, _("unknown indicator %(code)s", code=code))
        for line, message in _database_set_problems(parameter_set, content, indicators):
            problem(line, message)
        existing = _existing_set(role.id, parameter_set.valid_from)
        if existing is not None and set_values(existing) == _spec_values(parameter_set):
            report.sets_unchanged.append(label)
            continue
        trouble = rewrite_problem(role, parameter_set.valid_from)
        if trouble:
            problem(parameter_set.line, trouble)
        (report.sets_created if existing is None else report.sets_replaced).append(label)
    if problems:
        raise ImportRejected(sorted(problems, key=lambda p: p.line))
    return _Plan(report, indicators, competencies, roles)


def _database_set_problems(
    parameter_set: ParameterSetSpec, content: IndicatorFile, indicators: dict[str, Indicator]
) -> list[tuple[int, str]]:
    """Problems of a set that the file alone could not see: its indicators known only from the
    database (the file's own indicators were checked when it was read)."""
    in_file = {spec.code for spec in content.indicators}
    if all(code in in_file for code in parameter_set.parameters):
        return []  # files.check saw the whole set
    known = {**indicators, **{spec.code: spec for spec in content.indicators}}
    problems = files.set_problems(parameter_set, known)
    # keep the file's own-indicator problems out: files.check reported them already
    own_lines = {spec.line for code, spec in parameter_set.parameters.items() if code in in_file}
    return [(line, message) for line, message in problems if line not in own_lines]


def import_indicators(
    actor, content: IndicatorFile, *, filename: str, dry_run: bool = False
) -> IndicatorReport:
    """Import a parsed indicator file: all of it or nothing; a dry run only plans."""
    if dry_run:
        report = plan_import(content, filename).report
        report.dry_run = True
        return report
    return _apply_import(actor, content, filename)


@transaction
def _apply_import(actor, content: IndicatorFile, filename: str) -> IndicatorReport:
    plan = plan_import(content, filename)
    for spec in content.indicators:
        indicator = plan.indicators.get(spec.code)
        if indicator is None:
            plan.indicators[spec.code] = _create(actor, spec, plan.competencies)
        elif spec.code in plan.report.changed:
            _update(actor, indicator, spec, plan.competencies)
        if indicator is not None:
            indicator.position = spec.position
    db.session.flush()
    note = _("import %(file)s", file=filename)
    for parameter_set in content.parameter_sets:
        _store_set(actor, plan.roles[parameter_set.job_role], parameter_set, plan.indicators, note)
    return plan.report


def _links(indicator: Indicator, strengths: dict[str, int], competencies) -> None:
    current = {link.competency.code: link for link in indicator.links}
    for code, link in current.items():
        if code not in strengths:
            indicator.links.remove(link)
    for code, strength in strengths.items():
        if code in current:
            current[code].strength = strength
        else:
            indicator.links.append(
                IndicatorCompetency(competency=competencies[code], strength=strength)
            )


def _create(actor, spec: IndicatorSpec, competencies) -> Indicator:
    indicator = Indicator(code=spec.code, position=spec.position, version=1, **wording(spec))
    db.session.add(indicator)
    _links(indicator, spec.competencies, competencies)
    db.session.flush()
    record_audit(
        actor,
        "indicator.create",
        indicator,
        None,
        {"code": spec.code, **wording(spec), "competencies": spec.competencies},
    )
    return indicator


def _update(actor, indicator: Indicator, spec: IndicatorSpec, competencies) -> None:
    before = {**indicator_wording(indicator), "competencies": indicator.strengths}
    if indicator_wording(indicator) != wording(spec):
        for key, value in wording(spec).items():
            setattr(indicator, key, value)
        indicator.version += 1
    _links(indicator, spec.competencies, competencies)
    indicator.updated_at = clock.now()
    db.session.flush()
    record_audit(
        actor,
        "indicator.update",
        indicator,
        before,
        {**wording(spec), "competencies": spec.competencies, "version": indicator.version},
    )


def _store_set(
    actor, role: JobRole, spec: ParameterSetSpec, indicators: dict[str, Indicator], note: str
) -> ParameterSet:
    existing = _existing_set(role.id, spec.valid_from)
    if existing is not None and set_values(existing) == _spec_values(spec):
        return existing
    before = None
    if existing is not None:
        before = {code: list(values[1:]) for code, values in set_values(existing).items()}
        existing.parameters.clear()
        db.session.flush()
        parameter_set = existing
    else:
        parameter_set = ParameterSet(job_role_id=role.id, valid_from=spec.valid_from)
        db.session.add(parameter_set)
    parameter_set.author_id = getattr(actor, "id", None)
    parameter_set.note = spec.note or note
    parameter_set.created_at = clock.now()
    for code, p in spec.parameters.items():
        parameter_set.parameters.append(
            IndicatorParameter(
                indicator=indicators[code],
                weight=None if p.is_gate else p.weight,
                floor=p.floor,
                target=p.target,
                ceiling=p.ceiling,
                is_gate=p.is_gate,
            )
        )
    db.session.flush()
    record_audit(
        actor,
        "indicator_parameters.set",
        parameter_set,
        before,
        {
            "job_role": role.code,
            "valid_from": spec.valid_from,
            "parameters": {code: list(values[1:]) for code, values in _spec_values(spec).items()},
        },
    )
    return parameter_set


def parse_file(content: bytes, filename: str) -> tuple[IndicatorFile, list[Problem]]:
    """Read an uploaded indicator file (.yaml/.yml, UTF-8)."""
    if not filename.lower().endswith((".yaml", ".yml")):
        return IndicatorFile(), [Problem(1, _("use a .yaml file"), filename)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        return IndicatorFile(), [Problem(line, _("the file is not UTF-8 text"), filename)]
    return files.parse_yaml(text, filename)


def import_file(actor, content: bytes, filename: str, *, dry_run: bool = False) -> IndicatorReport:
    """Parse and import an indicator file; ImportRejected names every bad line."""
    parsed, problems = parse_file(content, filename)
    if problems:
        raise ImportRejected(problems)
    return import_indicators(actor, parsed, filename=filename, dry_run=dry_run)


# --- editing on the pages --------------------------------------------------------------------


@transaction
def save_indicator(actor, indicator: Indicator | None, spec: IndicatorSpec) -> Indicator:
    """Create an indicator (``indicator`` None) or change one's wording and competency links."""
    content = IndicatorFile(indicators=[spec])
    reader = files.Reader(spec.code)
    files.check(content, reader)
    if not spec.name.zh:
        raise IndicatorError(_("Give the indicator a Chinese name."))
    if reader.problems:
        raise IndicatorError("; ".join(p.message for p in reader.problems))
    existing = db.session.scalar(select(Indicator).where(Indicator.code == spec.code))
    if indicator is None and existing is not None:
        raise IndicatorError(
            _("The code %(code)s is taken (codes are never reused).", code=spec.code)
        )
    if indicator is not None:
        spec.position = indicator.position
    elif spec.position == 0:
        spec.position = (db.session.scalar(select(func.max(Indicator.position))) or 0) + 1
    try:
        plan = plan_import(content, spec.code)
    except ImportRejected as rejected:
        raise IndicatorError("; ".join(p.message for p in rejected.problems)) from None
    if indicator is None:
        return _create(actor, spec, plan.competencies)
    if spec.code in plan.report.changed:
        _update(actor, indicator, spec, plan.competencies)
    return indicator


@transaction
def set_parameters(
    actor, job_role: JobRole, valid_from: str, parameters: dict[str, ParameterSpec], note: str = ""
) -> ParameterSet:
    """Set what the indicators count for in ``job_role`` from ``valid_from`` on."""
    spec = ParameterSetSpec(job_role.code, valid_from, dict(parameters), note.strip(), 0)
    if not parameters:
        raise IndicatorError(_("Give the parameters of at least one indicator."))
    try:
        plan = plan_import(IndicatorFile(parameter_sets=[spec]), job_role.code)
    except ImportRejected as rejected:
        raise IndicatorError("; ".join(p.message for p in rejected.problems)) from None
    if not plan.report.sets_created and not plan.report.sets_replaced:
        raise IndicatorError(_("Nothing changed: the parameters from that period are the same."))
    return _store_set(actor, job_role, spec, plan.indicators, note.strip())


# --- bulk loading ----------------------------------------------------------------------------


@transaction
def bulk_load_indicators(content: IndicatorFile, *, valid_from: str | None = None) -> int:
    """Load a valid indicator file into an empty system in a few statements, without audit rows.

    For generated data (``flask bench data``) and the test suite; people use ``import_file``.
    Competency links to codes the framework lacks are left out (generated data may have no
    framework). ``valid_from`` overrides every set's first period. Returns the indicators loaded.
    """
    now = clock.now()
    db.session.execute(
        Indicator.__table__.insert(),
        [
            {
                "code": spec.code,
                "position": spec.position,
                "version": 1,
                "created_at": now,
                "updated_at": now,
                **wording(spec),
            }
            for spec in content.indicators
        ],
    )
    ids = dict(db.session.execute(select(Indicator.code, Indicator.id)).all())
    competencies = dict(db.session.execute(select(Competency.code, Competency.id)).all())
    links = [
        {"indicator_id": ids[spec.code], "competency_id": competencies[code], "strength": strength}
        for spec in content.indicators
        for code, strength in spec.competencies.items()
        if code in competencies
    ]
    if links:
        db.session.execute(IndicatorCompetency.__table__.insert(), links)
    roles = dict(db.session.execute(select(JobRole.code, JobRole.id)).all())
    for parameter_set in content.parameter_sets:
        if parameter_set.job_role not in roles:
            continue
        set_id = db.session.execute(
            ParameterSet.__table__.insert().values(
                job_role_id=roles[parameter_set.job_role],
                valid_from=valid_from or parameter_set.valid_from,
                created_at=now,
                note=parameter_set.note,
            )
        ).inserted_primary_key[0]
        db.session.execute(
            IndicatorParameter.__table__.insert(),
            [
                {
                    "set_id": set_id,
                    "indicator_id": ids[code],
                    "weight": None if p.is_gate else p.weight,
                    "floor": p.floor,
                    "target": p.target,
                    "ceiling": p.ceiling,
                    "is_gate": p.is_gate,
                }
                for code, p in parameter_set.parameters.items()
            ],
        )
    return len(content.indicators)
