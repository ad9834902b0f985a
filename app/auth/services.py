"""Sign-in use cases: local passwords, LDAP / Active Directory, and directory accounts.

A directory user's account is created or updated at each sign-in from what the directory says
(employee number, name, email, department) and the role map turns their groups into roles and a
job role. The directory decides: a group change takes effect at the next sign-in, and every role
change it causes is audited. Local accounts (the first admin, break-glass accounts) keep their
passwords here; directory accounts never have one.
"""

import logging
from dataclasses import dataclass

from flask_babel import format_time
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth import directory, lockout
from app.auth.directory import DirectoryProfile, DirectoryRefused, DirectoryUnavailable
from app.auth.settings import GroupGrant, LoginSettings
from app.core.audit import record_audit
from app.core.errors import DomainError, NotFound
from app.core.uow import transaction
from app.extensions import db
from app.org import services as org
from app.org.models import AUTH_SOURCES, User, check_dummy_password, new_session_token
from app.org.queries import user_by_employee_no

log = logging.getLogger(__name__)


class SignInRefused(DomainError):
    """The sign-in failed because of the person's credentials or account (counts as a failure)."""


class WrongCredentials(SignInRefused):
    """Unknown user, or wrong password."""


class AccountDisabled(SignInRefused):
    """The account is disabled in the directory or deactivated here."""


class NotProvisioned(SignInRefused):
    """The directory vouched for the person, but no SkillGrid account can be given to them."""


class SignInUnavailable(DomainError):
    """The directory could not be asked; the person did nothing wrong (not counted)."""


@dataclass(frozen=True)
class GroupMapping:
    """What a user's groups give them: roles, a job-role code, and the groups that counted."""

    roles: tuple[str, ...]
    job_role: str | None
    matched: tuple[str, ...]


def map_groups(groups: list[str], grants: tuple[GroupGrant, ...]) -> GroupMapping:
    """Apply the role map to a user's groups; the first matching grant with a job role wins."""
    names_by_group = {group: directory.group_names(group) for group in groups}
    roles: set[str] = set()
    job_role = None
    matched = []
    for grant in grants:
        key = directory.grant_key(grant.group)
        hits = [group for group, names in names_by_group.items() if key in names]
        if not hits:
            continue
        matched.append(grant.group)
        roles.update(grant.roles)
        if grant.job_role and job_role is None:
            job_role = grant.job_role
    return GroupMapping(tuple(sorted(roles)), job_role, tuple(matched))


def _directory_state(user: User) -> dict:
    return {
        "auth_source": user.auth_source,
        "roles": user.role_names,
        "job_role": user.job_role.code if user.job_role else None,
        "department": user.department.full_name if user.department else None,
    }


def _resolve_job_role(code: str | None):
    if code is None:
        return None
    try:
        return org.job_role_by_code(code)
    except NotFound:
        log.error("the group role map names job role %s, which does not exist", code)
        return None


def _resolve_department(path: str | None):
    if not path:
        return None
    try:
        return org.department_by_path(path)
    except NotFound:
        log.warning("directory department %r matches no department here", path)
        return None


def provision_directory_user(
    source: str, profile: DirectoryProfile, grants: tuple[GroupGrant, ...]
) -> User:
    """Create or update the account of a person the directory vouched for; return it.

    Roles follow the groups exactly; the job role and department follow the directory when it
    names ones that exist here and are otherwise kept. A local account with a password is never
    taken over; a local account without one (imported, never used) is adopted. Called outside
    any unit of work: a withdrawal of access is committed even though the sign-in is refused.
    """
    if source not in AUTH_SOURCES or source == "local":
        raise ValueError(f"not a directory source: {source!r}")
    mapping = map_groups(profile.groups, grants)
    if not mapping.roles:
        _withdraw_access(source, profile.employee_no, mapping)
        raise NotProvisioned(
            _(
                "Your directory account is not in any group that gives access to SkillGrid. "
                "Ask an administrator."
            )
        )
    try:
        try:
            return _provision(source, profile, mapping)
        except _CreatedMeanwhile:
            # Two first sign-ins at once: the other one created the account; update it instead.
            return _provision(source, profile, mapping)
    except SignInRefused:
        raise
    except DomainError as exc:
        log.warning("cannot provision %s from %s: %s", profile.employee_no, source, exc)
        raise NotProvisioned(
            _(
                "Your directory account could not be set up in SkillGrid: %(reason)s "
                "Ask an administrator.",
                reason=str(exc),
            )
        ) from exc


