"""Signing in against LDAP / Active Directory with ldap3, and reading the user's groups.

No Flask and no database here: ``authenticate`` checks a user name and password with the
directory and returns a ``DirectoryProfile``, or raises ``DirectoryRefused`` (wrong password,
disabled account) or ``DirectoryUnavailable`` (unreachable, timed out, TLS failure). The sign-in
service turns those into messages and accounts.
"""

import contextlib
import logging
import math
import ssl
from dataclasses import dataclass, field

from ldap3 import BASE, NONE, SIMPLE, SUBTREE, Connection, Server, Tls
from ldap3.core.exceptions import LDAPException, LDAPInvalidDnError
from ldap3.utils.conv import escape_filter_chars
from ldap3.utils.dn import escape_rdn, parse_dn

from app.auth.settings import LdapSettings

log = logging.getLogger(__name__)

#: Active Directory's LDAP_MATCHING_RULE_IN_CHAIN: "member of, directly or through nesting"
AD_IN_CHAIN = "1.2.840.113556.1.4.1941"
#: userAccountControl flag ACCOUNTDISABLE
AD_ACCOUNT_DISABLED = 0x2
#: AD's sub-codes in a failed bind's message: 533 disabled, 701 expired, 773/775 reset/locked
AD_DISABLED_CODES = ("data 533", "data 701")
INVALID_CREDENTIALS = 49
MAX_USERNAME_LENGTH = 256


class DirectoryUnavailable(Exception):
    """The directory or identity provider could not be reached or answered with an error."""


