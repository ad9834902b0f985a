"""The sign-in configuration: which methods the login page offers and how directories map.

Read once from the Flask config when the auth blueprint is registered, so a mistake stops the
application at start-up with one message listing every problem, never at someone's first login.
Pure: no Flask, no database, no network.
"""

import ipaddress
import json
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from app.core.permissions import ROLE_VALUES

LOGIN_METHODS = ("local", "ldap", "oidc")
GROUP_MEMBERSHIP_MODES = ("ad", "memberof", "member")
#: a job-role code as stored in ``job_role.code``
JOB_ROLE_CODE_RE = re.compile(r"^[A-Z0-9_-]{1,10}$")


class LoginConfigError(RuntimeError):
    """The sign-in settings are incomplete or contradictory; the app refuses to start."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(
            "The sign-in configuration is invalid:\n" + "\n".join(f"  - {p}" for p in problems)
        )


@dataclass(frozen=True)
class GroupGrant:
    """What membership of one directory group gives: application roles and maybe a job role."""

    group: str
    roles: tuple[str, ...]
    job_role: str | None


@dataclass(frozen=True)
class LdapSettings:
    """How to reach the LDAP / Active Directory server and read a user from it."""

    url: str
    use_starttls: bool
    ca_cert_file: str
    timeout: float
    bind_dn: str
    bind_password: str
    user_dn_template: str
    user_base: str
    user_filter: str
    attr_employee_no: str
    attr_name: str
    attr_email: str
    department_attribute: str
    department_separator: str
    group_membership: str
    group_base: str
    group_filter: str
    nesting_depth: int
    active_filter: str
    group_map: tuple[GroupGrant, ...]

    @property
    def use_ssl(self) -> bool:
        """True for ldaps:// URLs."""
        return self.url.lower().startswith("ldaps://")


@dataclass(frozen=True)
class OidcSettings:
    """The OpenID Connect provider and the claims that describe a user."""

    discovery_url: str
    client_id: str
    client_secret: str
    scopes: str
    provider_name: str
    redirect_uri: str
    timeout: float
    claim_employee_no: str
    claim_name: str
    claim_email: str
    claim_department: str
    department_separator: str
    groups_claim: str
    group_map: tuple[GroupGrant, ...]


@dataclass(frozen=True)
class LoginSettings:
    """Everything the login page and the sign-in services need to know."""

    methods: tuple[str, ...] = ("local",)
    ldap: LdapSettings | None = None
    oidc: OidcSettings | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def offers_password_form(self) -> bool:
        """True when the page shows the user-name-and-password form (local or LDAP)."""
        return "local" in self.methods or "ldap" in self.methods


def _text(config, name: str, default: str = "") -> str:
    value = config.get(name, default)
    return default if value is None else str(value).strip()


def _flag(config, name: str) -> bool:
    value = config.get(name, False)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _number(config, name: str, default: float, problems: list[str]) -> float:
    try:
        value = float(config.get(name) or default)
    except (TypeError, ValueError):
        problems.append(f"{name} must be a number of seconds")
        return default
    if value <= 0:
        problems.append(f"{name} must be positive")
        return default
    return value


def parse_group_map(name: str, raw, problems: list[str]) -> tuple[GroupGrant, ...]:
    """Read a JSON object {group DN or name: [roles and at most one job-role code]}."""
    if raw in (None, ""):
        return ()
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            problems.append(f"{name} is not valid JSON: {exc}")
            return ()
    if not isinstance(raw, dict):
        problems.append(f'{name} must be a JSON object such as {{"cn=sg-admins,...": ["admin"]}}')
        return ()
    grants = []
    for group, values in raw.items():
        if not str(group).strip():
            problems.append(f"{name} has an empty group name")
            continue
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, list) or not values:
            problems.append(f"{name}[{group!r}] must be a non-empty list of roles / job-role code")
            continue
        roles, jobs = [], []
        for value in values:
            text = str(value).strip()
            if text.lower() in ROLE_VALUES:
                roles.append(text.lower())
            elif JOB_ROLE_CODE_RE.match(text):
                jobs.append(text)
            else:
                problems.append(
                    f"{name}[{group!r}]: {text!r} is neither a role "
                    f"({', '.join(ROLE_VALUES)}) nor an upper-case job-role code such as CTR"
                )
        if len(jobs) > 1:
            problems.append(f"{name}[{group!r}] names more than one job role: {', '.join(jobs)}")
        grants.append(GroupGrant(str(group).strip(), tuple(roles), jobs[0] if jobs else None))
    return tuple(grants)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_filter(name: str, value: str, problems: list[str], needs_username: bool) -> None:
    if value and not (value.startswith("(") and value.endswith(")")):
        problems.append(f"{name} must be an LDAP filter in parentheses, e.g. (uid={{username}})")
    if needs_username and value and "{username}" not in value:
        problems.append(f"{name} must contain {{username}}")


