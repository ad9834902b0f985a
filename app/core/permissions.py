"""Who may do what, declared in one place.

Every view is marked by one of the decorators here: ``public``, ``login_only`` (any signed-in
user), ``role_required(...)`` or ``guarded_by(predicate)``. ``tests/test_permissions.py`` walks
the URL map and fails on any endpoint without a mark.
"""

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort, current_app
from flask_login import current_user


class Role(enum.StrEnum):
    """Application roles; a user may hold several."""

    STAFF = "staff"
    TRAINER = "trainer"
    HR = "hr"
    ADMIN = "admin"


ROLE_VALUES = tuple(r.value for r in Role)

#: endpoints served by extensions, public by nature
PUBLIC_ENDPOINTS = frozenset({"static", "bootstrap.static"})


def _mark(view: Callable, access: str, detail=None) -> None:
    view.access = access  # type: ignore[attr-defined]
    view.access_detail = detail  # type: ignore[attr-defined]


def public(view: Callable) -> Callable:
    """Mark a view as open to everyone, signed in or not."""
    _mark(view, "public")
    return view


def _require_login():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def login_only(view: Callable) -> Callable:
    """Any signed-in user may open the view."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        denied = _require_login()
        if denied is not None:
            return denied
        return view(*args, **kwargs)

    _mark(wrapper, "login")
    return wrapper


def role_required(*roles: Role) -> Callable:
    """Only users holding at least one of ``roles`` may open the view (others get 403)."""
    allowed = frozenset(Role(r) for r in roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            denied = _require_login()
            if denied is not None:
                return denied
            if not (allowed & current_user.role_set):
                abort(403)
            return view(*args, **kwargs)

        _mark(wrapper, "roles", allowed)
        return wrapper

    return decorator


def guarded_by(predicate: Callable) -> Callable:
    """Only users for whom ``predicate(user)`` holds may open the view (others get 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            denied = _require_login()
            if denied is not None:
                return denied
            if not predicate(current_user):
                abort(403)
            return view(*args, **kwargs)

        _mark(wrapper, "predicate", predicate)
        return wrapper

    return decorator


# Named predicates: views, templates and services ask these, never raw role checks.


def has_role(user, *roles: Role) -> bool:
    """True when ``user`` is signed in and holds any of ``roles``."""
    return bool(getattr(user, "is_authenticated", False) and user.role_set & set(roles))


def sees_whole_company(user) -> bool:
    """HR and admins see every department and person."""
    return has_role(user, Role.HR, Role.ADMIN)


def is_manager(user) -> bool:
    """A user linked to at least one department they manage."""
    return bool(getattr(user, "is_authenticated", False) and user.managed_departments)


def can_view_people(user) -> bool:
    """HR, admins and department managers may browse the people they can see."""
    return sees_whole_company(user) or is_manager(user)


def can_manage_users(user) -> bool:
    """Only admins create, deactivate and reset accounts."""
    return has_role(user, Role.ADMIN)


def can_view_user(viewer, person) -> bool:
    """Staff see themselves; managers their departments' subtrees; HR and admins everyone."""
    if not getattr(viewer, "is_authenticated", False):
        return False
    if viewer.id == person.id or sees_whole_company(viewer):
        return True
    dept = person.department
    return dept is not None and any(
        dept.path.startswith(managed.path) for managed in viewer.managed_departments
    )


TEMPLATE_PREDICATES = {
    "has_role": has_role,
    "sees_whole_company": sees_whole_company,
    "is_manager": is_manager,
    "can_view_people": can_view_people,
    "can_manage_users": can_manage_users,
    "can_view_user": can_view_user,
    "Role": Role,
}
