"""The indicator system as a reviewable file: YAML (``framework/indicators.yaml``).

Pure: no Flask, no database. ``parse_yaml`` reads a file into an ``IndicatorFile`` and returns
every problem found, each located by line, so an import refuses a broken file as a whole and
names every line to fix; ``dump_yaml`` writes one back, and a file written and read again gives
the same indicators and parameters. What needs the database (competency codes, job roles,
scores already computed with a parameter set) is checked by the services. Both sections are
optional: a file with only ``parameters`` changes only parameters. The format is documented in
docs/service-quality.md.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.competencies.files import LANGUAGES, MAX_TEXT, Reader, Text
from app.core import yamlfile
from app.core.gettext import _
from app.core.problems import Problem
from app.quality import periods
from app.quality.units import DIRECTIONS, HIGHER, UNITS

#: the demo indicator system, reviewed like code
DEMO_FILE = Path(__file__).resolve().parents[2] / "framework" / "indicators.yaml"
CODE_RE = re.compile(r"^[A-Z]{1,4}[0-9]{1,3}$")
COMPETENCY_RE = re.compile(r"^[A-Z]{1,4}[0-9]{1,3}$")
MAX_NAME = 200
MAX_SOURCE = 500
TOP_KEYS = ("indicators", "parameters")
INDICATOR_KEYS = ("code", "name", "definition", "unit", "direction", "source", "competencies")
SET_KEYS = ("job_role", "valid_from", "note", "indicators")
PARAMETER_KEYS = ("weight", "floor", "target", "ceiling", "gate")
#: the weights of a job role's non-gate indicators add up to this
TOTAL_WEIGHT = 100.0


@dataclass
class IndicatorSpec:
    """An indicator as the file gives it."""

    code: str
    name: Text
    definition: Text
    unit: str
    direction: str
    source: Text
    #: competency code -> strength 1–3
    competencies: dict[str, int] = field(default_factory=dict)
    position: int = 0
    line: int = 0
    #: competency code -> the line where its strength is given
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class ParameterSpec:
    """One indicator's parameters in a set: weight (None for a gate), floor, target, ceiling."""

    code: str
    weight: float | None
    floor: float | None
    target: float | None
    ceiling: float | None
    is_gate: bool = False
    line: int = 0

    def values(self) -> tuple:
        """What decides whether two specs are the same."""
        return (self.code, self.weight, self.floor, self.target, self.ceiling, self.is_gate)


@dataclass
class ParameterSetSpec:
    """The parameters of a job role's indicators from a period on."""

    job_role: str
    valid_from: str
    parameters: dict[str, ParameterSpec] = field(default_factory=dict)
    note: str = ""
    line: int = 0


@dataclass
class IndicatorFile:
    """What an indicator file holds (each part may be empty: the file did not give it)."""

    indicators: list[IndicatorSpec] = field(default_factory=list)
    parameter_sets: list[ParameterSetSpec] = field(default_factory=list)


# --- checks shared with the pages ------------------------------------------------------------


def parameter_problems(spec: ParameterSpec, direction: str, unit: str) -> list[str]:
    """What is wrong with one indicator's parameters (empty: nothing)."""
    problems = []
    label = spec.code
    if spec.is_gate and spec.weight is not None:
        problems.append(_("%(code)s: a gate has no weight", code=label))
    if not spec.is_gate:
        if spec.weight is None:
            problems.append(_("%(code)s: give a weight (or make it a gate)", code=label))
        elif not 0 < spec.weight <= TOTAL_WEIGHT:
            problems.append(_("%(code)s: the weight must be above 0 and at most 100", code=label))
    bounds = {"floor": spec.floor, "target": spec.target, "ceiling": spec.ceiling}
    missing = [name for name, value in bounds.items() if value is None]
    if missing:
        problems.append(
            _("%(code)s: give %(names)s", code=label, names=", ".join(missing)),
        )
        return problems
    floor, target, ceiling = spec.floor, spec.target, spec.ceiling
    if direction == HIGHER and not floor < target <= ceiling:
        problems.append(
            _(
                "%(code)s: higher is better, so floor < target ≤ ceiling is needed "
                "(score 0 at the floor, 100 at the target)",
                code=label,
            )
        )
    if direction != HIGHER and not floor <= target < ceiling:
        problems.append(
            _(
                "%(code)s: lower is better, so ceiling > target ≥ floor is needed "
                "(score 0 at the ceiling, 100 at the target)",
                code=label,
            )
        )
    checker = UNITS.get(unit)
    if checker is not None:
        for name, value in bounds.items():
            trouble = checker.problem(value)
            if trouble:
                problems.append(
                    _("%(code)s: %(name)s %(problem)s", code=label, name=name, problem=trouble)
                )
    return problems


