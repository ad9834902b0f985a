"""The house rules that keep the code's shape: checked on the source, so a slip fails the suite.

- views and API resources hold no SQL and never touch ``db.session`` (queries live in
  ``queries.py``, transactions in the unit of work);
- pure modules import alone: a parser loads no view;
- the import graph of ``app/`` has no cycle;
- hooks are wired by ``create_app`` whatever order modules were imported in;
- no module passes 700 lines.
"""

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "app"

#: what a view or API resource module must not contain
FORBIDDEN_IN_VIEWS = {
    "db.session": re.compile(r"\bdb\.session\b"),
    "select(": re.compile(r"\bselect\("),
    "text(": re.compile(r"(?<![\w.])text\("),
    ".query": re.compile(r"\.query\b(?!_string)"),
}


def _view_modules() -> list[Path]:
    """Every module that serves requests: ``views*.py`` anywhere under app/."""
    return sorted(APP.rglob("views*.py"))


def _code_lines(path: Path):
    """(line number, line) of the code, docstrings and comments blanked out."""
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    blank: set[int] = set()
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                blank.update(range(body[0].lineno, body[0].end_lineno + 1))
    for number, line in enumerate(source.splitlines(), start=1):
        if number in blank:
            continue
        yield number, line.split("#", 1)[0]


def test_views_hold_no_sql_and_never_touch_the_session():
    offences = [
        f"{path.relative_to(ROOT)}:{number}: {name}"
        for path in _view_modules()
        for number, line in _code_lines(path)
        for name, pattern in FORBIDDEN_IN_VIEWS.items()
        if pattern.search(line)
    ]
    assert _view_modules(), "no view modules found"
    assert offences == []


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def _import_graph() -> dict[str, set[str]]:
    """Module -> the app modules it imports when it is imported (top-level statements only).

    Imports inside functions run later, when the function is called, so they cannot make an
    import-time cycle; ``from package import name`` points at the submodule when ``name`` is one.
    """
    paths = {_module_name(path): path for path in APP.rglob("*.py")}
    graph: dict[str, set[str]] = {}

    def targets(module: str, node, is_package: bool) -> set[str]:
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            base = node.module or ""
            if node.level:
                package = module.split(".") if is_package else module.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join(package + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                names.append(full if full in paths else base)
        return {name for name in names if name in paths and name != module}

    def walk(statements, module, is_package, edges):
        for node in statements:
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges |= targets(module, node, is_package)
            elif isinstance(node, ast.If | ast.Try | ast.With):
                for block in ("body", "orelse", "finalbody"):
                    walk(getattr(node, block, []), module, is_package, edges)
                for handler in getattr(node, "handlers", []):
                    walk(handler.body, module, is_package, edges)

    for module, path in paths.items():
        edges: set[str] = set()
        walk(
            ast.parse(path.read_text(encoding="utf-8")).body, module, path.stem == "__init__", edges
        )
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_import_graph_has_no_cycle():
    graph = _import_graph()
    assert len(graph) > 50
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def _loaded_after(statement: str) -> list[str]:
    code = f"import sys, json\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "module",
    [
        "app.bank.formats.gift",
        "app.bank.formats.moodle_xml",
        "app.bank.formats.yaml_bank",
        "app.bank.qtypes",
        "app.core.uow",
        "app.core.hooks",
    ],
)
def test_pure_modules_import_without_loading_any_view(module):
    loaded = _loaded_after(f"import {module}")
    views = [name for name in loaded if name.startswith("app.") and ".views" in name]
    assert views == []
    assert not any(name.endswith(".blueprint") for name in loaded if name.startswith("app."))


_HOOKS_AFTER_IMPORTS = """
import json, sys
for name in sys.argv[1:]:
    __import__(name)
from app import create_app
from app.core.hooks import EXTENSION_KEY
from config import TestingConfig
app = create_app(TestingConfig)
print(json.dumps(app.extensions[EXTENSION_KEY].describe(), sort_keys=True))
"""


def _wiring_after(*modules: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", _HOOKS_AFTER_IMPORTS, *modules],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_hooks_are_wired_whatever_the_import_order():
    plain = _wiring_after()
    assert plain == _wiring_after("app.courses.services", "app.quizzes.services")
    assert plain == _wiring_after("app.grading.services", "app.notify.services", "app.org.cli")
    assert plain == _wiring_after("app.api.services", "app.bank.cli", "app.courses.cli")
    # every point that a feature uses has its handlers
    assert plain["users_changed"][0] == "app.courses.services.applying.apply_rules_for_users"
    for point in ("password_changed", "quiz_access", "attempt_finished", "attempt_graded"):
        assert plain[point], point
    assert len(plain["demo_seeder"]) >= 4
    assert len(plain["notice_kind"]) >= 6


def test_two_apps_have_their_own_registries(app, make_app):
    from app.core.hooks import EXTENSION_KEY

    other = make_app()
    assert other.extensions[EXTENSION_KEY] is not app.extensions[EXTENSION_KEY]
    assert other.extensions[EXTENSION_KEY].describe() == app.extensions[EXTENSION_KEY].describe()


def test_no_module_is_over_700_lines():
    long = {
        str(path.relative_to(ROOT)): n
        for path in APP.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > 700
    }
    assert long == {}
