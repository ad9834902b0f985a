"""The competency framework as a reviewable file: YAML (``framework/competencies.yaml``).

Pure: no Flask, no database. ``parse_yaml`` reads a file into a ``Framework`` and returns every
problem found, each located by line, so an import can refuse a broken file as a whole and name
every line to fix; ``dump_yaml`` writes a ``Framework`` back, and a file written and read again
gives the same framework. The workbook form is in ``files_xlsx.py``; the format is documented in
docs/competencies.md.

Every section is optional: a file with only ``profiles`` changes only role profiles.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.core import yamlfile
from app.core.gettext import _
from app.core.problems import Problem

CODE_RE = re.compile(r"^[A-Z]{1,4}[0-9]{1,3}$")
DOMAIN_RE = re.compile(r"^[A-Z]{1,4}$")
LEVELS = (1, 2, 3, 4, 5)
LANGUAGES = ("zh", "en")
MAX_NAME = 200
MAX_TEXT = 4000

#: the sheets of the XLSX form (files_xlsx.py), in order, with their columns
SHEETS = {
    "scale": ("level", "name_zh", "name_en", "description_zh", "description_en"),
    "domains": ("code", "name_zh", "name_en"),
    "competencies": (
        "code",
        "domain",
        "name_zh",
        "name_en",
        "description_zh",
        "description_en",
        *(f"level{n}_{lang}" for n in LEVELS for lang in LANGUAGES),
        "validity_months",
        "retired",
    ),
    "profiles": ("job_role", "valid_from", "competency", "level"),
}


@dataclass
class Text:
    """A text in both languages."""

    zh: str = ""
    en: str = ""


@dataclass
class ScaleSpec:
    """One level of the proficiency scale."""

    level: int
    name: Text
    description: Text
    line: int = 0


@dataclass
class DomainSpec:
    """A domain and its position in the file."""

    code: str
    name: Text
    position: int = 0
    line: int = 0


@dataclass
class CompetencySpec:
    """A competency as the file gives it."""

    code: str
    domain: str
    name: Text
    description: Text
    levels: dict[int, Text]
    validity_months: int | None = None
    retired: bool = False
    position: int = 0
    line: int = 0


@dataclass
class ProfileSpec:
    """A role profile: the level a job role requires of each competency, from a date on."""

    job_role: str
    valid_from: date
    levels: dict[str, int]
    line: int = 0
    #: competency code -> the line where its level is given
    lines: dict[str, int] = field(default_factory=dict)


@dataclass
class Framework:
    """What a framework file holds (each part may be empty: the file did not give it)."""

    scale: list[ScaleSpec] = field(default_factory=list)
    domains: list[DomainSpec] = field(default_factory=list)
    competencies: list[CompetencySpec] = field(default_factory=list)
    profiles: list[ProfileSpec] = field(default_factory=list)

    @property
    def has_framework(self) -> bool:
        """True when the file gives domains or competencies."""
        return bool(self.domains or self.competencies)


# --- reading YAML --------------------------------------------------------------------------

TOP_KEYS = ("scale", "domains", "profiles")


class Reader:
    """Collects problems for one file while reading its nodes."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.problems: list[Problem] = []

    def add(self, line: int, message: str) -> None:
        self.problems.append(Problem(line, message, self.filename))

    def text(self, node: Any, key: str, line: int, *, required: bool, limit: int) -> str:
        value = node.get(key) if isinstance(node, Mapping) else None
        where = yamlfile.value_line(node, key) if key in (node or {}) else line
        if value is None or value == "":
            if required:
                self.add(line, _("'%(key)s' is missing", key=key))
            return ""
        if not isinstance(value, str):
            value = str(value)
        value = value.strip()
        if len(value) > limit:
            self.add(where, _("'%(key)s' is longer than %(n)d characters", key=key, n=limit))
        return value

    def bilingual(self, node: Any, key: str, line: int, *, required: bool, limit: int) -> Text:
        """Read ``key: {zh: …, en: …}``; Chinese required where ``required``, English optional."""
        if not isinstance(node, Mapping) or key not in node:
            if required:
                self.add(line, _("'%(key)s' is missing", key=key))
            return Text()
        value = node[key]
        where = yamlfile.value_line(node, key)
        if not isinstance(value, Mapping):
            self.add(where, _("'%(key)s' must give 'zh' and 'en' texts", key=key))
            return Text()
        for extra in value:
            if extra not in LANGUAGES:
                self.add(
                    yamlfile.key_line(value, extra),
                    _("unknown language '%(lang)s' (expected zh and en)", lang=extra),
                )
        zh = self.text(value, "zh", where, required=required, limit=limit)
        en = self.text(value, "en", where, required=False, limit=limit)
        return Text(zh, en)

    def unknown_keys(self, node: Mapping, allowed: tuple[str, ...]) -> None:
        for key in node:
            if key not in allowed:
                self.add(
                    yamlfile.key_line(node, key),
                    _(
                        "unknown key '%(key)s' (expected %(allowed)s)",
                        key=key,
                        allowed=", ".join(allowed),
                    ),
                )

    def integer(self, node: Mapping, key: str, low: int, high: int) -> int | None:
        value = node.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(
                yamlfile.value_line(node, key),
                _(
                    "'%(key)s' must be a whole number from %(low)d to %(high)d",
                    key=key,
                    low=low,
                    high=high,
                ),
            )
            return None
        return value