class _CreatedMeanwhile(Exception):
    """Another request created the account between our look-up and our insert."""


@transaction
def _withdraw_access(source: str, employee_no: str, mapping: GroupMapping) -> None:
    """The directory no longer grants any role: drop the roles and end the user's sessions."""
    user = user_by_employee_no(employee_no)
    if user is None or user.is_local_account or not user.roles:
        return
    before = _directory_state(user)
    user.set_roles([])
    user.session_token = new_session_token()
    sync = {"source": source, "groups": list(mapping.matched)}
    record_audit(None, "user.directory_sync", user, before, {**sync, **_directory_state(user)})


@transaction(expect=_CreatedMeanwhile)
def _provision(source: str, profile: DirectoryProfile, mapping: GroupMapping) -> User:
    """One try at creating or updating the account (a lost race raises _CreatedMeanwhile)."""
    user = user_by_employee_no(profile.employee_no)
    sync = {"source": source, "groups": list(mapping.matched)}
    job_role = _resolve_job_role(mapping.job_role)
    department = _resolve_department(profile.department_path)
    if user is None:
        try:
            user = org.create_user(
                None,
                employee_no=profile.employee_no,
                name=profile.name,
                email=profile.email,
                roles=mapping.roles,
                department=department,
                job_role=job_role,
            )
        except DomainError:
            if _employee_no_taken(profile.employee_no):
                raise _CreatedMeanwhile() from None
            raise
        # create_user makes local accounts; this one has no password, so it is switched to the
        # directory in the same transaction.
        user.auth_source = source
        state = {**sync, **_directory_state(user)}
        record_audit(None, "user.directory_sync", user, None, state)
        return user
    if user.is_local_account and user.employee_no.lower().startswith("svc-"):
        # The API's service accounts (svc-NAME) have no password but are never people.
        raise NotProvisioned(
            _("Employee number %(no)s is reserved for a system account.", no=user.employee_no)
        )
    if user.is_local_account and user.password_hash:
        raise NotProvisioned(
            _(
                "Employee number %(no)s belongs to an account with a local password. "
                "Ask an administrator to switch it to directory sign-in.",
                no=user.employee_no,
            )
        )
    if not user.is_active:
        raise AccountDisabled(_("This account is deactivated in SkillGrid."))
    before = _directory_state(user)
    changes = {"name": profile.name, "roles": list(mapping.roles)}
    if profile.email:
        changes["email"] = profile.email
    if department is not None:
        changes["department"] = department
    if job_role is not None:
        changes["job_role"] = job_role
    user.auth_source = source
    after = {
        **before,
        "auth_source": source,
        "roles": sorted(mapping.roles),
        "job_role": job_role.code if job_role else before["job_role"],
        "department": department.full_name if department else before["department"],
    }
    if after != before:
        record_audit(None, "user.directory_sync", user, before, {**sync, **after})
    return org.update_user(None, user, **changes)


def _employee_no_taken(employee_no: str) -> bool:
    return db.session.scalar(select(User.id).where(User.employee_no == employee_no)) is not None


def refusal_for(exc: DirectoryRefused) -> SignInRefused:
    """The sign-in error to show for a directory's refusal."""
    if exc.reason == "disabled":
        return AccountDisabled(_("Your directory account is disabled."))
    if exc.reason == "incomplete":
        return NotProvisioned(
            _("Your directory account lacks an employee number. Ask an administrator.")
        )
    if exc.reason == "invalid_token":
        return NotProvisioned(
            _("The single sign-on answer could not be verified. Please try again.")
        )
    return WrongCredentials()


