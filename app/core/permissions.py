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


def manages(viewer, person) -> bool:
    """True when ``viewer`` manages a department whose subtree holds ``person``."""
    if not getattr(viewer, "is_authenticated", False) or viewer.id == person.id:
        return False
    dept = person.department
    return dept is not None and any(
        dept.path.startswith(managed.path) for managed in viewer.managed_departments
    )


def can_view_competencies_of(viewer, person) -> bool:
    """Whose competencies a user sees: their own, a manager's subtree, HR and admins all,
    trainers everyone (they rate people and build the courses that close the gaps)."""
    return can_view_user(viewer, person) or has_role(viewer, Role.TRAINER)


def can_rate(viewer, person) -> bool:
    """Trainers, HR and a person's managers rate a person's competencies (never their own)."""
    if not getattr(viewer, "is_authenticated", False) or viewer.id == person.id:
        return False
    return has_role(viewer, Role.TRAINER, Role.HR) or manages(viewer, person)


def rates_people(user) -> bool:
    """Trainers, HR and managers may rate someone's competencies (whom: ``can_rate``)."""
    return has_role(user, Role.TRAINER, Role.HR) or is_manager(user)


def assigns_courses(user) -> bool:
    """HR, admins and managers may assign courses to someone (whom: ``can_assign_to``)."""
    return sees_whole_company(user) or is_manager(user)


def can_assign_to(viewer, person) -> bool:
    """HR, admins and a person's managers assign courses to the person (never to themselves)."""
    if not getattr(viewer, "is_authenticated", False) or viewer.id == person.id:
        return False
    return sees_whole_company(viewer) or manages(viewer, person)


def can_view_training_of(token, person) -> bool:
    """Whose training an API token sees: anyone for a service, else whom its user may view."""
    return token.is_service or can_view_user(token.user, person)


def can_author_quizzes(user) -> bool:
    """Trainers and admins build and preview quizzes and review anyone's attempt."""
    return has_role(user, Role.TRAINER, Role.ADMIN)


def can_author_courses(user) -> bool:
    """Trainers and admins write courses, and may open any course and its files."""
    return has_role(user, Role.TRAINER, Role.ADMIN)


TEMPLATE_PREDICATES = {
    "has_role": has_role,
    "sees_whole_company": sees_whole_company,
    "is_manager": is_manager,
    "can_view_people": can_view_people,
    "can_manage_users": can_manage_users,
    "can_view_user": can_view_user,
    "can_author_courses": can_author_courses,
    "Role": Role,
}


def can_edit_framework(user) -> bool:
    """HR and admins edit the competency framework and the role profiles."""
    return has_role(user, Role.HR, Role.ADMIN)


TEMPLATE_PREDICATES["can_edit_framework"] = can_edit_framework
TEMPLATE_PREDICATES["can_rate"] = can_rate
TEMPLATE_PREDICATES["can_assign_to"] = can_assign_to
TEMPLATE_PREDICATES["can_view_competencies_of"] = can_view_competencies_of


def can_view_question_files(user) -> bool:
    """Who may ask for the files embedded in questions (an image in a question's text):
    anyone signed in. The view then serves a file to those who may see its question: trainers
    and admins (every question, ``can_view_every_question_file``) and whoever met that
    version in one of their attempts, to answer or to review it (others get 404)."""
    return bool(getattr(user, "is_authenticated", False))


def can_view_every_question_file(user) -> bool:
    """Trainers and admins see every question, so every file embedded in one."""
    return has_role(user, Role.TRAINER, Role.ADMIN)


def can_manage_service_quality(user) -> bool:
    """HR and admins edit the indicators and their parameters, import and correct scores."""
    return has_role(user, Role.HR, Role.ADMIN)


def can_view_service_scores(user) -> bool:
    """HR and admins see everyone's service scores; managers those of their subtrees."""
    return sees_whole_company(user) or is_manager(user)


TEMPLATE_PREDICATES["can_manage_service_quality"] = can_manage_service_quality
TEMPLATE_PREDICATES["can_view_service_scores"] = can_view_service_scores


def can_view_training_effect(user) -> bool:
    """HR, admins and trainers see whether courses moved the service results (aggregates over
    everyone, never a person's values) and which competencies predict them."""
    return has_role(user, Role.HR, Role.ADMIN, Role.TRAINER)


TEMPLATE_PREDICATES["can_view_training_effect"] = can_view_training_effect


def can_report_on(viewer, department) -> bool:
    """Whose reports a user may open by department: HR and admins any department, a manager
    the departments inside the subtrees they manage (no department: what the user sees)."""
    if department is None or sees_whole_company(viewer):
        return can_view_people(viewer)
    return is_manager(viewer) and any(
        department.path.startswith(managed.path) for managed in viewer.managed_departments
    )


def sees_all_quiz_results(user) -> bool:
    """HR, admins and trainers see the quiz results of everyone."""
    return has_role(user, Role.HR, Role.ADMIN, Role.TRAINER)


def can_view_quiz_results(user) -> bool:
    """HR, admins and trainers see every quiz's results; managers their subtrees' results."""
    return sees_all_quiz_results(user) or is_manager(user)


def can_view_reports(user) -> bool:
    """Who has the Reports menu: HR, admins, managers and trainers (their entries differ)."""
    return can_view_people(user) or can_view_quiz_results(user) or can_view_training_effect(user)


TEMPLATE_PREDICATES["can_view_quiz_results"] = can_view_quiz_results
TEMPLATE_PREDICATES["can_view_reports"] = can_view_reports


def can_manage_ratings(user) -> bool:
    """HR and admins read customers' ratings, review held comments and set up halls, windows,
    kiosk tokens, reasons and held words (issue 27)."""
    return has_role(user, Role.HR, Role.ADMIN)


TEMPLATE_PREDICATES["can_manage_ratings"] = can_manage_ratings
