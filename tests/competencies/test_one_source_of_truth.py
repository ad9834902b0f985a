"""The framework table is the only list of competencies: no code is written into the app."""

import ast
import re
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
#: a string that is a competency code of the demo framework's domains
CODE = re.compile(r"(SV|BK|SF|CM|IT|LP)[0-9]{1,3}")
#: files allowed to name codes: demo data, and the Excel template's example rows
DEMO_FILES = {
    "competencies/demo.py",  # the planted demo cases the README names
    "courses/services/demo.py",  # the demo courses and what they develop
    "quality/demo.py",  # the planted service scores the README names
    "quizzes/cli.py",  # seed-demo's quiz step: the closed quiz's service-standard questions
    "bank/formats/xlsx/layout.py",  # example rows of the downloadable Excel template
}


def _code_strings(path: Path) -> list[tuple[int, str]]:
    """(line, text) of every string constant that is a competency code, docstrings and
    OpenAPI examples (``example=``/``"example":``) excepted."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        first = body[0] if isinstance(body, list) and body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
            skip.add(id(first.value))
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=False):
                if isinstance(key, ast.Constant) and key.value == "example":
                    skip.add(id(value))
        if isinstance(node, ast.keyword) and node.arg == "example":
            skip.add(id(node.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and CODE.fullmatch(node.value.strip())
    ]


def test_no_competency_code_is_written_in_the_application_code():
    found = []
    for path in sorted(APP.rglob("*.py")):
        relative = str(path.relative_to(APP))
        if relative in DEMO_FILES:
            continue
        found += [f"app/{relative}:{line}: {text}" for line, text in _code_strings(path)]
    assert found == []


def test_no_template_names_a_competency_code():
    found = [
        f"{path.relative_to(APP)}:{number}"
        for path in sorted((APP / "templates").rglob("*.html"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"['\"](SV|BK|SF|CM|IT|LP)[0-9]{1,3}['\"]", line)
    ]
    assert found == []


def test_the_check_finds_a_hard_coded_code(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Doc mentions SV1."""\nCODES = ("SV1", "CM2")\n', encoding="utf-8")
    assert [text for _line, text in _code_strings(sample)] == ["SV1", "CM2"]
