"""Signing in through an OpenID Connect provider (Keycloak, ADFS, Entra ID) with Authlib.

Authlib does the protocol: discovery, the authorization-code flow with PKCE (S256), and the ID
token checks (signature against the provider's JWKS, issuer, audience, nonce, expiry). The OAuth
state, nonce and PKCE verifier live in the signed cookie session, so any app server behind the
load balancer can finish a sign-in another one started, as long as all share SECRET_KEY.
"""

import logging

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import OAuth, OAuthError
from flask import current_app, url_for
from joserfc.errors import JoseError

from app.auth.directory import DirectoryProfile, DirectoryRefused, DirectoryUnavailable
from app.auth.settings import OidcSettings

log = logging.getLogger(__name__)

CLIENT_NAME = "sso"
EXTENSION_KEY = "skillgrid.oidc"


def init_oidc(app, settings: OidcSettings) -> None:
    """Register the provider on ``app`` (nothing is fetched until the first sign-in)."""
    oauth = OAuth(app)
    oauth.register(
        CLIENT_NAME,
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        server_metadata_url=settings.discovery_url,
        client_kwargs={
            "scope": settings.scopes,
            "code_challenge_method": "S256",
            "default_timeout": settings.timeout,
        },
    )
    app.extensions[EXTENSION_KEY] = oauth


def _client():
    return current_app.extensions[EXTENSION_KEY].create_client(CLIENT_NAME)


def _redirect_uri(settings: OidcSettings) -> str:
    # Behind the load balancer ProxyFix (PROXY_COUNT) makes this https://public-host/...
    return settings.redirect_uri or url_for("auth.oidc_callback", _external=True)


def begin_sign_in(settings: OidcSettings):
    """The redirect to the provider's authorization page (state, nonce, PKCE in the session)."""
    try:
        return _client().authorize_redirect(_redirect_uri(settings))
    except (requests.RequestException, AuthlibBaseError, ValueError, KeyError) as exc:
        raise DirectoryUnavailable(f"OIDC discovery failed: {exc!r}") from exc


def claim(claims: dict, path: str):
    """A claim by name, or by a dotted path into nested objects (``realm_access.roles``)."""
    if not path:
        return None
    if path in claims:
        return claims[path]
    value = claims
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def profile_from_claims(settings: OidcSettings, claims: dict) -> DirectoryProfile:
    """The person described by verified ID-token claims."""
    employee_no = claim(claims, settings.claim_employee_no)
    if not employee_no or not isinstance(employee_no, str | int):
        raise DirectoryRefused("incomplete", f"no {settings.claim_employee_no} claim")
    groups = claim(claims, settings.groups_claim) or []
    if isinstance(groups, str):
        groups = [groups]
    department = claim(claims, settings.claim_department) if settings.claim_department else None
    if isinstance(department, str) and department.strip():
        names = [n.strip() for n in department.split(settings.department_separator) if n.strip()]
        department = "/".join(names) or None
    else:
        department = None
    name = claim(claims, settings.claim_name)
    email = claim(claims, settings.claim_email)
    return DirectoryProfile(
        employee_no=str(employee_no).strip(),
        name=str(name).strip() if name else str(employee_no),
        email=str(email).strip() if email else None,
        department_path=department,
        groups=[str(g) for g in groups if g],
    )


def finish_sign_in(settings: OidcSettings) -> DirectoryProfile:
    """Exchange the code from the callback request and verify the ID token; describe the user."""
    client = _client()
    try:
        issuer = client.load_server_metadata().get("issuer")
        # Authlib checks the audience only through azp; ask for it (and the issuer) outright.
        options = {"aud": {"essential": True, "value": settings.client_id}}
        if issuer:
            options["iss"] = {"essential": True, "value": issuer}
        token = client.authorize_access_token(claims_options=options)
    except requests.RequestException as exc:
        raise DirectoryUnavailable(f"OIDC provider unreachable: {exc!r}") from exc
    except OAuthError as exc:
        # The provider said no (access_denied), or the state does not match this session.
        raise DirectoryRefused("credentials", f"{exc.error}: {exc.description}") from exc
    except (AuthlibBaseError, JoseError, ValueError, KeyError) as exc:
        # Bad signature, wrong issuer or audience, nonce mismatch, expired token.
        raise DirectoryRefused("invalid_token", repr(exc)) from exc
    claims = token.get("userinfo")
    if not claims:
        raise DirectoryRefused("invalid_token", "the token response has no ID token")
    return profile_from_claims(settings, dict(claims))
