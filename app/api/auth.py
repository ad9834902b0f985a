"""Bearer-token authentication of the API and its one guard, ``token_required``.

Cookies never authenticate the API: only ``Authorization: Bearer <token>``. A user token acts
with its user's roles and department scope, exactly as the pages do; a service token acts as its
own system user and is limited to its scopes. ``token_required`` marks views with
``access = "api"`` so tests/test_permissions.py knows to check them with tokens.
"""

from collections.abc import Callable
from copy import deepcopy
from functools import wraps

from flask import g, request
from flask_babel import gettext as _

from app.api import services
from app.api.errors import ApiError
from app.core.permissions import Role

#: ``scope=ANY_SERVICE``: every service token may call the view (e.g. /me)
ANY_SERVICE = "*"


def current_token():
    """The ApiToken of this request (set by ``token_required``)."""
    return g.api_token


def current_api_user():
    """The user this request acts as: the token's person or service user."""
    return g.api_token.user


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def authenticate():
    """Load and check the request's token, or raise a 401 ApiError."""
    raw = _bearer()
    if raw is None:
        raise ApiError(401, "unauthorized", _("Send an API token: Authorization: Bearer <token>."))
    token = services.token_for(raw)
    if token is None:
        raise ApiError(
            401, "invalid_token", _("The token is unknown, expired or revoked; get a new one.")
        )
    g.api_token = token
    g.api_token_used = (token.id, token.last_used_at)
    return token


def note_token_use(response):
    """After an authenticated call, record when its token was last used."""
    used = g.pop("api_token_used", None)
    if used is not None and response.status_code < 500:  # a failed transaction writes nothing
        services.touch_token(*used)
    return response


def _allowed(token, roles: frozenset, check: Callable | None, scope: str | None) -> bool:
    if token.is_service:
        return scope is not None and (scope == ANY_SERVICE or scope in token.scopes)
    user = token.user
    if check is not None:
        return bool(check(user))
    return not roles or bool(roles & user.role_set)


def token_required(
    *roles: Role, scope: str | None = None, check: Callable | None = None
) -> Callable:
    """Guard an API view: a valid token (401 otherwise) that may call it (403 otherwise).

    User tokens need one of ``roles`` (none named: any user), or ``check(user)`` to hold;
    service tokens need ``scope`` among their scopes (None: service tokens are refused).
    """
    wanted = frozenset(Role(r) for r in roles)

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            token = authenticate()
            if not _allowed(token, wanted, check, scope):
                if token.is_service and scope is None:
                    raise ApiError(
                        403, "user_token_required", _("Only a person's token may do this.")
                    )
                if token.is_service:
                    raise ApiError(
                        403,
                        "insufficient_scope",
                        _("This token lacks the scope %(scope)s.", scope=scope),
                    )
                raise ApiError(403, "forbidden", _("Your roles do not allow this."))
            return view(*args, **kwargs)

        wrapper.access = "api"  # type: ignore[attr-defined]
        wrapper.access_detail = {  # type: ignore[attr-defined]
            "roles": wanted,
            "check": check,
            "scope": scope,
        }
        doc = deepcopy(getattr(wrapper, "_apidoc", {}))
        manual = doc.setdefault("manual_doc", {})
        manual["security"] = [{"bearerAuth": []}]
        manual.setdefault("responses", {}).update({401: "UNAUTHORIZED", 403: "FORBIDDEN"})
        notes = []
        if check is not None:
            notes.append(_doc_check_note(check))
        elif wanted:
            notes.append("User tokens: " + ", ".join(sorted(r.value for r in wanted)) + ".")
        else:
            notes.append("User tokens: any user.")
        if scope == ANY_SERVICE:
            notes.append("Service tokens: any.")
        elif scope:
            notes.append(f"Service tokens: scope `{scope}`.")
        else:
            notes.append("Service tokens: refused.")
        manual["x-access"] = " ".join(notes)
        wrapper._apidoc = doc  # type: ignore[attr-defined]
        return wrapper

    return decorator


def _doc_check_note(check: Callable) -> str:
    return "User tokens: " + (check.__doc__ or check.__name__).strip().rstrip(".") + "."
