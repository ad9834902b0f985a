"""The organisation: departments (a tree), job roles, users and their application roles."""

import secrets
from datetime import date, datetime

from flask_babel import gettext as _
from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
    select,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.core import clock
from app.core.errors import DomainError
from app.core.models import Base, in_values
from app.core.permissions import ROLE_VALUES, Role

DEPARTMENT_KINDS = ("company", "branch", "hall", "callcentre", "field", "office")
#: where an account proves who it is: a local password, the LDAP/AD directory or OpenID Connect
AUTH_SOURCES = ("local", "ldap", "oidc")

department_manager = Table(
    "department_manager",
    Base.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("department.id", ondelete="CASCADE"), primary_key=True),
)


class Department(Base):
    """A unit of the company: company → branch → service hall / call-centre team / field team."""

    __tablename__ = "department"
    __table_args__ = (
        UniqueConstraint("parent_id", "name"),
        CheckConstraint(in_values("kind", DEPARTMENT_KINDS), name="kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20), default="office")
    # NO ACTION, checked at statement end, so a whole subtree can be deleted in one statement.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    #: materialised ids from the root, "/1/4/9/": a subtree is ``path LIKE '/1/4/%'``
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    #: names from the root joined by "/", as used in imports
    full_name: Mapped[str] = mapped_column(String(500), unique=True)

    parent: Mapped["Department | None"] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Department"]] = relationship(back_populates="parent")
    managers: Mapped[list["User"]] = relationship(
        secondary=department_manager, back_populates="managed_departments"
    )

    @property
    def depth(self) -> int:
        """0 for the company, 1 for its branches, and so on."""
        return self.path.count("/") - 2

    def subtree_ids(self):
        """Select the ids of this department and every department under it."""
        return select(Department.id).where(Department.path.startswith(self.path))

    def __repr__(self) -> str:
        return f"<Department {self.full_name}>"


class JobRole(Base):
    """A job role assessed by the competency matrix (DOMAIN.md §2.4): CTR, CC, AM, MR, MI, INS."""

    __tablename__ = "job_role"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))

    def display_name(self, locale: str) -> str:
        """The role's name in ``locale``."""
        return self.name_zh if str(locale).startswith("zh") else self.name_en


class UserRole(Base):
    """One application role held by a user."""

    __tablename__ = "user_role"
    __table_args__ = (CheckConstraint(in_values("role", ROLE_VALUES), name="role"),)

    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(String(20), primary_key=True)


def new_session_token() -> str:
    """A fresh random token; changing it signs the user out everywhere."""
    return secrets.token_hex(16)


_DUMMY_HASH: list[str] = []


def check_dummy_password(password: str) -> bool:
    """Do the work of one password check against no account (always False).

    An unknown or inactive account must answer as slowly as a wrong password, or the time of the
    answer tells which employee numbers exist. The hash is made once, with the default method.
    """
    if not _DUMMY_HASH:
        _DUMMY_HASH.append(generate_password_hash(secrets.token_hex(16)))
    check_password_hash(_DUMMY_HASH[0], password or "")
    return False


class User(UserMixin, Base):
    """A person who signs in: staff, trainer, HR or admin (several roles possible)."""

    __tablename__ = "user_account"
    __table_args__ = (
        CheckConstraint(
            in_values("auth_source", AUTH_SOURCES),
            name="auth_source",
        ),
        # The directory owns a directory user's password: none is ever stored here.
        CheckConstraint(
            "auth_source = 'local' OR password_hash IS NULL", name="directory_has_no_password"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    employee_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(255), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: "local" (password here; the first admin and break-glass accounts), "ldap" or "oidc"
    auth_source: Mapped[str] = mapped_column(String(10), default="local", server_default="local")
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id", ondelete="RESTRICT"), index=True
    )
    job_role_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_role.id", ondelete="RESTRICT"), index=True
    )
    hired_at: Mapped[date | None] = mapped_column(Date)
    #: preferred UI language, "zh_CN" or "en"; None = follow the browser
    locale: Mapped[str | None] = mapped_column(String(10))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: set by an admin reset: the next sign-in must choose a new password
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    #: part of the login cookie; rotated on password change so old sessions end
    session_token: Mapped[str] = mapped_column(String(32), unique=True, default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)

    department: Mapped[Department | None] = relationship()
    job_role: Mapped[JobRole | None] = relationship()
    roles: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )
    managed_departments: Mapped[list[Department]] = relationship(
        secondary=department_manager, back_populates="managers"
    )

    def get_id(self) -> str:
        """Flask-Login identity: the session token, so a password change ends other sessions."""
        return self.session_token

    @property
    def role_set(self) -> set[Role]:
        """The application roles this user holds."""
        return {Role(r.role) for r in self.roles}

    @property
    def role_names(self) -> list[str]:
        """Role values, sorted, for display and export."""
        return sorted(r.role for r in self.roles)

    def set_roles(self, roles) -> None:
        """Replace the user's roles."""
        wanted = {Role(r).value for r in roles}
        self.roles = [r for r in self.roles if r.role in wanted] + [
            UserRole(role=r) for r in sorted(wanted - {r.role for r in self.roles})
        ]

    @property
    def is_local_account(self) -> bool:
        """True when the user signs in with a password kept by SkillGrid."""
        return self.auth_source in (None, "local")

    def set_password(self, password: str) -> None:
        """Store a scrypt hash of ``password`` and end every other session."""
        if not self.is_local_account:
            raise DomainError(
                _(
                    "%(no)s signs in through the company directory; the password is managed there.",
                    no=self.employee_no,
                )
            )
        self.password_hash = generate_password_hash(password)
        self.session_token = new_session_token()

    def check_password(self, password: str) -> bool:
        """True when ``password`` matches the stored hash."""
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    def __repr__(self) -> str:
        return f"<User {self.employee_no}>"
