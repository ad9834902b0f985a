"""Which departments a viewer may pick in a report's department filter."""

from __future__ import annotations

from app.core.permissions import sees_whole_company
from app.org.models import Department
from app.org.queries import department_tree


def departments_for(viewer, *, everything: bool = False) -> list[Department]:
    """Every department in tree order that ``viewer`` may report on (one query): all of them
    for HR and admins (or when ``everything``), the managed subtrees for a manager."""
    tree = [dept for dept, _n in department_tree()]
    if everything or sees_whole_company(viewer):
        return tree
    managed = [d.path for d in viewer.managed_departments]
    return [dept for dept in tree if any(dept.path.startswith(path) for path in managed)]
