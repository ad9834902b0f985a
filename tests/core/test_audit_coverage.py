"""Every write service leaves an audit row, or says here why it need not (issue 23, "Also").

The walk reads the source: each function under app/ decorated ``@transaction`` must reach
``record_audit`` (or write ``AuditEvent`` rows itself) through the functions it calls. Calls are
followed by name across the whole app, which over-approximates (a call to any function of an
auditing name counts); a new write service that audits nothing and is not in NO_AUDIT fails.
"""

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"

#: write services that need no audit row, each with its reason ("module:function")
NO_AUDIT = {
    # the learner's own work, recorded by the rows themselves (append-only, timestamped)
    "app.quizzes.services.attempts:_append_step": "autosave of an answer: response_step is "
    "itself append-only, with its time and sequence",
    "app.quizzes.services.attempts:_begin_attempt": "starting an attempt: the attempt row is "
    "the record (who, when, which versions)",
    "app.courses.services.learning:self_enrol": "a learner enrolling themselves: the "
    "enrolment row records who and when",
    "app.notify.services:mark_all_read": "marking one's own notices read",
    "app.org.services.accounts:set_locale": "a person's own language preference",
    "app.auth.services:sign_out": "signing out rotates the session token; not a change of "
    "any record a person would look up",
    "app.auth.lockout:forget_failures": "clearing the failed-sign-in count after a success "
    "(the lock itself and its lifting are audited)",
    "app.api.services:issue_token_for": "a person's own API token: a sign-in to the API, "
    "like the website's (service tokens are audited)",
    "app.api.services:touch_token": "last-used time of a token",
    # derived data, recomputed from audited sources
    "app.courses.services.applying:apply_all_rules": "enrolments derived from the (audited) "
    "assignment rules",
    "app.notify.services:collect_due": "notices derived from due dates",
    "app.competencies.services.evidence:refresh": "current levels recomputed from (audited) "
    "ratings and graded attempts",
    "app.reports.services:_create_row": "an empty cache row of quiz statistics",
    "app.reports.services:_store": "cached quiz statistics, recomputed from attempts",
    # reference and demo data loaded into a new database by commands
    "app.org.services.accounts:ensure_job_roles": "the six job roles, seeded once",
    "app.org.services.accounts:ensure_department_path": "departments named by imports, the "
    "directory or seeding; the accounts placed in them are audited",
    "app.competencies.services.framework:bulk_load_framework": "loading the reference "
    "framework into an empty database (the editing services audit)",
    "app.quality.services.indicators:bulk_load_indicators": "loading the reference indicators "
    "into an empty database (the editing services audit)",
    "app.org.cli:seed_organisation": "the demo company of `flask seed-demo`",
    "app.bench.services:record_ceiling_write": "benchmark scratch table",
}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(APP.parent).with_suffix("").parts)


def _is_transaction(function) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
        if name == "transaction":
            return True
    return False


def _called_names(function) -> set[str]:
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            called = node.func
            names.add(
                called.attr if isinstance(called, ast.Attribute) else getattr(called, "id", "")
            )
    return names


def _functions() -> dict[str, list[tuple[str, ast.AST]]]:
    found: dict[str, list[tuple[str, ast.AST]]] = {}
    for path in APP.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                found.setdefault(node.name, []).append((_module(path), node))
    return found


def _write_services(functions) -> dict[str, ast.AST]:
    return {
        f"{module}:{name}": node
        for name, defined in functions.items()
        for module, node in defined
        if _is_transaction(node)
    }


def _audits(function, functions, seen: set[str]) -> bool:
    called = _called_names(function)
    if called & {"record_audit", "AuditEvent"}:
        return True
    for name in called - seen:
        seen.add(name)
        if any(_audits(node, functions, seen) for _module, node in functions.get(name, [])):
            return True
    return False


def test_every_write_service_audits_or_says_why_not():
    functions = _functions()
    services = _write_services(functions)
    assert len(services) > 40  # the walk found the services
    silent = sorted(
        key
        for key, node in services.items()
        if key not in NO_AUDIT and not _audits(node, functions, set())
    )
    assert silent == [], "audit these changes (app.core.audit.record_audit) or add to NO_AUDIT"


def test_the_exemptions_name_existing_services_with_reasons():
    services = _write_services(_functions())
    stale = [key for key in NO_AUDIT if key not in services]
    assert stale == [], "remove services that no longer exist from NO_AUDIT"
    assert all(len(reason) > 15 for reason in NO_AUDIT.values())


def test_the_walk_notices_a_service_that_audits_nothing(tmp_path):
    """The check itself: a made-up service without an audit row is found."""
    source = (
        "@transaction\ndef set_salary(user, amount):\n    user.salary = amount\n\n"
        "@transaction\ndef set_grade(user, grade):\n    _log(user)\n\n"
        "def _log(user):\n    record_audit(None, 'x', user, None, None)\n"
    )
    tree = ast.parse(source)
    functions = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            functions.setdefault(node.name, []).append(("made_up", node))
    verdict = {
        name: _audits(defined[0][1], functions, set())
        for name, defined in functions.items()
        if _is_transaction(defined[0][1])
    }
    assert verdict == {"set_salary": False, "set_grade": True}
