"""Directory servers for the sign-in tests: a real OpenLDAP (slapd) and a tiny OIDC provider.

slapd runs from a temporary folder on a free loopback port (plain LDAP, LDAPS and StartTLS with a
self-signed certificate made here); each test loads the people and groups of DIRECTORY_LDIF with
``ldapadd`` and they are removed afterwards. The OpenID Connect provider is a small WSGI app in a
thread (discovery, JWKS, authorize, token) that signs RS256 ID tokens and checks PKCE.
"""

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import os
import secrets
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from tests.conftest import free_port, require_service

BASE_DN = "dc=example,dc=test"
ADMIN_DN = f"cn=admin,{BASE_DN}"
ADMIN_PASSWORD = "admin-secret"
READER_DN = f"cn=reader,{BASE_DN}"
READER_PASSWORD = "reader-secret"
PEOPLE = f"ou=people,{BASE_DN}"
GROUPS = f"ou=groups,{BASE_DN}"

# An auxiliary class carrying AD's userAccountControl, so the "disabled" bit can be tested.
TEST_SCHEMA = """
attributetype ( 1.2.840.113556.1.4.8 NAME 'userAccountControl'
    EQUALITY integerMatch SYNTAX 1.3.6.1.4.1.1466.115.121.1.27 SINGLE-VALUE )
objectclass ( 1.3.6.1.4.1.55555.1.1 NAME 'skillgridTestAccount' SUP top AUXILIARY
    MAY ( userAccountControl ) )
"""

SLAPD_CONF = """
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include {folder}/test.schema
modulepath /usr/lib/ldap
moduleload back_mdb
moduleload memberof
pidfile {folder}/slapd.pid
argsfile {folder}/slapd.args
TLSCertificateFile {folder}/cert.pem
TLSCertificateKeyFile {folder}/key.pem
database mdb
suffix "{base}"
rootdn "{admin}"
rootpw {admin_password}
directory {folder}/db
overlay memberof
access to attrs=userPassword by self =xw by anonymous auth by * none
access to * by * read
"""

BASE_LDIF = f"""
dn: {BASE_DN}
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: {READER_DN}
objectClass: person
cn: reader
sn: reader
userPassword: {READER_PASSWORD}
"""


def _person(uid, number, name, password, *, extra=""):
    return f"""
dn: uid={uid},{PEOPLE}
objectClass: inetOrgPerson
uid: {uid}
cn: {name}
sn: {name}
displayName: {name}
mail: {uid}@example.test
employeeNumber: {number}
departmentNumber: 测试公司/测试分中心/测试营业厅
userPassword: {password}
{extra}"""


def _group(name, *members):
    lines = "\n".join(f"member: {m}" for m in members)
    return f"""
dn: cn={name},{GROUPS}
objectClass: groupOfNames
cn: {name}
{lines}
"""


def user_dn(uid: str) -> str:
    """The DN of a test person."""
    return f"uid={uid},{PEOPLE}"


def group_dn(name: str) -> str:
    """The DN of a test group."""
    return f"cn={name},{GROUPS}"


#: alice: counter clerk; bob: trainer through a nested group; carol: disabled by filter;
#: dave: disabled by userAccountControl; erin: in no mapped group; grace: admin two levels deep;
#: henry: admin only seven levels deep (beyond the depth limit); ivan: in a cycle of groups
DIRECTORY_LDIF = (
    f"""
dn: {PEOPLE}
objectClass: organizationalUnit
ou: people

dn: {GROUPS}
objectClass: organizationalUnit
ou: groups
"""
    + _person("alice", "D0001", "王爱丽", "alice-pass")
    + _person("bob", "D0002", "Bob Trainer", "bob-pass")
    + _person("carol", "D0003", "Carol Left", "carol-pass", extra="employeeType: disabled\n")
    + _person(
        "dave",
        "D0004",
        "Dave Disabled",
        "dave-pass",
        extra="objectClass: skillgridTestAccount\nuserAccountControl: 514\n",
    )
    + _person("erin", "D0005", "Erin Canteen", "erin-pass")
    + _person("grace", "D0006", "Grace Admin", "grace-pass")
    + _person("henry", "D0007", "Henry Deep", "henry-pass")
    + _person("ivan", "D0008", "Ivan Loop", "ivan-pass")
    + _group("sg-counter", user_dn("alice"), user_dn("carol"), user_dn("dave"))
    + _group("sg-trainers-core", user_dn("bob"))
    + _group("sg-trainers", group_dn("sg-trainers-core"))
    + _group("canteen", user_dn("erin"))
    + _group("it-ops", user_dn("grace"))
    + _group("sg-admins", group_dn("it-ops"))
    + _group("deep-1", user_dn("henry"))
    + "".join(_group(f"deep-{i}", group_dn(f"deep-{i - 1}")) for i in range(2, 8))
    + _group("loop-a", user_dn("ivan"))
    + _group("loop-b", group_dn("loop-a"))
    + _group("loop-c", group_dn("loop-b"))
)

