"""Sign-in use cases: local passwords, LDAP / Active Directory, and directory accounts.

A directory user's account is created or updated at each sign-in from what the directory says
(employee number, name, email, department) and the role map turns their groups into roles and a
job role. The directory decides: a group change takes effect at the next sign-in, and every role
change it causes is audited. Local accounts (the first admin, break-glass accounts) keep their
passwords here; directory accounts never have one.
"""

import logging
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth import directory
from app.auth.directory import DirectoryProfile, DirectoryRefused, DirectoryUnavailable
from app.auth.settings import GroupGrant, LoginSettings
from app.core.audit import record_audit
from app.core.errors import DomainError, NotFound
from app.extensions import db
from app.org import services as org
from app.org.models import AUTH_SOURCES, User, new_session_token

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
    taken over; a local account without one (imported, never used) is adopted.
    """
    if source not in AUTH_SOURCES or source == "local":
        raise ValueError(f"not a directory source: {source!r}")
    try:
        return _provision(source, profile, grants)
    except (IntegrityError, _CreatedMeanwhile):
        # Two first sign-ins at once: the other one created the account; update it instead.
        db.session.rollback()
        return _provision(source, profile, grants)


class _CreatedMeanwhile(Exception):
    """Another request created the account between our look-up and our insert."""


def _withdraw_access(user: User, sync: dict) -> None:
    """The directory no longer grants any role: drop the roles and end the user's sessions."""
    before = _directory_state(user)
    user.set_roles([])
    user.session_token = new_session_token()
    record_audit(None, "user.directory_sync", user, before, {**sync, **_directory_state(user)})
    db.session.commit()


def _provision(source: str, profile: DirectoryProfile, grants: tuple[GroupGrant, ...]) -> User:
    mapping = map_groups(profile.groups, grants)
    user = db.session.scalar(select(User).where(User.employee_no == profile.employee_no))
    sync = {"source": source, "groups": list(mapping.matched)}
    if not mapping.roles:
        if user is not None and not user.is_local_account and user.roles:
            _withdraw_access(user, sync)
        raise NotProvisioned(
            _(
                "Your directory account is not in any group that gives access to SkillGrid. "
                "Ask an administrator."
            )
        )
    job_role = _resolve_job_role(mapping.job_role)
    department = _resolve_department(profile.department_path)
    try:
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
                db.session.rollback()
                taken = select(User.id).where(User.employee_no == profile.employee_no)
                if db.session.scalar(taken) is not None:
                    raise _CreatedMeanwhile() from None
                raise
            # create_user makes local accounts; this one has no password, so it is safe to
            # switch in a second step (a crash in between leaves an adoptable account).
            user.auth_source = source
            state = {**sync, **_directory_state(user)}
            record_audit(None, "user.directory_sync", user, None, state)
            db.session.commit()
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
        return org.update_user(None, user, **changes)  # commits both audit rows with the change
    except SignInRefused:
        db.session.rollback()
        raise
    except DomainError as exc:
        db.session.rollback()
        log.warning("cannot provision %s from %s: %s", profile.employee_no, source, exc)
        raise NotProvisioned(
            _(
                "Your directory account could not be set up in SkillGrid: %(reason)s "
                "Ask an administrator.",
                reason=str(exc),
            )
        ) from exc


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


def sign_in_with_password(settings: LoginSettings, identifier: str, password: str) -> User:
    """The user these credentials prove, by local password or by the LDAP directory.

    A local account with a password is checked here and never sent to the directory, so the
    break-glass admin can sign in while the directory is down.
    """
    user = org.find_user(identifier)
    if user is not None and user.is_local_account and user.password_hash:
        if "local" in settings.methods and user.is_active and user.check_password(password):
            return user
        raise WrongCredentials()
    if "ldap" in settings.methods:
        return _ldap_sign_in(settings, identifier, password)
    raise WrongCredentials()


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
    db.session.commit()