def _ldap_sign_in(settings: LoginSettings, username: str, password: str) -> User:
    try:
        profile = directory.authenticate(settings.ldap, username, password)
    except DirectoryUnavailable as exc:
        log.error("LDAP sign-in for %r: directory unavailable: %s", username, exc)
        raise SignInUnavailable(
            _(
                "The company directory cannot be reached right now. Try again in a few minutes; "
                "if it persists, tell the IT service desk."
            )
        ) from exc
    except DirectoryRefused as exc:
        log.info("LDAP sign-in for %r refused: %s", username, exc)
        raise refusal_for(exc) from exc
    return provision_directory_user("ldap", profile, settings.ldap.group_map)


class AccountLocked(SignInRefused):
    """Too many failed sign-ins: the account is locked for a while (not counted again)."""

    def __init__(self, until) -> None:
        self.until = until
        super().__init__(
            _(
                "This account is locked after too many failed sign-ins. Try again after "
                "%(time)s, or ask an administrator to unlock it.",
                time=format_time(until, "short"),
            )
        )


def throttle_key(identifier: str | None) -> str:
    """The Flask-Limiter key of the account being tried: the account, whatever name was typed."""
    return "account:" + lockout.account_key(identifier, org.find_user(identifier or ""))


def refuse_if_locked(user: User) -> None:
    """Raise AccountLocked while ``user`` is locked (single sign-on asks this too)."""
    until = lockout.user_locked_until(user)
    if until is not None:
        raise AccountLocked(until)


def _guarded(identifier: str, password: str, check) -> User:
    """Run ``check(user)`` unless the account is locked; count its WrongCredentials."""
    user = org.find_user(identifier)
    key = lockout.account_key(identifier, user)
    until = lockout.locked_until(*(lockout.keys_of(user) if user is not None else [key]))
    if until is not None:
        check_dummy_password(password)  # a locked name answers like any other
        raise AccountLocked(until)
    try:
        found = check(user)
    except WrongCredentials:
        until = lockout.note_failure(key, user)
        if until is not None:
            raise AccountLocked(until) from None
        raise
    if lockout.has_failures(key):
        lockout.forget_failures(key)
    return found


def _local_password_ok(user: User | None, password: str, methods=("local",)) -> bool:
    """Check a local account's password; every other case does the same work on a dummy hash."""
    if user is None or not user.is_local_account or not user.password_hash:
        return check_dummy_password(password)
    matches = user.check_password(password)  # first, so an inactive account takes as long
    return matches and user.is_active and "local" in methods


def sign_in_with_password(settings: LoginSettings, identifier: str, password: str) -> User:
    """The user these credentials prove, by local password or by the LDAP directory.

    A local account with a password is checked here and never sent to the directory, so the
    break-glass admin can sign in while the directory is down. Failures count towards the
    account's lock-out (``app.auth.lockout``), whichever way the account signs in.
    """

    def check(user: User | None) -> User:
        if user is not None and user.is_local_account and user.password_hash:
            if _local_password_ok(user, password, settings.methods):
                return user
            raise WrongCredentials()
        if "ldap" in settings.methods:
            return _ldap_sign_in(settings, identifier, password)
        check_dummy_password(password)
        raise WrongCredentials()

    return _guarded(identifier, password, check)


def local_account_for(identifier: str, password: str) -> User:
    """The active local account these credentials prove (the API's token request).

    Counts towards the same lock-out as the sign-in form; raises WrongCredentials or
    AccountLocked.
    """

    def check(user: User | None) -> User:
        if _local_password_ok(user, password):
            return user
        raise WrongCredentials(_("Wrong employee number, email or password."))

    return _guarded(identifier, password, check)


@transaction
def sign_out(user: User) -> None:
    """End every session of ``user``: a copied cookie of this one dies with it."""
    user.session_token = new_session_token()


@transaction
def set_auth_source(actor: User | None, user: User, source: str) -> None:
    """Switch how an account signs in; moving to a directory drops its local password."""
    if source not in AUTH_SOURCES:
        raise DomainError(_("Unknown sign-in source %(source)s.", source=source))
    before = {"auth_source": user.auth_source}
    if source != "local":
        user.password_hash = None
        user.must_change_password = False
    user.auth_source = source
    user.session_token = new_session_token()
    record_audit(actor, "user.auth_source", user, before, {"auth_source": source})
