"""The sign-in configuration: checked at start-up, and the login page offers what it names."""

import json

import pytest

from app import create_app
from app.auth.directory import (
    department_from_dn,
    group_names,
    member_group_filter,
    normalise_dn,
)
from app.auth.services import map_groups
from app.auth.settings import (
    LoginConfigError,
    load_login_settings,
    parse_group_map,
    read_login_settings,
)
from config import TestingConfig

LDAP = {
    "LOGIN_METHODS": "local,ldap",
    "LDAP_URL": "ldaps://dc1.corp.example:636",
    "LDAP_USER_BASE": "OU=Staff,DC=corp,DC=example",
    "LDAP_USER_FILTER": "(&(objectClass=user)(sAMAccountName={username}))",
    "LDAP_GROUP_MEMBERSHIP": "ad",
    "LDAP_GROUP_BASE": "OU=Groups,DC=corp,DC=example",
    "LDAP_GROUP_ROLE_MAP": '{"CN=SG-Admins,OU=Groups,DC=corp,DC=example": ["admin"]}',
}
OIDC = {
    "LOGIN_METHODS": "local,oidc",
    "OIDC_DISCOVERY_URL": "https://sso.example/realms/corp/.well-known/openid-configuration",
    "OIDC_CLIENT_ID": "skillgrid",
    "OIDC_CLIENT_SECRET": "s3cret",
    "OIDC_GROUP_ROLE_MAP": '{"/skillgrid/staff": ["staff", "CTR"]}',
}


def _problems(**config) -> list[str]:
    return read_login_settings(config).problems


def test_the_default_is_local_passwords_only():
    settings = load_login_settings({})
    assert settings.methods == ("local",)
    assert settings.ldap is None and settings.oidc is None


def test_an_active_directory_example_is_accepted():
    settings = load_login_settings(LDAP)
    assert settings.methods == ("local", "ldap")
    assert settings.ldap.use_ssl
    assert settings.ldap.group_map[0].roles == ("admin",)


def test_a_keycloak_example_is_accepted():
    settings = load_login_settings(OIDC)
    assert settings.oidc.scopes == "openid profile email"
    assert settings.oidc.group_map[0].job_role == "CTR"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"LOGIN_METHODS": "local,kerberos"}, "unknown methods kerberos"),
        ({"LOGIN_METHODS": " , "}, "LOGIN_METHODS is empty"),
        ({"LDAP_URL": ""}, "LDAP_URL is required"),
        ({"LDAP_URL": "http://dc1"}, "must look like ldaps://"),
        ({"LDAP_URL": "ldap://dc1.corp.example"}, "use ldaps:// or set LDAP_USE_STARTTLS"),
        ({"LDAP_USE_STARTTLS": "1"}, "ldaps:// is already encrypted"),
        ({"LDAP_USER_BASE": ""}, "set LDAP_USER_DN_TEMPLATE"),
        ({"LDAP_USER_FILTER": "(sAMAccountName=x)"}, "must contain {username}"),
        ({"LDAP_USER_FILTER": "uid={username}"}, "in parentheses"),
        ({"LDAP_BIND_DN": "CN=svc,DC=corp"}, "LDAP_BIND_PASSWORD is required"),
        ({"LDAP_GROUP_MEMBERSHIP": "magic"}, "LDAP_GROUP_MEMBERSHIP must be one of"),
        ({"LDAP_GROUP_BASE": ""}, "LDAP_GROUP_BASE is required"),
        ({"LDAP_GROUP_NESTING_DEPTH": "99"}, "between 0 and 20"),
        ({"LDAP_TIMEOUT": "soon"}, "LDAP_TIMEOUT must be a number"),
        ({"LDAP_GROUP_ROLE_MAP": "{not json"}, "is not valid JSON"),
        ({"LDAP_GROUP_ROLE_MAP": '["admin"]'}, "must be a JSON object"),
        ({"LDAP_GROUP_ROLE_MAP": '{"g": ["root"]}'}, "neither a role"),
        ({"LDAP_GROUP_ROLE_MAP": '{"g": ["staff", "CTR", "CC"]}'}, "more than one job role"),
        ({"LDAP_GROUP_ROLE_MAP": ""}, "must map at least one directory group"),
    ],
)
def test_ldap_mistakes_are_named(changes, message):
    problems = _problems(**{**LDAP, **changes})
    assert any(message in p for p in problems), problems


def test_plain_ldap_is_allowed_on_loopback_only():
    assert _problems(**{**LDAP, "LDAP_URL": "ldap://127.0.0.1:3890"}) == []
    assert _problems(**{**LDAP, "LDAP_URL": "ldap://dc1:389", "LDAP_USE_STARTTLS": "1"}) == []


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"OIDC_CLIENT_ID": ""}, "OIDC_CLIENT_ID is required"),
        ({"OIDC_CLIENT_SECRET": ""}, "OIDC_CLIENT_SECRET is required"),
        ({"OIDC_DISCOVERY_URL": "sso.example"}, "must be an https:// URL"),
        ({"OIDC_SCOPES": "profile email"}, "must include openid"),
        ({"OIDC_GROUP_ROLE_MAP": ""}, "must map at least one group"),
    ],
)
def test_oidc_mistakes_are_named(changes, message):
    problems = _problems(**{**OIDC, **changes})
    assert any(message in p for p in problems), problems


def test_the_app_refuses_to_start_with_a_bad_configuration():
    class Broken(TestingConfig):
        LOGIN_METHODS = "local,ldap,oidc"
        LDAP_URL = "ldap://dc1.corp.example"

    with pytest.raises(LoginConfigError) as caught:
        create_app(Broken)
    text = str(caught.value)
    assert text.startswith("The sign-in configuration is invalid:")
    assert "LDAP_URL uses plain ldap://" in text
    assert "OIDC_CLIENT_ID is required" in text