class DirectoryRefused(Exception):
    """The directory refused this person.

    ``reason``: "credentials" (unknown user, wrong password, a cancelled or mismatched OIDC
    sign-in), "disabled", "incomplete" (no employee number) or "invalid_token" (an ID token
    that failed its checks).
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass
class DirectoryProfile:
    """A person as the directory (LDAP or OpenID Connect) describes them."""

    employee_no: str
    name: str
    email: str | None
    department_path: str | None
    #: group DNs (LDAP, nested groups included) or group names from a claim (OIDC)
    groups: list[str] = field(default_factory=list)


def normalise_dn(dn: str) -> str:
    """A DN in a comparable form: lower case, no spaces around separators."""
    try:
        parts = parse_dn(dn, escape=False, strip=True)
    except LDAPInvalidDnError:
        return dn.strip().lower()
    return ",".join(f"{attr.lower()}={value.strip().lower()}" for attr, value, _sep in parts)


def group_names(group: str) -> set[str]:
    """The names a group answers to in the role map: its full text, normalised DN and CN."""
    names = {group.strip().lower()}
    if "=" in group:
        try:
            parts = parse_dn(group, escape=False, strip=True)
        except LDAPInvalidDnError:
            return names
        names.add(normalise_dn(group))
        if parts:
            names.add(parts[0][1].strip().lower())
    return names


def grant_key(group: str) -> str:
    """How a role-map entry is matched: a DN only by that DN, a plain name by CN or text."""
    return normalise_dn(group) if "=" in group else group.strip().lower()


def department_from_dn(dn: str) -> str | None:
    """The OU components of a DN as a department path from the root ("A/B/C")."""
    try:
        parts = parse_dn(dn, escape=False, strip=True)
    except LDAPInvalidDnError:
        return None
    units = [value.strip() for attr, value, _sep in parts if attr.lower() == "ou"]
    return "/".join(reversed(units)) or None


def _first(attributes: dict, name: str) -> str | None:
    """The first value of an attribute, as text, looked up case-insensitively."""
    for key, value in attributes.items():
        if key.lower() == name.lower():
            if isinstance(value, list | tuple):
                value = value[0] if value else None
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            return str(value).strip() if value not in (None, "") else None
    return None


def _all(attributes: dict, name: str) -> list[str]:
    for key, value in attributes.items():
        if key.lower() == name.lower():
            values = value if isinstance(value, list | tuple) else [value]
            return [v.decode() if isinstance(v, bytes) else str(v) for v in values if v]
    return []


def _seconds(settings: LdapSettings) -> int:
    # ldap3 packs the receive timeout into a C struct: whole seconds only.
    return max(1, math.ceil(settings.timeout))


def _server(settings: LdapSettings) -> Server:
    tls = None
    if settings.use_ssl or settings.use_starttls:
        tls = Tls(
            validate=ssl.CERT_REQUIRED,
            version=ssl.PROTOCOL_TLS_CLIENT,
            ca_certs_file=settings.ca_cert_file or None,
        )
    return Server(
        settings.url,
        use_ssl=settings.use_ssl,
        tls=tls,
        get_info=NONE,
        connect_timeout=_seconds(settings),
    )


def _connect(server: Server, settings: LdapSettings, user: str | None, password: str | None):
    """Open a connection, StartTLS if configured, and bind; returns (connection, result)."""
    conn = Connection(
        server,
        user=user or None,
        password=password or None,
        authentication=SIMPLE if user else None,
        read_only=True,
        auto_referrals=False,
        raise_exceptions=False,
        receive_timeout=_seconds(settings),
    )
    try:
        conn.open()
        if settings.use_starttls and not conn.start_tls():
            raise DirectoryUnavailable(f"StartTLS refused: {conn.result}")
        bound = conn.bind()
    except BaseException:
        _close(conn)
        raise
    return conn, bound


def _close(conn: Connection) -> None:
    """Unbind and close the socket, whatever state the connection is in."""
    with contextlib.suppress(LDAPException, OSError):
        conn.unbind()
    socket = getattr(conn, "socket", None)
    if socket is not None:
        with contextlib.suppress(OSError):
            socket.close()


def _bind_as_user(server: Server, settings: LdapSettings, dn: str, password: str) -> Connection:
    conn, bound = _connect(server, settings, dn, password)
    if bound:
        return conn
    result = conn.result or {}
    _close(conn)
    message = str(result.get("message", ""))
    if result.get("result") == INVALID_CREDENTIALS:
        if any(code in message for code in AD_DISABLED_CODES):
            raise DirectoryRefused("disabled", message)
        raise DirectoryRefused("credentials", message)
    if result.get("result") in (48, 50, 53):  # inappropriateAuth, insufficientRights, unwilling
        raise DirectoryRefused("credentials", message)
    raise DirectoryUnavailable(f"bind failed: {result}")


def _bind_service(server: Server, settings: LdapSettings) -> Connection:
    conn, bound = _connect(server, settings, settings.bind_dn, settings.bind_password)
    if not bound:
        result = conn.result
        _close(conn)
        # A refused service account is an outage for everyone, not the user's mistake.
        raise DirectoryUnavailable(f"service account bind failed: {result}")
    return conn


def _entries(conn: Connection) -> list[dict]:
    return [r for r in (conn.response or []) if r.get("type") == "searchResEntry"]


def _search(conn: Connection, base: str, query: str, scope, attributes) -> list[dict]:
    conn.search(base, query, search_scope=scope, attributes=attributes)
    result = conn.result or {}
    # 0 success, 32 noSuchObject (empty base), 4 sizeLimitExceeded still returns entries
    if result.get("result") not in (0, 4, 32):
        raise DirectoryUnavailable(f"search {query} under {base} failed: {result}")
    return _entries(conn)


def _user_attributes(settings: LdapSettings) -> list[str]:
    wanted = {
        settings.attr_employee_no,
        settings.attr_name,
        settings.attr_email,
        "cn",
        "userAccountControl",
    }
    if settings.department_attribute and settings.department_attribute.lower() != "dn":
        wanted.add(settings.department_attribute)
    if settings.group_membership == "memberof":
        wanted.add("memberOf")
    return sorted(wanted)


def _find_user(conn: Connection, settings: LdapSettings, username: str) -> dict | None:
    query = settings.user_filter.replace("{username}", escape_filter_chars(username))
    found = _search(conn, settings.user_base, query, SUBTREE, _user_attributes(settings))
    if len(found) > 1:
        log.warning("LDAP filter %s matched %d entries; refusing", query, len(found))
        return None
    return found[0] if found else None


def _read_entry(conn: Connection, settings: LdapSettings, dn: str) -> dict | None:
    found = _search(conn, dn, "(objectClass=*)", BASE, _user_attributes(settings))
    return found[0] if found else None


def _is_disabled(conn: Connection, settings: LdapSettings, entry: dict) -> bool:
    control = _first(entry.get("attributes", {}), "userAccountControl")
    is_number = control is not None and control.isascii() and control.isdigit()
    if is_number and int(control) & AD_ACCOUNT_DISABLED:
        return True
    if settings.active_filter:
        return not _search(conn, entry["dn"], settings.active_filter, BASE, ["objectClass"])
    return False


def ad_group_filter(settings: LdapSettings, user_dn: str) -> str:
    """The AD filter for every group the user belongs to, through any depth of nesting."""
    return f"(&{settings.group_filter}(member:{AD_IN_CHAIN}:={escape_filter_chars(user_dn)}))"


def member_group_filter(settings: LdapSettings, dns: list[str]) -> str:
    """The filter for the groups that list any of ``dns`` as a direct member."""
    terms = "".join(
        f"(member={escape_filter_chars(dn)})(uniqueMember={escape_filter_chars(dn)})" for dn in dns
    )
    return f"(&{settings.group_filter}(|{terms}))"


def _groups(conn: Connection, settings: LdapSettings, entry: dict) -> list[str]:
    """Every group DN the user belongs to, nested groups included (up to the depth limit)."""
    user_dn = entry["dn"]
    if settings.group_membership == "ad":
        query = ad_group_filter(settings, user_dn)
        return [g["dn"] for g in _search(conn, settings.group_base, query, SUBTREE, ["cn"])]
    seen: dict[str, str] = {}
    if settings.group_membership == "memberof":
        frontier = _all(entry.get("attributes", {}), "memberOf")
    else:
        frontier = [
            g["dn"]
            for g in _search(
                conn, settings.group_base, member_group_filter(settings, [user_dn]), SUBTREE, ["cn"]
            )
        ]
    depth = 0
    while frontier:
        fresh = [dn for dn in frontier if normalise_dn(dn) not in seen]
        for dn in fresh:
            seen[normalise_dn(dn)] = dn
        depth += 1
        if not fresh or depth > settings.nesting_depth:
            break
        if settings.group_membership == "memberof":
            frontier = []
            for dn in fresh:
                for group in _search(conn, dn, "(objectClass=*)", BASE, ["memberOf"]):
                    frontier.extend(_all(group.get("attributes", {}), "memberOf"))
        else:
            frontier = [
                g["dn"]
                for g in _search(
                    conn, settings.group_base, member_group_filter(settings, fresh), SUBTREE, ["cn"]
                )
            ]
    return list(seen.values())


def _profile(settings: LdapSettings, entry: dict, groups: list[str]) -> DirectoryProfile:
    attributes = entry.get("attributes", {})
    employee_no = _first(attributes, settings.attr_employee_no)
    if not employee_no:
        raise DirectoryRefused("incomplete", f"{entry['dn']} has no {settings.attr_employee_no}")
    department = None
    if settings.department_attribute.lower() == "dn":
        department = department_from_dn(entry["dn"])
    elif settings.department_attribute:
        raw = _first(attributes, settings.department_attribute)
        if raw:
            names = [n.strip() for n in raw.split(settings.department_separator) if n.strip()]
            department = "/".join(names) or None
    return DirectoryProfile(
        employee_no=employee_no,
        name=_first(attributes, settings.attr_name) or _first(attributes, "cn") or employee_no,
        email=_first(attributes, settings.attr_email),
        department_path=department,
        groups=groups,
    )


def authenticate(settings: LdapSettings, username: str, password: str) -> DirectoryProfile:
    """Check ``username`` and ``password`` with the directory and describe the user."""
    username = (username or "").strip()
    # An empty password would be an anonymous bind, which most servers accept.
    if not username or not password or len(username) > MAX_USERNAME_LENGTH:
        raise DirectoryRefused("credentials", "empty user name or password")
    if any(ord(ch) < 32 for ch in username):
        raise DirectoryRefused("credentials", "control character in user name")
    connections: list[Connection] = []
    try:
        server = _server(settings)
        if settings.user_dn_template:
            login_dn = settings.user_dn_template.replace("{username}", escape_rdn(username))
            conn = _bind_as_user(server, settings, login_dn, password)
            connections.append(conn)
            if "=" in login_dn:
                entry = _read_entry(conn, settings, login_dn)
            else:  # a UPN such as {username}@corp.example: look the entry up
                entry = _find_user(conn, settings, username)
            if entry is None:
                raise DirectoryRefused("credentials", f"cannot read the entry of {login_dn}")
        else:
            conn = _bind_service(server, settings)
            connections.append(conn)
            entry = _find_user(conn, settings, username)
            if entry is None:
                raise DirectoryRefused("credentials", f"no single entry for {username!r}")
            connections.append(_bind_as_user(server, settings, entry["dn"], password))
        if _is_disabled(conn, settings, entry):
            raise DirectoryRefused("disabled", entry["dn"])
        return _profile(settings, entry, _groups(conn, settings, entry))
    except (LDAPException, OSError) as exc:  # ssl.SSLError and socket errors are OSErrors
        raise DirectoryUnavailable(f"{type(exc).__name__}: {exc}") from exc
    finally:
        for conn in connections:
            _close(conn)
