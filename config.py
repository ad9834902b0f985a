"""Configuration classes, read from plain environment variables.

Development and Production honour ``DATABASE_URL``; Testing never reads it (a test run
would wipe that database) and uses ``TEST_DATABASE_URL`` or a temporary SQLite file.
"""

import os
import tempfile
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env_int(name: str, default: int) -> int:
    """Read an integer environment variable, falling back to ``default``."""
    value = os.environ.get(name)
    return int(value) if value else default


def normalise_database_url(url: str) -> str:
    """Make PostgreSQL URLs name the psycopg 3 driver explicitly."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def sqlite_synchronous() -> str:
    """SQLite's ``synchronous`` setting: FULL (default: a commit is on disk before the answer,
    so an acknowledged save survives a power cut) or NORMAL (WAL still keeps every commit
    through a crash of the app or a killed worker; a power cut or an OS crash may lose the
    last commits before the next checkpoint). docs/benchmarks.md measures both."""
    value = os.environ.get("SQLITE_SYNCHRONOUS", "FULL").upper()
    if value not in ("FULL", "NORMAL"):
        raise RuntimeError(f"SQLITE_SYNCHRONOUS must be FULL or NORMAL, not {value!r}")
    return value


class Config:
    """Settings shared by every environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    SQLALCHEMY_DATABASE_URI = ""
    #: connections kept per app process (a gunicorn worker): one per thread that may hold one
    #: at a time, so DATABASE_POOL_SIZE = threads per worker is enough; PostgreSQL then needs
    #: max_connections >= servers x workers x (pool size + overflow) (docs/operations.md)
    SQLALCHEMY_ENGINE_OPTIONS: dict = {
        "pool_pre_ping": True,
        "pool_size": _env_int("DATABASE_POOL_SIZE", 5),
        "max_overflow": _env_int("DATABASE_MAX_OVERFLOW", 5),
    }
    SQLITE_BUSY_TIMEOUT_MS = 5000

    # Bootstrap from the installed Bootstrap-Flask wheel: no request leaves the intranet.
    BOOTSTRAP_SERVE_LOCAL = True
    BABEL_DEFAULT_LOCALE = "zh_CN"
    BABEL_DEFAULT_TIMEZONE = os.environ.get("SKILLGRID_TIMEZONE", "Asia/Shanghai")
    LANGUAGES = ("zh_CN", "en")

    # A quiz page can stay open for hours; a one-hour CSRF token would fail its submit.
    WTF_CSRF_TIME_LIMIT = 12 * 3600

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    #: Redis down: count in each process's memory until it answers again (a limit then holds per
    #: app process instead of across them) rather than failing the sign-in (docs/operations.md)
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    #: failed logins allowed per account and per client address
    LOGIN_LIMIT_ACCOUNT = os.environ.get("LOGIN_LIMIT_ACCOUNT", "5 per minute")
    LOGIN_LIMIT_ADDRESS = os.environ.get("LOGIN_LIMIT_ADDRESS", "20 per minute")
    REDIS_URL = os.environ.get("REDIS_URL", "")
    #: customer ratings (docs/customer-ratings.md): ratings sent per kiosk device and per
    #: client address (kiosk and receipt), counted in RATELIMIT_STORAGE_URI like sign-ins
    RATINGS_LIMIT_DEVICE = os.environ.get("RATINGS_LIMIT_DEVICE", "4 per minute;60 per hour")
    RATINGS_LIMIT_ADDRESS = os.environ.get("RATINGS_LIMIT_ADDRESS", "20 per minute;300 per hour")
    #: days a receipt's link may be used to rate; the indicator ratings feed
    RATINGS_RECEIPT_DAYS = _env_int("RATINGS_RECEIPT_DAYS", 7)
    RATINGS_INDICATOR = os.environ.get("RATINGS_INDICATOR", "K01")
    #: seconds the kiosk's thanks stays before the next customer's form
    RATINGS_RESET_SECONDS = _env_int("RATINGS_RESET_SECONDS", 8)

    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 32 * 1024 * 1024)
    #: failed sign-ins (any method, per account) within LOGIN_LOCKOUT_WINDOW_MINUTES that lock
    #: the account for LOGIN_LOCKOUT_MINUTES; kept in the database, so every server agrees
    LOGIN_LOCKOUT_FAILURES = _env_int("LOGIN_LOCKOUT_FAILURES", 10)
    LOGIN_LOCKOUT_WINDOW_MINUTES = _env_int("LOGIN_LOCKOUT_WINDOW_MINUTES", 15)
    LOGIN_LOCKOUT_MINUTES = _env_int("LOGIN_LOCKOUT_MINUTES", 15)
    #: Strict-Transport-Security max-age in seconds; 0 = not sent (development over plain http)
    HSTS_SECONDS = 0
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True

    #: number of reverse proxies in front of the app (ProxyFix); 0 = none
    PROXY_COUNT = _env_int("PROXY_COUNT", 0)
    PAGE_SIZE = 50
    #: hours a person's API token (POST /api/v1/tokens) stays valid
    API_TOKEN_HOURS = _env_int("API_TOKEN_HOURS", 24)

    #: email backend: smtp, console, file or locmem; empty = locmem under tests, smtp when
    #: MAIL_SERVER is set, else console (mail printed to the log of `flask notify send-due`)
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "")
    #: SMTP server for notices; empty = no SMTP
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    #: "1" = STARTTLS on the SMTP connection
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "") == "1"
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "skillgrid@localhost")
    #: base URL put in emailed links and certificates (e.g. https://skillgrid.example.cn)
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")
    #: course files (images, PDF, MP4): empty = in the database; else a folder every app
    #: server shares (NFS/SMB mount)
    COURSE_FILES_FOLDER = os.environ.get("COURSE_FILES_FOLDER", "")
    #: largest course file accepted, in bytes (also bounded by MAX_CONTENT_LENGTH)
    COURSE_FILE_MAX_BYTES = _env_int("COURSE_FILE_MAX_BYTES", 30 * 1024 * 1024)
    #: a "due soon" notice goes out this many days before an assignment's due date
    COURSE_DUE_SOON_DAYS = _env_int("COURSE_DUE_SOON_DAYS", 7)
    #: a certificate counts as "expiring soon" (and is announced) this many days before expiry
    COURSE_EXPIRING_SOON_DAYS = _env_int("COURSE_EXPIRING_SOON_DAYS", 30)
    #: days given to recertify once a certificate has expired and the course is re-opened
    COURSE_RECERT_DUE_DAYS = _env_int("COURSE_RECERT_DUE_DAYS", 30)

    # -- sign-in: local passwords, LDAP / Active Directory, OpenID Connect (docs/operations.md)
    #: sign-in methods the login page offers, comma-separated: local, ldap, oidc
    LOGIN_METHODS = os.environ.get("LOGIN_METHODS", "local")
    #: the directory server: ldaps://dc.corp.example:636, or ldap://... with LDAP_USE_STARTTLS=1
    LDAP_URL = os.environ.get("LDAP_URL", "")
    #: "1" = upgrade an ldap:// connection with StartTLS before sending any password
    LDAP_USE_STARTTLS = os.environ.get("LDAP_USE_STARTTLS", "") in ("1", "true", "yes")
    #: CA bundle that signed the directory's certificate; empty = the system's trust store
    LDAP_CA_CERT_FILE = os.environ.get("LDAP_CA_CERT_FILE", "")
    #: seconds to wait for the directory to connect or answer before showing "unavailable"
    LDAP_TIMEOUT = os.environ.get("LDAP_TIMEOUT", "5")
    #: service account for search-then-bind; empty = anonymous search (or template binds)
    LDAP_BIND_DN = os.environ.get("LDAP_BIND_DN", "")
    LDAP_BIND_PASSWORD = os.environ.get("LDAP_BIND_PASSWORD", "")
    #: bind directly as the user: "uid={username},ou=people,dc=corp" or "{username}@corp.example"
    LDAP_USER_DN_TEMPLATE = os.environ.get("LDAP_USER_DN_TEMPLATE", "")
    #: where users are searched, and the filter that finds one by what they typed
    LDAP_USER_BASE = os.environ.get("LDAP_USER_BASE", "")
    LDAP_USER_FILTER = os.environ.get("LDAP_USER_FILTER", "(uid={username})")
    #: directory attributes copied to the account at each sign-in
    LDAP_ATTR_EMPLOYEE_NO = os.environ.get("LDAP_ATTR_EMPLOYEE_NO", "employeeNumber")
    LDAP_ATTR_NAME = os.environ.get("LDAP_ATTR_NAME", "displayName")
    LDAP_ATTR_EMAIL = os.environ.get("LDAP_ATTR_EMAIL", "mail")
    #: attribute holding the department path from the company root ("公司/分中心/营业厅"), or
    #: "dn" to take the OU components of the user's DN; empty = departments are kept as set here
    LDAP_DEPARTMENT_ATTRIBUTE = os.environ.get("LDAP_DEPARTMENT_ATTRIBUTE", "")
    #: separator between department names in that attribute
    LDAP_DEPARTMENT_SEPARATOR = os.environ.get("LDAP_DEPARTMENT_SEPARATOR", "/")
    #: how groups are found: ad (nested via 1.2.840.113556.1.4.1941), memberof (the user's
    #: memberOf, walked upwards), member (groups listing the user, walked upwards)
    LDAP_GROUP_MEMBERSHIP = os.environ.get("LDAP_GROUP_MEMBERSHIP", "member")
    LDAP_GROUP_BASE = os.environ.get("LDAP_GROUP_BASE", "")
    LDAP_GROUP_FILTER = os.environ.get(
        "LDAP_GROUP_FILTER",
        "(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames))",
    )
    #: how many levels of nested groups memberof/member walk
    LDAP_GROUP_NESTING_DEPTH = os.environ.get("LDAP_GROUP_NESTING_DEPTH", "5")
    #: a filter a user entry must match to sign in, e.g. "(!(employeeType=left))"; AD's
    #: userAccountControl "disabled" bit is always honoured
    LDAP_ACTIVE_FILTER = os.environ.get("LDAP_ACTIVE_FILTER", "")
    #: JSON: group DN or name -> roles and at most one job-role code, e.g.
    #: {"CN=SG-Admins,OU=Groups,DC=corp,DC=example": ["admin"], "SG-Counter": ["staff", "CTR"]}
    LDAP_GROUP_ROLE_MAP = os.environ.get("LDAP_GROUP_ROLE_MAP", "")
    #: the provider's discovery document, e.g. https://sso.example/realms/corp/.well-known/...
    OIDC_DISCOVERY_URL = os.environ.get("OIDC_DISCOVERY_URL", "")
    OIDC_CLIENT_ID = os.environ.get("OIDC_CLIENT_ID", "")
    OIDC_CLIENT_SECRET = os.environ.get("OIDC_CLIENT_SECRET", "")
    OIDC_SCOPES = os.environ.get("OIDC_SCOPES", "openid profile email")
    #: shown on the button, "Sign in with <name>"; empty = "single sign-on"
    OIDC_PROVIDER_NAME = os.environ.get("OIDC_PROVIDER_NAME", "")
    #: the callback URL registered at the provider; empty = derived from the request (ProxyFix)
    OIDC_REDIRECT_URI = os.environ.get("OIDC_REDIRECT_URI", "")
    #: seconds to wait for the provider's discovery, keys and token endpoints
    OIDC_TIMEOUT = os.environ.get("OIDC_TIMEOUT", "5")
    #: ID-token claims (a dotted path reaches nested claims, e.g. realm_access.roles)
    OIDC_CLAIM_EMPLOYEE_NO = os.environ.get("OIDC_CLAIM_EMPLOYEE_NO", "preferred_username")
    OIDC_CLAIM_NAME = os.environ.get("OIDC_CLAIM_NAME", "name")
    OIDC_CLAIM_EMAIL = os.environ.get("OIDC_CLAIM_EMAIL", "email")
    #: claim holding the department path; empty = departments are kept as set here
    OIDC_CLAIM_DEPARTMENT = os.environ.get("OIDC_CLAIM_DEPARTMENT", "")
    OIDC_DEPARTMENT_SEPARATOR = os.environ.get("OIDC_DEPARTMENT_SEPARATOR", "/")
    OIDC_GROUPS_CLAIM = os.environ.get("OIDC_GROUPS_CLAIM", "groups")
    #: JSON: group name (as in the groups claim) -> roles and at most one job-role code
    OIDC_GROUP_ROLE_MAP = os.environ.get("OIDC_GROUP_ROLE_MAP", "")