def parse_yaml(text: str, filename: str) -> tuple[Framework, list[Problem]]:
    """Read a framework file; return what could be read and every problem, by line."""
    document, problems = yamlfile.load(text, filename)
    if problems:
        return Framework(), problems
    reader = Reader(filename)
    framework = Framework()
    if document is None:
        reader.add(1, _("the file is empty: expected 'scale', 'domains' or 'profiles'"))
        return framework, reader.problems
    if not isinstance(document, Mapping):
        reader.add(yamlfile.line(document), _("expected 'scale', 'domains' or 'profiles'"))
        return framework, reader.problems
    reader.unknown_keys(document, TOP_KEYS)
    if "scale" in document:
        framework.scale = _read_scale(reader, document)
    if "domains" in document:
        framework.domains, framework.competencies = _read_domains(reader, document)
    if "profiles" in document:
        framework.profiles = _read_profiles(reader, document)
    check(framework, reader)
    return framework, reader.problems


def _list(reader: Reader, document: Mapping, key: str) -> list:
    items = document[key]
    if not isinstance(items, list):
        reader.add(yamlfile.key_line(document, key), _("'%(key)s' must be a list", key=key))
        return []
    return items


def _read_scale(reader: Reader, document: Mapping) -> list[ScaleSpec]:
    items = _list(reader, document, "scale")
    scale = []
    for index, item in enumerate(items):
        line = yamlfile.item_line(items, index)
        if not isinstance(item, Mapping):
            reader.add(line, _("a level of the scale must give level, name and description"))
            continue
        reader.unknown_keys(item, ("level", "name", "description"))
        level = reader.integer(item, "level", 1, 5)
        if "level" not in item:
            reader.add(line, _("'%(key)s' is missing", key="level"))
        name = reader.bilingual(item, "name", line, required=True, limit=50)
        description = reader.bilingual(item, "description", line, required=False, limit=MAX_TEXT)
        if level is not None:
            scale.append(ScaleSpec(level, name, description, line))
    return scale


def _read_domains(reader: Reader, document: Mapping):
    items = _list(reader, document, "domains")
    domains: list[DomainSpec] = []
    competencies: list[CompetencySpec] = []
    for index, item in enumerate(items):
        line = yamlfile.item_line(items, index)
        if not isinstance(item, Mapping):
            reader.add(line, _("a domain must give code, name and competencies"))
            continue
        reader.unknown_keys(item, ("code", "name", "competencies"))
        code = reader.text(item, "code", line, required=True, limit=4)
        name = reader.bilingual(item, "name", line, required=True, limit=MAX_NAME)
        domains.append(DomainSpec(code, name, index, line))
        if "competencies" not in item:
            continue
        members = _list(reader, item, "competencies")
        for position, member in enumerate(members):
            member_line = yamlfile.item_line(members, position)
            spec = _read_competency(reader, member, member_line, code)
            if spec is not None:
                spec.position = position
                competencies.append(spec)
    return domains, competencies