def test_a_group_answers_to_its_dn_and_its_name():
    dn = "CN=SG Admins,OU=Groups, DC=corp,DC=example"
    assert normalise_dn(dn) == "cn=sg admins,ou=groups,dc=corp,dc=example"
    assert {"sg admins", "cn=sg admins,ou=groups,dc=corp,dc=example"} <= group_names(dn)
    assert group_names("/skillgrid/admins") == {"/skillgrid/admins"}


def test_groups_map_to_roles_and_the_first_job_role():
    grants = parse_group_map(
        "MAP",
        json.dumps(
            {
                "cn=sg-counter,ou=groups,dc=corp": ["staff", "CTR"],
                "SG-Trainers": "trainer",
                "sg-callcentre": ["staff", "CC"],
            }
        ),
        [],
    )
    mapping = map_groups(
        [
            "CN=SG-Callcentre,OU=Groups,DC=corp",
            "CN=sg-counter, OU=Groups, DC=corp",
            "cn=sg-trainers,ou=groups,dc=corp",
            "cn=canteen,ou=groups,dc=corp",
        ],
        grants,
    )
    assert mapping.roles == ("staff", "trainer")
    assert mapping.job_role == "CTR"  # the map's order decides, not the directory's
    assert mapping.matched == ("cn=sg-counter,ou=groups,dc=corp", "SG-Trainers", "sg-callcentre")


def test_a_dn_in_the_map_matches_only_that_dn():
    grants = parse_group_map("MAP", {"CN=SG-Admins,OU=Groups,DC=corp": ["admin"]}, [])
    assert map_groups(["cn=sg-admins,ou=groups,dc=corp"], grants).roles == ("admin",)
    # a group of the same name elsewhere (say, made by an OU admin) gives nothing
    assert map_groups(["CN=SG-Admins,OU=Branch,DC=corp"], grants).roles == ()


def test_no_matching_group_gives_no_roles():
    grants = parse_group_map("MAP", {"sg-admins": ["admin"]}, [])
    assert map_groups(["cn=canteen,dc=corp"], grants).roles == ()


def test_the_department_can_come_from_the_ous_of_the_dn():
    dn = "CN=Wang Li,OU=营业厅,OU=分中心,OU=公司,DC=corp,DC=example"
    assert department_from_dn(dn) == "公司/分中心/营业厅"


def test_ad_nesting_uses_the_in_chain_matching_rule():
    settings = load_login_settings(LDAP).ldap
    from app.auth.directory import ad_group_filter

    query = ad_group_filter(settings, "CN=Wang (Li),OU=Staff,DC=corp")
    assert "(member:1.2.840.113556.1.4.1941:=CN=Wang \\28Li\\29,OU=Staff,DC=corp)" in query
    assert member_group_filter(settings, ["cn=a,dc=x"]).count("cn=a,dc=x") == 2


@pytest.mark.parametrize(
    ("methods", "password_form", "sso", "ldap_hint"),
    [
        ("local", True, False, False),
        ("local,ldap", True, False, True),
        ("oidc", False, True, False),
        ("local,oidc", True, True, False),
    ],
)
def test_the_login_page_offers_only_the_configured_methods(
    make_app, methods, password_form, sso, ldap_hint
):
    settings = {"LOGIN_METHODS": methods}
    if "ldap" in methods:
        settings.update({k: v for k, v in LDAP.items() if k != "LOGIN_METHODS"})
    if "oidc" in methods:
        settings.update({k: v for k, v in OIDC.items() if k != "LOGIN_METHODS"})
    app = make_app(type("MethodsConfig", (TestingConfig,), settings))
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/login").get_data(as_text=True)
    assert ('data-testid="password-login"' in page) is password_form
    assert ('data-testid="sso-login"' in page) is sso
    assert ('data-testid="ldap-hint"' in page) is ldap_hint
    if not password_form:
        assert client.post("/login", data={"identifier": "x", "password": "y"}).status_code == 404


def test_the_sso_button_names_the_provider_and_keeps_next(make_app):
    settings = {**OIDC, "OIDC_PROVIDER_NAME": "Corp ID"}
    app = make_app(type("NamedConfig", (TestingConfig,), settings))
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get("/login?next=/org/people").get_data(as_text=True)
    assert "Sign in with Corp ID" in page
    assert "/login/sso?next=/org/people" in page


def test_the_sign_in_routes_are_public(app):
    for endpoint in ("auth.login", "auth.oidc_login", "auth.oidc_callback"):
        assert app.view_functions[endpoint].access == "public"


def test_a_directory_sign_in_never_adopts_an_api_service_account(app, db, make_user):
    """Service users (svc-NAME) have no password, like importable accounts, but are not people."""
    import pytest

    from app.auth.directory import DirectoryProfile
    from app.auth.services import NotProvisioned, provision_directory_user
    from app.auth.settings import GroupGrant
    from app.org.models import User

    made = make_user(("hr",), employee_no="svc-hr-feed", department=None, job_role=None)
    with app.app_context():
        db.session.get(User, made.id).password_hash = None
        db.session.commit()
        profile = DirectoryProfile("svc-hr-feed", "冒名", None, None, ["cn=hr"])
        with pytest.raises(NotProvisioned, match="reserved for a system account"):
            provision_directory_user("ldap", profile, (GroupGrant("cn=hr", ("admin",), None),))
        assert db.session.get(User, made.id).auth_source == "local"
        assert db.session.get(User, made.id).role_names == ["hr"]
