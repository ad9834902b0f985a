"""Signing in with the company directory: a real slapd, users and groups loaded by ldapadd."""

import json
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core.errors import DomainError
from app.core.models import AuditEvent
from app.org.models import User
from config import TestingConfig
from tests.auth.conftest import (
    GROUPS,
    PEOPLE,
    READER_DN,
    READER_PASSWORD,
    group_dn,
    user_dn,
)
from tests.conftest import TEST_PASSWORD, free_port

HALL = "测试公司/测试分中心/测试营业厅"

GROUP_MAP = {
    group_dn("sg-counter"): ["staff", "CTR"],
    "sg-callcentre": ["staff", "CC"],
    "SG-Trainers": ["trainer"],
    "sg-admins": ["admin"],
    "deep-7": ["admin"],
    "loop-c": ["trainer"],
}


@pytest.fixture
def ldap_app(make_app, make_department, slapd):
    """Factory: an app signing in against the test slapd (search-then-bind by default)."""
    make_department(HALL, "hall")

    def build(**overrides):
        settings = {
            "LOGIN_METHODS": "local,ldap",
            "LDAP_URL": slapd.url,
            "LDAP_BIND_DN": READER_DN,
            "LDAP_BIND_PASSWORD": READER_PASSWORD,
            "LDAP_USER_BASE": PEOPLE,
            "LDAP_USER_FILTER": "(&(objectClass=inetOrgPerson)(uid={username}))",
            "LDAP_DEPARTMENT_ATTRIBUTE": "departmentNumber",
            "LDAP_GROUP_BASE": GROUPS,
            "LDAP_GROUP_ROLE_MAP": json.dumps(GROUP_MAP),
            "LDAP_TIMEOUT": "3",
            **overrides,
        }
        return make_app(type("LdapTestConfig", (TestingConfig,), settings))

    return build


def _client(app):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _login(client, identifier, password, **extra):
    return client.post("/login", data={"identifier": identifier, "password": password, **extra})


def _user(app, employee_no) -> User | None:
    with app.app_context():
        from app.extensions import db

        user = db.session.scalar(select(User).where(User.employee_no == employee_no))
        if user is not None:
            _ = (user.roles, user.job_role, user.department)
            db.session.expunge(user)
        return user


def _audits(app, action):
    with app.app_context():
        from app.extensions import db

        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_first_login_creates_the_user_with_the_mapped_roles(ldap_app):
    app = ldap_app()
    client = _client(app)
    response = _login(client, "alice", "alice-pass")
    assert response.status_code == 302
    assert response.headers["Location"] == "/home"
    assert "王爱丽" in client.get("/home").get_data(as_text=True)
    user = _user(app, "D0001")
    assert user.auth_source == "ldap"
    assert user.password_hash is None
    assert user.role_names == ["staff"]
    assert user.job_role.code == "CTR"
    assert user.department.full_name == HALL
    assert user.email == "alice@example.test"
    (sync,) = _audits(app, "user.directory_sync")
    assert sync.before is None
    assert sync.after["roles"] == ["staff"]
    assert sync.after["groups"] == [group_dn("sg-counter")]


def test_binding_with_a_dn_template_needs_no_service_account(ldap_app):
    app = ldap_app(
        LDAP_BIND_DN="",
        LDAP_BIND_PASSWORD="",
        LDAP_USER_DN_TEMPLATE=f"uid={{username}},{PEOPLE}",
    )
    assert _login(_client(app), "alice", "alice-pass").status_code == 302
    assert _user(app, "D0001").role_names == ["staff"]


@pytest.mark.parametrize("membership", ["member", "memberof"])
def test_nested_groups_give_their_roles(ldap_app, membership):
    app = ldap_app(LDAP_GROUP_MEMBERSHIP=membership)
    assert _login(_client(app), "bob", "bob-pass").status_code == 302
    assert _login(_client(app), "grace", "grace-pass").status_code == 302
    assert _user(app, "D0002").role_names == ["trainer"]
    assert _user(app, "D0006").role_names == ["admin"]


@pytest.mark.parametrize("membership", ["member", "memberof"])
def test_nesting_deeper_than_the_limit_is_ignored(ldap_app, membership):
    shallow = ldap_app(LDAP_GROUP_MEMBERSHIP=membership, LDAP_GROUP_NESTING_DEPTH="5")
    response = _login(_client(shallow), "henry", "henry-pass")
    assert "not in any group that gives access" in response.get_data(as_text=True)
    assert _user(shallow, "D0007") is None
    deep = ldap_app(LDAP_GROUP_MEMBERSHIP=membership, LDAP_GROUP_NESTING_DEPTH="6")
    assert _login(_client(deep), "henry", "henry-pass").status_code == 302
    assert _user(deep, "D0007").role_names == ["admin"]


