"""A tiny registry of "users changed" callbacks: org services call them, features register them.

Plain function calls in the caller's transaction (no signals): a callback adds rows but never
commits, so a user change and what follows from it (course assignments) land together or not at all.
"""

from collections.abc import Callable, Iterable

_USERS_CHANGED: list[Callable[[list], None]] = []


def on_users_changed(fn: Callable[[list], None]) -> Callable[[list], None]:
    """Register ``fn(users)`` to run after users are created, updated or imported (once per fn)."""
    if fn not in _USERS_CHANGED:
        _USERS_CHANGED.append(fn)
    return fn


def users_changed(users: Iterable) -> None:
    """Tell every registered callback that ``users`` were created or changed (not committed)."""
    changed = [user for user in users if user is not None]
    if not changed:
        return
    for fn in list(_USERS_CHANGED):
        fn(changed)


_PASSWORD_CHANGED: list[Callable] = []


def on_password_changed(fn: Callable) -> Callable:
    """Register ``fn(user)`` to run when a user's password is set or reset (not committed)."""
    if fn not in _PASSWORD_CHANGED:
        _PASSWORD_CHANGED.append(fn)
    return fn


def password_changed(user) -> None:
    """Tell every registered callback that ``user``'s password changed (e.g. end API tokens)."""
    for fn in list(_PASSWORD_CHANGED):
        fn(user)