def _read_competency(reader: Reader, node: Any, line: int, domain: str) -> CompetencySpec | None:
    if not isinstance(node, Mapping):
        reader.add(line, _("a competency must give code, name and levels"))
        return None
    reader.unknown_keys(
        node, ("code", "name", "description", "levels", "validity_months", "retired")
    )
    code = reader.text(node, "code", line, required=True, limit=10)
    name = reader.bilingual(node, "name", line, required=True, limit=MAX_NAME)
    description = reader.bilingual(node, "description", line, required=False, limit=MAX_TEXT)
    levels: dict[int, Text] = {}
    raw = node.get("levels")
    if raw is None:
        reader.add(line, _("'%(key)s' is missing", key="levels"))
    elif not isinstance(raw, Mapping):
        reader.add(yamlfile.value_line(node, "levels"), _("'levels' must map 1–5 to texts"))
    else:
        where = yamlfile.value_line(node, "levels")
        for key in raw:
            if key not in LEVELS:
                reader.add(
                    yamlfile.key_line(raw, key),
                    _("'%(key)s' is not a level (expected 1 to 5)", key=key),
                )
        for level in LEVELS:
            if level not in raw:
                reader.add(where, _("level %(n)d has no descriptor", n=level))
                continue
            levels[level] = reader.bilingual(raw, level, where, required=True, limit=MAX_TEXT)
    validity = reader.integer(node, "validity_months", 1, 120)
    retired = node.get("retired", False)
    if not isinstance(retired, bool):
        reader.add(yamlfile.value_line(node, "retired"), _("'retired' must be true or false"))
        retired = False
    return CompetencySpec(code, domain, name, description, levels, validity, retired, 0, line)


def _read_profiles(reader: Reader, document: Mapping) -> list[ProfileSpec]:
    items = _list(reader, document, "profiles")
    profiles = []
    for index, item in enumerate(items):
        line = yamlfile.item_line(items, index)
        if not isinstance(item, Mapping):
            reader.add(line, _("a profile must give job_role, valid_from and levels"))
            continue
        reader.unknown_keys(item, ("job_role", "valid_from", "levels"))
        role = reader.text(item, "job_role", line, required=True, limit=10)
        valid_from = read_date(
            reader, item.get("valid_from"), yamlfile.value_line(item, "valid_from")
        )
        if "valid_from" not in item:
            reader.add(line, _("'%(key)s' is missing", key="valid_from"))
        raw = item.get("levels")
        levels: dict[str, int] = {}
        lines: dict[str, int] = {}
        if not isinstance(raw, Mapping):
            reader.add(
                yamlfile.value_line(item, "levels") if "levels" in item else line,
                _("'levels' must map competency codes to required levels 1–5"),
            )
        else:
            for code in raw:
                where = yamlfile.key_line(raw, code)
                value = raw[code]
                if isinstance(value, bool) or not isinstance(value, int) or value not in LEVELS:
                    reader.add(
                        where,
                        _(
                            "%(code)s: the required level must be 1 to 5 (a role that "
                            "barely needs it gets 1), not %(value)s",
                            code=code,
                            value=value,
                        ),
                    )
                    continue
                levels[str(code)] = value
                lines[str(code)] = where
        if valid_from is not None:
            profiles.append(ProfileSpec(role, valid_from, levels, line, lines))
    return profiles


def read_date(reader: Reader, value: Any, line: int) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        reader.add(line, _("'%(value)s' is not a date (YYYY-MM-DD)", value=value))
        return None


# --- checks across the file ----------------------------------------------------------------