@pytest.mark.parametrize("membership", ["member", "memberof"])
def test_a_cycle_of_groups_ends(ldap_app, membership):
    app = ldap_app(LDAP_GROUP_MEMBERSHIP=membership)
    assert _login(_client(app), "ivan", "ivan-pass").status_code == 302
    assert _user(app, "D0008").role_names == ["trainer"]


def test_a_group_change_is_applied_at_the_next_login(ldap_app, slapd):
    app = ldap_app()
    assert _login(_client(app), "alice", "alice-pass").status_code == 302
    slapd.ldapadd(
        f"\ndn: {group_dn('sg-callcentre')}\nobjectClass: groupOfNames\n"
        f"cn: sg-callcentre\nmember: {user_dn('alice')}\n"
    )
    slapd.ldapmodify(
        f"dn: {group_dn('sg-counter')}\nchangetype: modify\ndelete: member\n"
        f"member: {user_dn('alice')}\n\n"
        f"dn: {group_dn('sg-admins')}\nchangetype: modify\nadd: member\n"
        f"member: {user_dn('alice')}\n"
    )
    assert _user(app, "D0001").job_role.code == "CTR"  # nothing changes before she signs in
    assert _login(_client(app), "alice", "alice-pass").status_code == 302
    user = _user(app, "D0001")
    assert user.role_names == ["admin", "staff"]
    assert user.job_role.code == "CC"
    first, second = sorted(_audits(app, "user.directory_sync"), key=lambda a: a.id)
    assert second.before["roles"] == ["staff"] and second.before["job_role"] == "CTR"
    assert second.after["roles"] == ["admin", "staff"] and second.after["job_role"] == "CC"
    assert set(second.after["groups"]) == {"sg-callcentre", "sg-admins"}


def test_a_login_without_changes_writes_no_audit_row(ldap_app):
    app = ldap_app()
    for _ in range(2):
        assert _login(_client(app), "alice", "alice-pass").status_code == 302
    assert len(_audits(app, "user.directory_sync")) == 1


def test_losing_every_mapped_group_locks_the_user_out(ldap_app, slapd):
    app = ldap_app()
    earlier = _client(app)
    assert _login(earlier, "bob", "bob-pass").status_code == 302
    slapd.ldapmodify(
        # a groupOfNames needs a member: replace rather than delete
        f"dn: {group_dn('sg-trainers')}\nchangetype: modify\nreplace: member\n"
        f"member: {group_dn('canteen')}\n"
    )
    response = _login(_client(app), "bob", "bob-pass")
    assert response.status_code == 200
    assert "not in any group that gives access" in response.get_data(as_text=True)
    assert _user(app, "D0002").role_names == []
    assert earlier.get("/home").status_code == 302  # the open session has ended too
    last = max(_audits(app, "user.directory_sync"), key=lambda a: a.id)
    assert last.before["roles"] == ["trainer"] and last.after["roles"] == []


def test_a_wrong_password_is_refused_cleanly(ldap_app):
    app = ldap_app()
    client = _client(app)
    response = _login(client, "alice", "not-her-password")
    assert response.status_code == 200
    assert "Wrong user name or password." in response.get_data(as_text=True)
    assert client.get("/home").status_code == 302
    assert _user(app, "D0001") is None


@pytest.mark.parametrize("username", ["nobody", "*", "ali*", "alice)(uid=*", "uid=alice"])
def test_unknown_or_crafted_user_names_are_refused(ldap_app, username):
    response = _login(_client(ldap_app()), username, "alice-pass")
    assert response.status_code == 200
    assert "Wrong user name or password." in response.get_data(as_text=True)


def test_wrong_directory_passwords_are_throttled(ldap_app):
    client = _client(ldap_app())
    for _ in range(5):
        assert _login(client, "alice", "nope-nope").status_code == 200
    response = _login(client, "alice", "alice-pass")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("target", "expected"),
    [("/org/people", "/org/people"), ("https://evil.example/x", "/home"), ("//evil", "/home")],
)
def test_next_stays_local_for_directory_sign_in(ldap_app, target, expected):
    response = _login(_client(ldap_app()), "alice", "alice-pass", next=target)
    assert response.headers["Location"] == expected


def test_an_unreachable_directory_gives_a_clear_message(ldap_app):
    app = ldap_app(LDAP_URL=f"ldap://127.0.0.1:{free_port()}")
    response = _login(_client(app), "alice", "alice-pass")
    assert response.status_code == 503
    assert "The company directory cannot be reached right now." in response.get_data(as_text=True)