#: closes the cycle loop-a -> loop-b -> loop-c -> loop-a once all three exist
CYCLE_LDIF = f"""
dn: {group_dn("loop-a")}
changetype: modify
add: member
member: {group_dn("loop-c")}
"""


def slapd_binary() -> str | None:
    """Debian's slapd (in /usr/sbin, often not on a user's PATH)."""
    found = shutil.which("slapd") or "/usr/sbin/slapd"
    return found if os.access(found, os.X_OK) else None


def _self_signed_certificate(folder: Path) -> Path:
    """A certificate for 127.0.0.1 and localhost, its own CA; returns the certificate path."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path = folder / "cert.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return path


def _wait_for_port(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"slapd exited with {process.returncode}:\n{log.read_text()[-2000:]}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    pytest.fail(f"slapd did not listen on {port}:\n{log.read_text()[-2000:]}")


@dataclass
class Slapd:
    """A running slapd: its URLs, certificate and how to load or reset entries."""

    port: int
    tls_port: int
    cert_file: Path
    folder: Path

    @property
    def url(self) -> str:
        """Plain LDAP on loopback."""
        return f"ldap://127.0.0.1:{self.port}"

    @property
    def ldaps_url(self) -> str:
        """LDAP over TLS."""
        return f"ldaps://127.0.0.1:{self.tls_port}"

    def _run(self, tool: str, ldif: str) -> None:
        done = subprocess.run(
            [tool, "-x", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD],
            input=ldif.encode(),
            check=False,
            capture_output=True,
        )
        if done.returncode:
            pytest.fail(f"{tool} failed ({done.returncode}): {done.stderr.decode()}\n{ldif}")

    def ldapadd(self, ldif: str) -> None:
        """Add entries with ldap-utils' ldapadd, as the directory administrator."""
        self._run("ldapadd", ldif)

    def ldapmodify(self, ldif: str) -> None:
        """Change entries with ldap-utils' ldapmodify, as the directory administrator."""
        self._run("ldapmodify", ldif)

    def clear(self) -> None:
        """Delete the people and groups subtrees."""
        for base in (GROUPS, PEOPLE):
            subprocess.run(
                ["ldapdelete", "-x", "-r", "-H", self.url, "-D", ADMIN_DN, "-w", ADMIN_PASSWORD]
                + [base],
                check=False,
                capture_output=True,
            )