def weight_problem(parameters: Mapping[str, ParameterSpec]) -> str | None:
    """A message when the weights of the non-gate indicators do not add up to 100."""
    total = sum(p.weight or 0 for p in parameters.values() if not p.is_gate)
    if abs(total - TOTAL_WEIGHT) > 1e-6:
        return _("the weights add up to %(total)s, not 100", total=_number_text(total))
    return None


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


# --- reading YAML ----------------------------------------------------------------------------


def _number(reader: Reader, node: Mapping, key: str) -> float | None:
    value = node.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        reader.add(yamlfile.value_line(node, key), _("'%(key)s' must be a number", key=key))
        return None
    return float(value)


def parse_yaml(text: str, filename: str) -> tuple[IndicatorFile, list[Problem]]:
    """Read an indicator file; return what could be read and every problem, by line."""
    document, problems = yamlfile.load(text, filename)
    if problems:
        return IndicatorFile(), problems
    reader = Reader(filename)
    result = IndicatorFile()
    if not isinstance(document, Mapping):
        reader.add(
            yamlfile.line(document) if document is not None else 1,
            _("expected 'indicators' or 'parameters'"),
        )
        return result, reader.problems
    reader.unknown_keys(document, TOP_KEYS)
    if "indicators" in document:
        result.indicators = _read_indicators(reader, document)
    if "parameters" in document:
        result.parameter_sets = _read_sets(reader, document)
    check(result, reader)
    return result, reader.problems


def _list(reader: Reader, node: Mapping, key: str) -> list:
    items = node[key]
    if not isinstance(items, list):
        reader.add(yamlfile.key_line(node, key), _("'%(key)s' must be a list", key=key))
        return []
    return items


def _choice(reader: Reader, node: Mapping, key: str, line: int, allowed) -> str:
    value = reader.text(node, key, line, required=True, limit=16)
    if value and value not in allowed:
        reader.add(
            yamlfile.value_line(node, key),
            _(
                "'%(key)s' must be one of %(allowed)s, not '%(value)s'",
                key=key,
                allowed=", ".join(allowed),
                value=value,
            ),
        )
    return value


def _read_indicators(reader: Reader, document: Mapping) -> list[IndicatorSpec]:
    items = _list(reader, document, "indicators")
    specs = []
    for index, item in enumerate(items):
        line = yamlfile.item_line(items, index)
        if not isinstance(item, Mapping):
            reader.add(line, _("an indicator must give code, name, unit and direction"))
            continue
        reader.unknown_keys(item, INDICATOR_KEYS)
        code = reader.text(item, "code", line, required=True, limit=10)
        spec = IndicatorSpec(
            code=code,
            name=reader.bilingual(item, "name", line, required=True, limit=MAX_NAME),
            definition=reader.bilingual(item, "definition", line, required=False, limit=MAX_TEXT),
            unit=_choice(reader, item, "unit", line, tuple(UNITS)),
            direction=_choice(reader, item, "direction", line, DIRECTIONS),
            source=reader.bilingual(item, "source", line, required=False, limit=MAX_SOURCE),
            position=index,
            line=line,
        )
        raw = item.get("competencies")
        if raw is not None and not isinstance(raw, Mapping):
            reader.add(
                yamlfile.value_line(item, "competencies"),
                _("'competencies' must map competency codes to strengths 1–3"),
            )
        elif raw is not None:
            for competency in raw:
                where = yamlfile.key_line(raw, competency)
                strength = raw[competency]
                if not isinstance(competency, str) or not COMPETENCY_RE.match(competency):
                    reader.add(where, _("'%(code)s' is not a competency code", code=competency))
                    continue
                if isinstance(strength, bool) or strength not in (1, 2, 3):
                    reader.add(
                        where,
                        _(
                            "%(code)s: the strength must be 1, 2 or 3, not %(value)s",
                            code=competency,
                            value=strength,
                        ),
                    )
                    continue
                spec.competencies[competency] = int(strength)
                spec.lines[competency] = where
        specs.append(spec)
    return specs