class DevelopmentConfig(Config):
    """Local development: a SQLite file under ``instance/`` unless DATABASE_URL is set."""

    DEBUG = False
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'skillgrid.db'}")
    )


class TestingConfig(Config):
    """The test suite: TEST_DATABASE_URL or a temporary SQLite file, never DATABASE_URL."""

    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105 - fixed key for reproducible tests
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    LOGIN_METHODS = "local"  # a developer's LOGIN_METHODS must not change the suite
    # A file, not ":memory:": the live-server and concurrency tests need real connections.
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL")
        or f"sqlite:///{Path(tempfile.gettempdir()) / f'skillgrid-test-{os.getpid()}.db'}"
    )


class ProductionConfig(Config):
    """Production: refuses to start without SECRET_KEY and DATABASE_URL."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = _env_int("HSTS_SECONDS", 365 * 24 * 3600)
    PROXY_COUNT = _env_int("PROXY_COUNT", 1)

    def __init__(self) -> None:
        missing = [name for name in ("SECRET_KEY", "DATABASE_URL") if not os.environ.get(name)]
        if missing:
            raise RuntimeError(
                "Production configuration needs these environment variables: " + ", ".join(missing)
            )
        self.SECRET_KEY = os.environ["SECRET_KEY"]
        self.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ["DATABASE_URL"])


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def config_from_env() -> type[Config] | Config:
    """Pick the configuration named by SKILLGRID_ENV (default: development)."""
    name = os.environ.get("SKILLGRID_ENV", "development")
    try:
        cls = CONFIGS[name]
    except KeyError:
        raise RuntimeError(
            f"Unknown SKILLGRID_ENV {name!r}; use one of {sorted(CONFIGS)}"
        ) from None
    return cls() if cls is ProductionConfig else cls


class BenchConfig(DevelopmentConfig):
    """Benchmarks (``make bench``, SKILLGRID_ENV=bench): development plus the ceiling endpoints.

    Never deployed: the ceilings are public endpoints that write to a scratch table.
    """

    BENCH_ENDPOINTS = True
    # Every simulated person signs in from 127.0.0.1.
    LOGIN_LIMIT_ADDRESS = os.environ.get("LOGIN_LIMIT_ADDRESS", "1000000 per minute")


CONFIGS["bench"] = BenchConfig