@pytest.fixture(scope="session")
def slapd_server(tmp_path_factory):
    """One slapd for the session (skips, or fails in CI, when slapd or ldap-utils is missing)."""
    binary = slapd_binary()
    if binary is None or shutil.which("ldapadd") is None:
        require_service("slapd / ldap-utils are not installed (apt-get install slapd ldap-utils)")
    folder = tmp_path_factory.mktemp("slapd")
    (folder / "db").mkdir()
    cert = _self_signed_certificate(folder)
    (folder / "test.schema").write_text(TEST_SCHEMA)
    conf = folder / "slapd.conf"
    conf.write_text(
        SLAPD_CONF.format(
            folder=folder, base=BASE_DN, admin=ADMIN_DN, admin_password=ADMIN_PASSWORD
        )
    )
    port, tls_port = free_port(), free_port()
    log = folder / "slapd.log"
    urls = f"ldap://127.0.0.1:{port}/ ldaps://127.0.0.1:{tls_port}/"
    with log.open("wb") as log_file:
        # -d 0 keeps slapd in the foreground, so it is ours to stop.
        process = subprocess.Popen(
            [binary, "-d", "0", "-h", urls, "-f", str(conf)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, process, log)
        _wait_for_port(tls_port, process, log)
        server = Slapd(port, tls_port, cert, folder)
        server.ldapadd(BASE_LDIF)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


@pytest.fixture
def slapd(slapd_server):
    """The session's slapd holding DIRECTORY_LDIF, emptied again after the test."""
    slapd_server.clear()
    slapd_server.ldapadd(DIRECTORY_LDIF)
    slapd_server.ldapmodify(CYCLE_LDIF)
    yield slapd_server
    slapd_server.clear()


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections and never answers (a hung server)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


# --- a small OpenID Connect provider -------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class OidcProvider:
    """An authorization server that approves at once whoever ``user`` says."""

    client_id: str = "skillgrid"
    client_secret: str = "provider-secret"  # noqa: S105 - test credential
    url: str = ""
    user: dict = field(default_factory=dict)
    #: claims to override in the next ID token (e.g. {"iss": "https://evil"}); None drops one
    tamper: dict = field(default_factory=dict)
    #: sign the next ID token with a key the JWKS does not publish
    wrong_key: bool = False
    #: the authorization requests seen, for assertions on PKCE and nonce
    authorizations: list = field(default_factory=list)
    token_errors: list = field(default_factory=list)
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    other_key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"})
    )
    codes: dict = field(default_factory=dict)

    def reset(self) -> None:
        """Forget the previous test's knobs and codes."""
        self.user, self.tamper, self.wrong_key = {}, {}, False
        self.authorizations.clear()
        self.token_errors.clear()
        self.codes.clear()

    def metadata(self) -> dict:
        """The discovery document."""
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{self.url}/authorize",
            "token_endpoint": f"{self.url}/token",
            "jwks_uri": f"{self.url}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }

    def _json(self, data: dict, status: int = 200) -> Response:
        return Response(json.dumps(data), status=status, mimetype="application/json")

    def _authorize(self, request: Request) -> Response:
        args = request.args
        self.authorizations.append(dict(args))
        redirect_uri = args.get("redirect_uri", "")
        if (
            args.get("client_id") != self.client_id
            or args.get("response_type") != "code"
            or args.get("code_challenge_method") != "S256"
            or not args.get("code_challenge")
        ):
            query = urlencode({"error": "invalid_request", "state": args.get("state", "")})
            return Response(status=302, headers={"Location": f"{redirect_uri}?{query}"})
        code = secrets.token_urlsafe(16)
        self.codes[code] = {
            "challenge": args["code_challenge"],
            "nonce": args.get("nonce"),
            "redirect_uri": redirect_uri,
            "user": dict(self.user),
        }
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Response(status=302, headers={"Location": f"{redirect_uri}?{query}"})

    def _token(self, request: Request) -> Response:
        auth = request.authorization
        if auth is None or (auth.username, auth.password) != (self.client_id, self.client_secret):
            self.token_errors.append("invalid_client")
            return self._json({"error": "invalid_client"}, 401)
        grant = self.codes.pop(request.form.get("code", ""), None)
        verifier = request.form.get("code_verifier", "")
        if grant is None or request.form.get("redirect_uri") != grant["redirect_uri"]:
            self.token_errors.append("invalid_grant")
            return self._json({"error": "invalid_grant"}, 400)
        if _b64url(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
            self.token_errors.append("pkce")
            return self._json({"error": "invalid_grant", "error_description": "PKCE"}, 400)
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant["nonce"],
            **grant["user"],
        }
        claims.setdefault("sub", claims.get("preferred_username", "someone"))
        for name, value in self.tamper.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        key = self.other_key if self.wrong_key else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        return self._json(
            {
                "access_token": secrets.token_urlsafe(16),
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": id_token,
            }
        )

    def __call__(self, environ, start_response):
        request = Request(environ)
        if request.path == "/.well-known/openid-configuration":
            response = self._json(self.metadata())
        elif request.path == "/jwks":
            response = self._json(KeySet([self.key]).as_dict(private=False))
        elif request.path == "/authorize":
            response = self._authorize(request)
        elif request.path == "/token" and request.method == "POST":
            response = self._token(request)
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)


@pytest.fixture(scope="session")
def oidc_server():
    """The provider, served from a thread on a free loopback port for the whole session."""
    provider = OidcProvider()
    server = make_server("127.0.0.1", 0, provider, threaded=True)
    provider.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield provider
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def oidc_provider(oidc_server, monkeypatch):
    """The session's provider with fresh knobs; requests to it never go through a proxy."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    oidc_server.reset()
    return oidc_server


def follow_to_provider(url: str) -> str:
    """Let the provider answer an authorization request; return where it sends the browser."""
    import requests

    parts = urlsplit(url)
    assert parts.netloc.startswith("127.0.0.1:"), url
    response = requests.get(url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    return response.headers["Location"]