def _read_sets(reader: Reader, document: Mapping) -> list[ParameterSetSpec]:
    items = _list(reader, document, "parameters")
    sets = []
    for index, item in enumerate(items):
        line = yamlfile.item_line(items, index)
        if not isinstance(item, Mapping):
            reader.add(line, _("a parameter set must give job_role, valid_from and indicators"))
            continue
        reader.unknown_keys(item, SET_KEYS)
        role = reader.text(item, "job_role", line, required=True, limit=10)
        valid_from = reader.text(item, "valid_from", line, required=True, limit=7)
        if valid_from and not periods.is_period(valid_from):
            reader.add(
                yamlfile.value_line(item, "valid_from"),
                _("'%(value)s' is not a period (YYYY-MM)", value=valid_from),
            )
        note = reader.text(item, "note", line, required=False, limit=500)
        spec = ParameterSetSpec(role, valid_from, {}, note, line)
        raw = item.get("indicators")
        if not isinstance(raw, Mapping) or not raw:
            reader.add(
                yamlfile.value_line(item, "indicators") if "indicators" in item else line,
                _("'indicators' must map indicator codes to their parameters"),
            )
        else:
            for code in raw:
                parameters = _read_parameters(reader, raw, code)
                if parameters is not None:
                    spec.parameters[str(code)] = parameters
        sets.append(spec)
    return sets


def _read_parameters(reader: Reader, raw: Mapping, code: Any) -> ParameterSpec | None:
    where = yamlfile.key_line(raw, code)
    node = raw[code]
    if not isinstance(node, Mapping):
        reader.add(
            where,
            _("%(code)s: give weight, floor, target and ceiling (or gate: true)", code=code),
        )
        return None
    reader.unknown_keys(node, PARAMETER_KEYS)
    gate = node.get("gate", False)
    if not isinstance(gate, bool):
        reader.add(yamlfile.value_line(node, "gate"), _("'gate' must be true or false"))
        gate = False
    return ParameterSpec(
        str(code),
        _number(reader, node, "weight"),
        _number(reader, node, "floor"),
        _number(reader, node, "target"),
        _number(reader, node, "ceiling"),
        gate,
        where,
    )


# --- checks across the file ------------------------------------------------------------------


def check(result: IndicatorFile, reader: Reader) -> None:
    """Codes well formed and unique; each set's parameters sound for what the file says of
    their indicators (sets of indicators the file does not give are checked by the services)."""
    codes: dict[str, int] = {}
    for spec in result.indicators:
        if spec.code and not CODE_RE.match(spec.code):
            reader.add(
                spec.line,
                _(
                    "indicator code '%(code)s' must be 1 to 4 capital letters and 1 to 3 digits "
                    "(e.g. K01)",
                    code=spec.code,
                ),
            )
        if spec.code in codes:
            reader.add(
                spec.line,
                _(
                    "indicator %(code)s is given twice (first on line %(line)d)",
                    code=spec.code,
                    line=codes[spec.code],
                ),
            )
        codes.setdefault(spec.code, spec.line)
    known = {spec.code: spec for spec in result.indicators}
    seen: dict[tuple[str, str], int] = {}
    for parameter_set in result.parameter_sets:
        key = (parameter_set.job_role, parameter_set.valid_from)
        if key in seen:
            reader.add(
                parameter_set.line,
                _(
                    "the parameters of %(role)s from %(period)s are given twice",
                    role=parameter_set.job_role,
                    period=parameter_set.valid_from,
                ),
            )
        seen[key] = parameter_set.line
        for problem in set_problems(parameter_set, known):
            reader.add(*problem)