def test_a_hung_directory_times_out_with_a_clear_message(ldap_app, silent_port):
    app = ldap_app(LDAP_URL=f"ldap://127.0.0.1:{silent_port}", LDAP_TIMEOUT="1")
    started = time.monotonic()
    response = _login(_client(app), "alice", "alice-pass")
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    assert "cannot be reached" in response.get_data(as_text=True)


def test_outages_do_not_count_as_failed_sign_ins(ldap_app):
    client = _client(ldap_app(LDAP_URL=f"ldap://127.0.0.1:{free_port()}"))
    for _ in range(7):
        assert _login(client, "alice", "alice-pass").status_code == 503


def test_a_refused_service_account_is_an_outage_not_a_wrong_password(ldap_app):
    response = _login(_client(ldap_app(LDAP_BIND_PASSWORD="wrong")), "alice", "alice-pass")
    assert response.status_code == 503


def test_an_account_disabled_by_the_filter_cannot_sign_in(ldap_app):
    app = ldap_app(LDAP_ACTIVE_FILTER="(!(employeeType=disabled))")
    response = _login(_client(app), "carol", "carol-pass")
    assert response.status_code == 200
    assert "Your directory account is disabled." in response.get_data(as_text=True)
    assert _user(app, "D0003") is None
    assert _login(_client(app), "alice", "alice-pass").status_code == 302


def test_an_account_with_the_ad_disabled_bit_cannot_sign_in(ldap_app):
    app = ldap_app()
    response = _login(_client(app), "dave", "dave-pass")
    assert "Your directory account is disabled." in response.get_data(as_text=True)
    assert _user(app, "D0004") is None


def test_a_user_in_no_mapped_group_is_refused(ldap_app):
    app = ldap_app()
    response = _login(_client(app), "erin", "erin-pass")
    assert response.status_code == 200
    assert "not in any group that gives access" in response.get_data(as_text=True)
    assert _user(app, "D0005") is None


def test_staff_from_an_unknown_department_get_a_clear_message(ldap_app, slapd):
    slapd.ldapmodify(
        f"dn: {user_dn('alice')}\nchangetype: modify\nreplace: departmentNumber\n"
        "departmentNumber: 别的公司/某处\n"
    )
    app = ldap_app()
    response = _login(_client(app), "alice", "alice-pass")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "could not be set up in SkillGrid" in text
    assert "Staff need a department and a job role." in text
    assert _user(app, "D0001") is None


def test_a_user_deactivated_here_cannot_sign_in_through_the_directory(ldap_app, db):
    app = ldap_app()
    assert _login(_client(app), "alice", "alice-pass").status_code == 302
    with app.app_context():
        from app.org.services import set_active

        set_active(None, db.session.scalar(select(User).where(User.employee_no == "D0001")), False)
    response = _login(_client(app), "alice", "alice-pass")
    assert "deactivated in SkillGrid" in response.get_data(as_text=True)


def test_the_local_admin_signs_in_while_the_directory_is_down(ldap_app, make_user):
    make_user(("admin",), employee_no="ADMIN1", department=None, job_role=None)
    app = ldap_app(LDAP_URL=f"ldap://127.0.0.1:{free_port()}")
    client = _client(app)
    assert _login(client, "ADMIN1", TEST_PASSWORD).status_code == 302
    assert client.get("/org/users").status_code == 200


def test_a_local_password_is_never_sent_to_the_directory(ldap_app, make_user):
    make_user(("admin",), employee_no="alice", department=None, job_role=None)
    app = ldap_app()
    response = _login(_client(app), "alice", "alice-pass")
    assert "Wrong user name or password." in response.get_data(as_text=True)
    assert _user(app, "D0001") is None


def test_a_local_account_with_a_password_is_not_taken_over(ldap_app, make_user):
    make_user(employee_no="D0001")
    app = ldap_app()
    response = _login(_client(app), "alice", "alice-pass")
    assert "belongs to an account with a local password" in response.get_data(as_text=True)
    assert _user(app, "D0001").auth_source == "local"


def test_a_password_less_local_account_is_adopted(ldap_app, make_user, db):
    made = make_user(employee_no="D0001", job_role="MR")
    app = ldap_app()
    with app.app_context():
        db.session.get(User, made.id).password_hash = None
        db.session.commit()
    assert _login(_client(app), "alice", "alice-pass").status_code == 302
    user = _user(app, "D0001")
    assert user.id == made.id
    assert user.auth_source == "ldap"
    assert user.job_role.code == "CTR"