def _ldap_settings(config, problems: list[str]) -> LdapSettings:
    url = _text(config, "LDAP_URL")
    parts = urlsplit(url)
    starttls = _flag(config, "LDAP_USE_STARTTLS")
    if not url:
        problems.append("LDAP_URL is required when LOGIN_METHODS includes ldap")
    elif parts.scheme.lower() not in ("ldap", "ldaps") or not parts.hostname:
        problems.append(f"LDAP_URL {url!r} must look like ldaps://host:636 or ldap://host:389")
    elif parts.scheme.lower() == "ldaps" and starttls:
        problems.append("LDAP_USE_STARTTLS is for ldap:// URLs; ldaps:// is already encrypted")
    elif parts.scheme.lower() == "ldap" and not starttls and not _is_loopback(parts.hostname):
        # Passwords would cross the network in clear text.
        problems.append("LDAP_URL uses plain ldap://: use ldaps:// or set LDAP_USE_STARTTLS=1")
    template = _text(config, "LDAP_USER_DN_TEMPLATE")
    user_base = _text(config, "LDAP_USER_BASE")
    user_filter = _text(config, "LDAP_USER_FILTER", "(uid={username})")
    if template and "{username}" not in template:
        problems.append("LDAP_USER_DN_TEMPLATE must contain {username}")
    if not template and not user_base:
        problems.append("set LDAP_USER_DN_TEMPLATE (bind as the user) or LDAP_USER_BASE (search)")
    if template and "=" not in template and not user_base:
        problems.append("LDAP_USER_BASE is needed to read the user when the template is not a DN")
    _check_filter("LDAP_USER_FILTER", user_filter, problems, needs_username=True)
    bind_dn = _text(config, "LDAP_BIND_DN")
    bind_password = config.get("LDAP_BIND_PASSWORD") or ""
    if bind_dn and not bind_password:
        problems.append("LDAP_BIND_PASSWORD is required with LDAP_BIND_DN")
    membership = _text(config, "LDAP_GROUP_MEMBERSHIP", "member").lower()
    if membership not in GROUP_MEMBERSHIP_MODES:
        problems.append(f"LDAP_GROUP_MEMBERSHIP must be one of {', '.join(GROUP_MEMBERSHIP_MODES)}")
    group_base = _text(config, "LDAP_GROUP_BASE")
    if membership in ("ad", "member") and not group_base:
        problems.append(f"LDAP_GROUP_BASE is required with LDAP_GROUP_MEMBERSHIP={membership}")
    group_filter = _text(
        config,
        "LDAP_GROUP_FILTER",
        "(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
    )
    _check_filter("LDAP_GROUP_FILTER", group_filter, problems, needs_username=False)
    active_filter = _text(config, "LDAP_ACTIVE_FILTER")
    _check_filter("LDAP_ACTIVE_FILTER", active_filter, problems, needs_username=False)
    try:
        depth = int(config.get("LDAP_GROUP_NESTING_DEPTH") or 5)
    except (TypeError, ValueError):
        problems.append("LDAP_GROUP_NESTING_DEPTH must be a whole number")
        depth = 5
    if not 0 <= depth <= 20:
        problems.append("LDAP_GROUP_NESTING_DEPTH must be between 0 and 20")
    group_map = parse_group_map("LDAP_GROUP_ROLE_MAP", config.get("LDAP_GROUP_ROLE_MAP"), problems)
    if not group_map:
        problems.append("LDAP_GROUP_ROLE_MAP must map at least one directory group to roles")
    return LdapSettings(
        url=url,
        use_starttls=starttls,
        ca_cert_file=_text(config, "LDAP_CA_CERT_FILE"),
        timeout=_number(config, "LDAP_TIMEOUT", 5, problems),
        bind_dn=bind_dn,
        bind_password=bind_password,
        user_dn_template=template,
        user_base=user_base,
        user_filter=user_filter,
        attr_employee_no=_text(config, "LDAP_ATTR_EMPLOYEE_NO", "employeeNumber"),
        attr_name=_text(config, "LDAP_ATTR_NAME", "displayName"),
        attr_email=_text(config, "LDAP_ATTR_EMAIL", "mail"),
        department_attribute=_text(config, "LDAP_DEPARTMENT_ATTRIBUTE"),
        department_separator=_text(config, "LDAP_DEPARTMENT_SEPARATOR", "/") or "/",
        group_membership=membership,
        group_base=group_base,
        group_filter=group_filter,
        nesting_depth=depth,
        active_filter=active_filter,
        group_map=group_map,
    )


