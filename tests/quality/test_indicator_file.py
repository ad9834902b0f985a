"""The indicator file: read, checked line by line, written back to the same content."""

from dataclasses import replace

from app.quality import files
from tests.quality.conftest import DEMO

SMALL = """\
indicators:
  - code: K01
    name: {zh: 客户满意率, en: Customer satisfaction rate}
    unit: percent
    direction: higher
    competencies: {CM1: 3, CM2: 3}
  - code: K07
    name: {zh: 重复来电率}
    unit: percent
    direction: lower
parameters:
  - job_role: CTR
    valid_from: 2026-01
    indicators:
      K01: {weight: 60, floor: 90, target: 99, ceiling: 100}
      K07: {weight: 40, floor: 0, target: 5, ceiling: 15}
"""


def _without_lines(parsed: files.IndicatorFile):
    return (
        [replace(i, line=0, lines={}) for i in parsed.indicators],
        [
            replace(s, line=0, parameters={c: replace(p, line=0) for c, p in s.parameters.items()})
            for s in parsed.parameter_sets
        ],
    )


def test_the_demo_file_has_17_indicators_and_six_roles_weighted_to_100():
    parsed, problems = files.parse_yaml(DEMO.read_text(encoding="utf-8"), "indicators.yaml")
    assert problems == []
    assert [i.code for i in parsed.indicators] == [f"K{n:02d}" for n in range(1, 18)]
    assert [s.job_role for s in parsed.parameter_sets] == ["CTR", "CC", "AM", "MR", "MI", "INS"]
    k01 = parsed.indicators[0]
    assert k01.name.zh == "客户满意率" and k01.competencies["CM2"] == 3
    ctr = parsed.parameter_sets[0]
    assert ctr.valid_from == "2025-12"
    assert ctr.parameters["K01"].weight == 25 and ctr.parameters["K01"].target == 99
    assert ctr.parameters["K15"].is_gate and ctr.parameters["K15"].weight is None


def test_written_and_read_again_gives_the_same_content():
    parsed, _problems = files.parse_yaml(DEMO.read_text(encoding="utf-8"), "a.yaml")
    again, problems = files.parse_yaml(files.dump_yaml(parsed), "b.yaml")
    assert problems == []
    assert _without_lines(again) == _without_lines(parsed)


def test_a_broken_file_names_every_bad_line():
    text = (
        SMALL.replace("code: K07", "code: K-7")
        .replace("unit: percent\n    direction: lower", "unit: litres\n    direction: lower")
        .replace("{CM1: 3, CM2: 3}", "{CM1: 4, CM2: 3}")
        .replace("weight: 60, floor: 90, target: 99", "weight: 60, floor: 99.5, target: 99")
        .replace("valid_from: 2026-01", "valid_from: 2026-13")
    )
    _parsed, problems = files.parse_yaml(text, "bad.yaml")
    found = {(p.line, p.message) for p in problems}
    assert all(p.file == "bad.yaml" for p in problems)
    lines = {line for line, _m in found}
    assert {6, 7, 9, 13, 15} <= lines, found
    messages = " | ".join(str(p) for p in problems)
    assert "bad.yaml:6: CM1: the strength must be 1, 2 or 3, not 4" in messages
    assert "indicator code 'K-7'" in messages
    assert "'unit' must be one of percent, points, count, not 'litres'" in messages
    assert "'2026-13' is not a period (YYYY-MM)" in messages
    assert "K01: higher is better, so floor < target ≤ ceiling is needed" in messages


def test_weights_must_add_up_to_100_and_gates_have_none():
    text = SMALL.replace("weight: 40", "weight: 30").replace(
        "K07: {weight: 30,", "K07: {gate: true, weight: 30,"
    )
    _parsed, problems = files.parse_yaml(text, "w.yaml")
    messages = [p.message for p in problems]
    assert any("a gate has no weight" in m for m in messages)
    text = SMALL.replace("weight: 40", "weight: 30")
    _parsed, problems = files.parse_yaml(text, "w.yaml")
    assert [str(p) for p in problems] == [
        "w.yaml:12: the parameters of CTR from 2026-01: the weights add up to 90, not 100"
    ]


def test_lower_is_better_needs_the_ceiling_above_the_target():
    text = SMALL.replace(
        "K07: {weight: 40, floor: 0, target: 5, ceiling: 15}",
        "K07: {weight: 40, floor: 0, target: 5, ceiling: 5}",
    )
    _parsed, problems = files.parse_yaml(text, "d.yaml")
    assert [p.line for p in problems] == [16]
    assert "lower is better, so ceiling > target ≥ floor is needed" in problems[0].message


def test_syntax_errors_and_unknown_keys_are_located():
    _parsed, problems = files.parse_yaml("indicators:\n  - code: [K01\n", "s.yaml")
    assert problems and problems[0].message.startswith("YAML syntax error")
    _parsed, problems = files.parse_yaml(
        SMALL.replace("unit: percent", "units: percent", 1), "u.yaml"
    )
    assert any(p.line == 4 and "unknown key 'units'" in p.message for p in problems)


def test_duplicates_are_refused():
    text = SMALL.replace("code: K07", "code: K01")
    _parsed, problems = files.parse_yaml(text, "x.yaml")
    assert any("indicator K01 is given twice (first on line 2)" in p.message for p in problems)