def test_directory_users_have_no_local_password(ldap_app, db):
    app = ldap_app()
    client = _client(app)
    assert _login(client, "alice", "alice-pass").status_code == 302
    assert 'href="/account/password"' not in client.get("/home").get_data(as_text=True)
    response = client.get("/account/password", follow_redirects=True)
    assert "managed by the company directory" in response.get_data(as_text=True)
    with app.app_context():
        from app.org.services import set_password

        user = db.session.scalar(select(User).where(User.employee_no == "D0001"))
        with pytest.raises(DomainError, match="signs in through the company directory"):
            set_password(None, user, "a-new-password-1")
        db.session.rollback()
        user.password_hash = "scrypt:forged"
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_an_admin_cannot_reset_a_directory_users_password(ldap_app, db, make_user):
    app = ldap_app()
    assert _login(_client(app), "alice", "alice-pass").status_code == 302
    make_user(("admin",), employee_no="ADMIN2", department=None, job_role=None)
    admin = _client(app)
    assert _login(admin, "ADMIN2", TEST_PASSWORD).status_code == 302
    alice = _user(app, "D0001")
    response = admin.post(
        f"/org/users/{alice.id}/password",
        data={"password": "another-pass-1", "must_change": "y"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert "signs in through the company directory" in response.get_data(as_text=True)
    assert _user(app, "D0001").password_hash is None


def test_starttls_with_the_directorys_certificate(ldap_app, slapd):
    app = ldap_app(LDAP_USE_STARTTLS=True, LDAP_CA_CERT_FILE=str(slapd.cert_file))
    assert _login(_client(app), "alice", "alice-pass").status_code == 302


def test_ldaps_with_the_directorys_certificate(ldap_app, slapd):
    app = ldap_app(LDAP_URL=slapd.ldaps_url, LDAP_CA_CERT_FILE=str(slapd.cert_file))
    assert _login(_client(app), "alice", "alice-pass").status_code == 302


def test_an_untrusted_certificate_is_an_outage(ldap_app, slapd):
    app = ldap_app(LDAP_URL=slapd.ldaps_url)  # the self-signed certificate is not trusted
    response = _login(_client(app), "alice", "alice-pass")
    assert response.status_code == 503
    assert _user(app, "D0001") is None


def test_an_empty_password_never_reaches_the_directory(ldap_app):
    from app.auth import directory
    from app.auth.blueprint import SETTINGS_KEY

    app = ldap_app()
    with pytest.raises(directory.DirectoryRefused):
        directory.authenticate(app.extensions[SETTINGS_KEY].ldap, "alice", "")


def test_the_cli_shows_what_a_directory_login_would_give(ldap_app):
    app = ldap_app()
    result = app.test_cli_runner().invoke(args=["auth", "test-ldap", "bob"], input="bob-pass\n")
    assert result.exit_code == 0, result.output
    assert "employee_no: D0002" in result.output
    assert "roles:       trainer" in result.output
    assert _user(app, "D0002") is None  # only a look, no account


def test_the_cli_switches_an_account_to_the_directory(ldap_app, make_user):
    make_user(employee_no="D0001")
    app = ldap_app()
    result = app.test_cli_runner().invoke(args=["auth", "set-source", "D0001", "ldap"])
    assert result.exit_code == 0, result.output
    user = _user(app, "D0001")
    assert user.auth_source == "ldap" and user.password_hash is None
    assert _login(_client(app), "alice", "alice-pass").status_code == 302
    assert len(_audits(app, "user.auth_source")) == 1


def test_two_first_sign_ins_at_once_make_one_account(ldap_app, db, monkeypatch):
    from sqlalchemy.orm import Session

    from app.org import services as org

    app = ldap_app()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip(
            "on SQLite the sign-in's transaction holds the write lock from its start (BEGIN "
            "IMMEDIATE, tests/quizzes/test_exam_day.py), so no rival can commit inside it"
        )
    real_create_user = org.create_user

    def create_after_a_rival(*args, **kwargs):
        # The other server's sign-in commits the same person first.
        with Session(db.engine) as rival:
            rival.add(User(employee_no="D0001", name="rival", auth_source="ldap"))
            rival.commit()
        monkeypatch.setattr(org, "create_user", real_create_user)
        return real_create_user(*args, **kwargs)

    monkeypatch.setattr(org, "create_user", create_after_a_rival)
    assert _login(_client(app), "alice", "alice-pass").status_code == 302
    user = _user(app, "D0001")
    assert user.name == "王爱丽" and user.role_names == ["staff"]
