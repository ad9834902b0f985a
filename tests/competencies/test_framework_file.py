"""The framework file: read, checked line by line, written back to the same framework."""

from pathlib import Path

from app.competencies import files, files_xlsx

DEMO = Path(__file__).resolve().parents[2] / "framework" / "competencies.yaml"

GOOD = """\
scale:
  - level: 1
    name: {zh: 知晓, en: Aware}
    description: {zh: 能说出规则, en: Names the rule}
  - level: 2
    name: {zh: 基础, en: Basic}
  - level: 3
    name: {zh: 胜任, en: Proficient}
  - level: 4
    name: {zh: 熟练, en: Advanced}
  - level: 5
    name: {zh: 专家, en: Expert}
domains:
  - code: SV
    name: {zh: 服务理念与规范礼仪, en: Service}
    competencies:
      - code: SV1
        name: {zh: 服务意识与承诺践行, en: Commitments}
        validity_months: 12
        levels:
          1: {zh: 一, en: one}
          2: {zh: 二, en: two}
          3: {zh: 三, en: three}
          4: {zh: 四, en: four}
          5: {zh: 五, en: five}
profiles:
  - job_role: CTR
    valid_from: 2026-03-01
    levels: {SV1: 4}
"""


def test_the_demo_file_holds_the_whole_framework():
    framework, problems = files.parse_yaml(DEMO.read_text(encoding="utf-8"), "demo.yaml")
    assert problems == []
    assert [d.code for d in framework.domains] == ["SV", "BK", "SF", "CM", "IT", "LP"]
    assert len(framework.competencies) == 27 and len(framework.scale) == 5
    ctr = next(p for p in framework.profiles if p.job_role == "CTR")
    assert ctr.levels["SV1"] == 4 and ctr.levels["CM2"] == 4 and len(ctr.levels) == 27
    sv1 = next(c for c in framework.competencies if c.code == "SV1")
    assert sv1.name.zh == "服务意识与承诺践行" and all(sv1.levels[n].zh for n in range(1, 6))


def test_a_good_file_reads_with_lines():
    framework, problems = files.parse_yaml(GOOD, "f.yaml")
    assert problems == []
    (sv1,) = framework.competencies
    assert (sv1.code, sv1.domain, sv1.validity_months, sv1.line) == ("SV1", "SV", 12, 17)
    assert framework.profiles[0].levels == {"SV1": 4}
    assert framework.profiles[0].lines == {"SV1": 29}


def test_every_bad_line_is_named():
    broken = (
        GOOD.replace("code: SV1", "code: sv-1")
        .replace("          3: {zh: 三, en: three}\n", "")
        .replace("levels: {SV1: 4}", "levels: {SV1: 0}")
        .replace(
            "    name: {zh: 胜任, en: Proficient}\n",
            "    name: {zh: 胜任, en: Proficient}\n    colour: red\n",
        )
    )
    _framework, problems = files.parse_yaml(broken, "f.yaml")
    text = [str(p) for p in problems]
    assert "f.yaml:9: unknown key 'colour' (expected level, name, description)" in text
    assert any(t.startswith("f.yaml:22: level 3 has no descriptor") for t in text)
    assert any(t.startswith("f.yaml:29: SV1: the required level must be 1 to 5") for t in text)
    assert any(t.startswith("f.yaml:18: competency code 'sv-1'") for t in text)


def test_a_syntax_error_is_located():
    _framework, problems = files.parse_yaml("domains:\n  - code: [SV\n", "x.yaml")
    assert len(problems) == 1 and problems[0].file == "x.yaml" and problems[0].line >= 2
    assert "YAML syntax error" in problems[0].message


def test_duplicate_codes_and_missing_levels_are_refused():
    twice = GOOD.replace(
        "profiles:",
        "      - code: SV1\n        name: {zh: 重复}\n        levels: {1: {zh: a}}\nprofiles:",
    )
    _framework, problems = files.parse_yaml(twice, "f.yaml")
    messages = [p.message for p in problems]
    assert any("SV1 is given twice (first on line 17)" in m for m in messages)
    assert any("level 2 has no descriptor" in m for m in messages)


def test_yaml_round_trip_gives_the_same_framework():
    framework, _problems = files.parse_yaml(DEMO.read_text(encoding="utf-8"), "demo.yaml")
    again, problems = files.parse_yaml(files.dump_yaml(framework), "again.yaml")
    assert problems == []
    assert _strip_lines(again) == _strip_lines(framework)


def test_xlsx_round_trip_gives_the_same_framework():
    framework, _problems = files.parse_yaml(DEMO.read_text(encoding="utf-8"), "demo.yaml")
    again, problems = files_xlsx.parse_xlsx(files_xlsx.dump_xlsx(framework), "again.xlsx")
    assert problems == []
    assert _strip_lines(again) == _strip_lines(framework)


def test_xlsx_problems_name_the_row():
    from io import BytesIO

    from openpyxl import load_workbook

    framework, _problems = files.parse_yaml(GOOD, "f.yaml")
    book = load_workbook(BytesIO(files_xlsx.dump_xlsx(framework)))
    book["profiles"]["D2"] = 9
    book["competencies"]["G2"] = None  # level1_zh
    buffer = BytesIO()
    book.save(buffer)
    _again, problems = files_xlsx.parse_xlsx(buffer.getvalue(), "f.xlsx")
    text = [str(p) for p in problems]
    assert "f.xlsx:2: sheet profiles: 'level' must be a whole number from 1 to 5" in text
    assert "f.xlsx:2: sheet competencies: level 1 has no descriptor" in text


def test_spreadsheet_cells_never_become_formulas():
    framework, _problems = files.parse_yaml(GOOD.replace("en: one", "en: '=1+1'"), "f.yaml")
    from io import BytesIO

    from openpyxl import load_workbook

    book = load_workbook(BytesIO(files_xlsx.dump_xlsx(framework)))
    cell = book["competencies"]["H2"]
    assert cell.value == "=1+1" and cell.data_type == "s" and cell.quotePrefix


def _strip_lines(framework):
    """The framework without the line numbers (which differ between files)."""
    for part in (framework.scale, framework.domains, framework.competencies, framework.profiles):
        for item in part:
            item.line = 0
            if hasattr(item, "lines"):
                item.lines = {}
    return framework