def check(framework: Framework, reader: Reader) -> None:
    """Codes well formed and unique, domains known, a full scale; profiles checked by services."""
    levels_seen: dict[int, int] = {}
    for spec in framework.scale:
        if spec.level in levels_seen:
            reader.add(spec.line, _("level %(n)d is given twice", n=spec.level))
        levels_seen[spec.level] = spec.line
    if framework.scale and set(levels_seen) != set(LEVELS):
        missing = ", ".join(str(n) for n in LEVELS if n not in levels_seen)
        reader.add(
            framework.scale[0].line, _("the scale lacks level(s) %(levels)s", levels=missing)
        )
    domains: dict[str, int] = {}
    for domain in framework.domains:
        if domain.code and not DOMAIN_RE.match(domain.code):
            reader.add(
                domain.line,
                _("domain code '%(code)s' must be 1 to 4 capital letters", code=domain.code),
            )
        if domain.code in domains:
            reader.add(domain.line, _("domain %(code)s is given twice", code=domain.code))
        domains[domain.code] = domain.line
    codes: dict[str, int] = {}
    for spec in framework.competencies:
        if spec.code and not CODE_RE.match(spec.code):
            reader.add(
                spec.line,
                _(
                    "competency code '%(code)s' must be 1 to 4 capital letters and 1 to 3 "
                    "digits (e.g. SV1)",
                    code=spec.code,
                ),
            )
        if spec.code in codes:
            reader.add(
                spec.line,
                _(
                    "competency %(code)s is given twice (first on line %(line)d)",
                    code=spec.code,
                    line=codes[spec.code],
                ),
            )
        codes.setdefault(spec.code, spec.line)
    seen_profiles: dict[tuple[str, date], int] = {}
    for profile in framework.profiles:
        key = (profile.job_role, profile.valid_from)
        if key in seen_profiles:
            reader.add(
                profile.line,
                _(
                    "the profile of %(role)s from %(day)s is given twice",
                    role=profile.job_role,
                    day=profile.valid_from.isoformat(),
                ),
            )
        seen_profiles[key] = profile.line


# --- writing YAML --------------------------------------------------------------------------


def _bi(text: Text) -> dict:
    return {"zh": text.zh, "en": text.en}


def to_document(framework: Framework) -> dict:
    """The framework as plain YAML-ready data, in the file's order."""
    document: dict[str, Any] = {}
    if framework.scale:
        document["scale"] = [
            {"level": s.level, "name": _bi(s.name), "description": _bi(s.description)}
            for s in sorted(framework.scale, key=lambda s: s.level)
        ]
    if framework.domains:
        by_domain: dict[str, list[CompetencySpec]] = {}
        for spec in framework.competencies:
            by_domain.setdefault(spec.domain, []).append(spec)
        document["domains"] = []
        for domain in sorted(framework.domains, key=lambda d: d.position):
            entry: dict[str, Any] = {"code": domain.code, "name": _bi(domain.name)}
            members = sorted(by_domain.get(domain.code, []), key=lambda c: c.position)
            entry["competencies"] = [_competency_document(spec) for spec in members]
            document["domains"].append(entry)
    if framework.profiles:
        document["profiles"] = [
            {
                "job_role": p.job_role,
                "valid_from": p.valid_from.isoformat(),
                "levels": dict(p.levels),
            }
            for p in framework.profiles
        ]
    return document


def _competency_document(spec: CompetencySpec) -> dict:
    entry: dict[str, Any] = {"code": spec.code, "name": _bi(spec.name)}
    if spec.description.zh or spec.description.en:
        entry["description"] = _bi(spec.description)
    entry["levels"] = {level: _bi(spec.levels[level]) for level in LEVELS if level in spec.levels}
    if spec.validity_months is not None:
        entry["validity_months"] = spec.validity_months
    if spec.retired:
        entry["retired"] = True
    return entry


def dump_yaml(framework: Framework) -> str:
    """The framework as YAML text (read back by ``parse_yaml`` to the same framework)."""
    header = (
        "# SkillGrid competency framework: the 1-5 scale, domains and competencies with a\n"
        "# descriptor per level, and the role profiles (required level per job role, from a\n"
        "# date on). Codes are stable keys: never rename or reuse one; retire it instead.\n"
    )
    return header + yamlfile.dump(_flow_names(to_document(framework)))


def _flow_names(document: dict) -> Any:
    """Write ``{zh: …, en: …}`` pairs and profile levels on one line, as the demo file does."""
    from ruamel.yaml.comments import CommentedMap

    def flow(mapping: dict) -> CommentedMap:
        node = CommentedMap(mapping)
        node.fa.set_flow_style()
        return node

    def convert(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            if set(value) <= set(LANGUAGES) and value and key in ("name",):
                return flow(value)
            if key == "levels" and value and all(isinstance(v, int) for v in value.values()):
                return flow(value)
            node = CommentedMap()
            for k, v in value.items():
                node[k] = convert(v, k)
            return node
        if isinstance(value, list):
            return [convert(item) for item in value]
        return value

    return convert(document)