def _oidc_settings(config, problems: list[str]) -> OidcSettings:
    for name in ("OIDC_DISCOVERY_URL", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET"):
        if not _text(config, name):
            problems.append(f"{name} is required when LOGIN_METHODS includes oidc")
    discovery = _text(config, "OIDC_DISCOVERY_URL")
    if discovery and urlsplit(discovery).scheme not in ("https", "http"):
        problems.append("OIDC_DISCOVERY_URL must be an https:// URL")
    scopes = " ".join(_text(config, "OIDC_SCOPES", "openid profile email").split())
    if "openid" not in scopes.split():
        problems.append("OIDC_SCOPES must include openid")
    redirect_uri = _text(config, "OIDC_REDIRECT_URI")
    if redirect_uri and urlsplit(redirect_uri).scheme not in ("https", "http"):
        problems.append("OIDC_REDIRECT_URI must be an absolute URL")
    group_map = parse_group_map("OIDC_GROUP_ROLE_MAP", config.get("OIDC_GROUP_ROLE_MAP"), problems)
    if not group_map:
        problems.append("OIDC_GROUP_ROLE_MAP must map at least one group to roles")
    return OidcSettings(
        discovery_url=discovery,
        client_id=_text(config, "OIDC_CLIENT_ID"),
        client_secret=config.get("OIDC_CLIENT_SECRET") or "",
        scopes=scopes,
        provider_name=_text(config, "OIDC_PROVIDER_NAME"),
        redirect_uri=redirect_uri,
        timeout=_number(config, "OIDC_TIMEOUT", 5, problems),
        claim_employee_no=_text(config, "OIDC_CLAIM_EMPLOYEE_NO", "preferred_username"),
        claim_name=_text(config, "OIDC_CLAIM_NAME", "name"),
        claim_email=_text(config, "OIDC_CLAIM_EMAIL", "email"),
        claim_department=_text(config, "OIDC_CLAIM_DEPARTMENT"),
        department_separator=_text(config, "OIDC_DEPARTMENT_SEPARATOR", "/") or "/",
        groups_claim=_text(config, "OIDC_GROUPS_CLAIM", "groups"),
        group_map=group_map,
    )


def read_login_settings(config) -> LoginSettings:
    """Parse and check the sign-in settings of ``config`` (a mapping); never raises."""
    problems: list[str] = []
    raw = _text(config, "LOGIN_METHODS", "local")
    methods = tuple(dict.fromkeys(m.strip().lower() for m in raw.split(",") if m.strip()))
    unknown = [m for m in methods if m not in LOGIN_METHODS]
    if unknown:
        problems.append(
            f"LOGIN_METHODS has unknown methods {', '.join(unknown)}; "
            f"use a comma-separated list of {', '.join(LOGIN_METHODS)}"
        )
    if not methods:
        problems.append("LOGIN_METHODS is empty: nobody could sign in")
    ldap = _ldap_settings(config, problems) if "ldap" in methods else None
    oidc = _oidc_settings(config, problems) if "oidc" in methods else None
    return LoginSettings(methods=methods, ldap=ldap, oidc=oidc, problems=problems)


def load_login_settings(config) -> LoginSettings:
    """Parse the sign-in settings, raising LoginConfigError listing every problem."""
    settings = read_login_settings(config)
    if settings.problems:
        raise LoginConfigError(settings.problems)
    return settings