def set_problems(
    parameter_set: ParameterSetSpec, indicators: Mapping[str, Any]
) -> list[tuple[int, str]]:
    """(line, message) of every problem of a set, given the indicators known by code (specs or
    model rows: anything with ``direction`` and ``unit``); unknown codes are left to the caller."""
    problems = []
    for code, spec in parameter_set.parameters.items():
        indicator = indicators.get(code)
        if indicator is None:
            continue
        problems += [
            (spec.line, message)
            for message in parameter_problems(spec, indicator.direction, indicator.unit)
        ]
    if all(code in indicators for code in parameter_set.parameters):
        message = weight_problem(parameter_set.parameters)
        if message:
            problems.append(
                (
                    parameter_set.line,
                    _(
                        "the parameters of %(role)s from %(period)s: %(problem)s",
                        role=parameter_set.job_role,
                        period=parameter_set.valid_from,
                        problem=message,
                    ),
                )
            )
    return problems


# --- writing YAML ----------------------------------------------------------------------------

HEADER = (
    "# SkillGrid service-quality indicators (服务质量指标): each indicator's code, wording, unit,\n"
    "# direction, data source and the competencies it depends on (strength 3 primary, 2 strong,\n"
    "# 1 contributing); then, per job role and from a period (YYYY-MM) on, each indicator's\n"
    "# weight (out of 100; gates have none), floor, target and ceiling. Higher is better:\n"
    "# score 0 at the floor, 100 at the target. Lower is better: score 0 at the ceiling, 100 at\n"
    "# the target.\n"
    "# Codes are stable keys: never rename or reuse one. A change of parameters is a new set with\n"
    "# a later valid_from: the parameters of a period that has scores never change.\n"
)


def _bi(text: Text) -> dict:
    return {"zh": text.zh, "en": text.en}


def _num(value: float | None):
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def to_document(result: IndicatorFile) -> dict:
    """The indicators and parameter sets as plain YAML-ready data, in the file's order."""
    document: dict[str, Any] = {}
    if result.indicators:
        document["indicators"] = []
        for spec in sorted(result.indicators, key=lambda s: (s.position, s.code)):
            entry: dict[str, Any] = {"code": spec.code, "name": _bi(spec.name)}
            if spec.definition.zh or spec.definition.en:
                entry["definition"] = _bi(spec.definition)
            entry["unit"] = spec.unit
            entry["direction"] = spec.direction
            if spec.source.zh or spec.source.en:
                entry["source"] = _bi(spec.source)
            if spec.competencies:
                entry["competencies"] = dict(spec.competencies)
            document["indicators"].append(entry)
    if result.parameter_sets:
        document["parameters"] = []
        for parameter_set in result.parameter_sets:
            entry = {"job_role": parameter_set.job_role, "valid_from": parameter_set.valid_from}
            if parameter_set.note:
                entry["note"] = parameter_set.note
            entry["indicators"] = {
                code: _parameter_document(spec) for code, spec in parameter_set.parameters.items()
            }
            document["parameters"].append(entry)
    return document


def _parameter_document(spec: ParameterSpec) -> dict:
    entry: dict[str, Any] = {}
    if spec.is_gate:
        entry["gate"] = True
    else:
        entry["weight"] = _num(spec.weight)
    entry.update(floor=_num(spec.floor), target=_num(spec.target), ceiling=_num(spec.ceiling))
    return entry


def dump_yaml(result: IndicatorFile) -> str:
    """The indicator file as YAML text (read back by ``parse_yaml`` to the same content)."""
    return HEADER + yamlfile.dump(_flow(to_document(result)))


def _flow(document: dict) -> Any:
    """Write texts, competency links and each indicator's parameters on one line."""
    from ruamel.yaml.comments import CommentedMap

    def flow(mapping: dict) -> CommentedMap:
        node = CommentedMap(mapping)
        node.fa.set_flow_style()
        return node

    def convert(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            if value and (set(value) <= set(LANGUAGES) or set(value) <= set(PARAMETER_KEYS)):
                return flow(value)
            if key == "competencies":
                return flow(value)
            node = CommentedMap()
            for k, v in value.items():
                node[k] = convert(v, k)
            return node
        if isinstance(value, list):
            return [convert(item) for item in value]
        return value

    return convert(document)
