"""Settings, all from environment variables with safe defaults.

Embedded default (nothing set): SQLite file in the project directory, in-memory channel layer.
At scale: DATABASE_URL=postgres://..., REDIS_URL=redis://...
"""

import datetime
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def envint(name: str, default: int, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, got {value!r}") from None
    if number < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {number}")
    return number


def _secret_key() -> str:
    """SECRET_KEY from the environment, else from a local untracked file made on first use."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    path = Path(os.environ.get("SECRET_KEY_FILE", BASE_DIR / ".secret_key"))
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(50)
        path.write_text(key)
        path.chmod(0o600)
        return key


SECRET_KEY = _secret_key()
DEBUG = envbool("DEBUG", False)
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "django_htmx",
    "axes",  # login throttling (accounts/throttle.py)
    "accounts",
    "inventory",
    "operations",
    "api",
    "ninja",  # serves the API docs page's Swagger UI from static files, not a CDN
]

MIDDLEWARE = [
    "vcenter_web.middleware.refuse_nul_in_path",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "api.urls.api_errors_as_json",
    # Last, so it sees the flag its authentication backend sets on the pages and on POST /api/session.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "vcenter_web.urls"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.roles.roles",
            ],
        },
    },
]

ASGI_APPLICATION = "vcenter_web.asgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=0,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (web requests, later the engine runner) share one file: wait for the lock
    # instead of failing, and take the write lock at BEGIN so transactions never deadlock.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    # Tests use a file, not memory: a runner thread and a simworker process share it.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / ".test-db.sqlite3")}
elif DATABASE_POOL_MAX := envint("DATABASE_POOL_MAX", 0):
    # PostgreSQL at scale: a pool of up to this many connections per process (psycopg_pool, Django's
    # "pool" option) instead of a new connection for each request and each websocket lookup, which
    # on a busy 2-core machine made sockets time out in their handshake (docs/reliability.md).
    # Off by default; a request waits up to 30 s for a free connection.
    DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 1, "max_size": DATABASE_POOL_MAX, "timeout": 30}}

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # The pub/sub layer: the classic RedisChannelLayer ran out of connections at 200 sockets
    # (docs/architecture.md).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # REDIS_PREFIX keeps two deployments (or two test runs) on one Redis server apart:
            # pub/sub channels ignore the database number.
            "CONFIG": {"hosts": [REDIS_URL], "prefix": os.environ.get("REDIS_PREFIX", "asgi")},
        }
    }
else:
    # The embedded layer. Each web process has one hub channel that receives every watched lab's
    # batches: channels' default capacity (100 messages, then group_send drops silently) is 25 s
    # of one busy lab but under a second of 30 busy labs at 4 batches a second if the loop stalls;
    # 2,000 is 16 s of that. A message left unread for `expiry` takes the channel out of all its
    # groups, and a membership older than `group_expiry` (a day by default) ends: the hub's
    # memberships last as long as someone watches, so they do not expire. The subclass logs any
    # loss, and the hub's heartbeat re-binds and makes the pages resync (docs/architecture.md).
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "operations.live.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 2000, "expiry": 120, "group_expiry": 10 * 365 * 86400},
        }
    }
# Every LIVE_HEARTBEAT_S seconds each web process tells the sockets of the labs it serves how far
# their batches went; pages that lag resync, pages that hear nothing for three periods reconnect.
LIVE_HEARTBEAT_S = float(os.environ.get("LIVE_HEARTBEAT_S", "5"))

# --- Authentication and login throttling (django-axes) ---------------------------------------
# Failures are counted per user name AND client address together: a student who tries the
# instructor's password from their own machine locks only that pair, and the instructor still logs
# in from theirs. vCenter Single Sign-On's defaults: locked after 5 failures, unlocked after 5 min.
# A form login and POST /api/session (HTTP Basic) go through the same backend, so both count.
AUTHENTICATION_BACKENDS = [
    "accounts.throttle.ThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = datetime.timedelta(seconds=envint("LOGIN_LOCKOUT_S", 300))
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "accounts.throttle.client_address"
AXES_DISABLE_ACCESS_LOG = True  # successful logins are not recorded (no row per login)
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = []  # the log names the user and the address (never a password)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Bounded request sizes. REQUEST_BODY_MAX_BYTES is enforced before the body is read or spooled
# (vcenter_web/limits.py, in the ASGI application and in daphne); Django's own limit on what it
# parses stays below it.
REQUEST_BODY_MAX_BYTES = envint("REQUEST_BODY_MAX_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200

# Students' quotas (instructors have none): labs a student may own, and hosts and virtual
# machines in a lab a student owns. The defaults fit the scale preset's default lab (64 hosts, 640 VMs).
STUDENT_MAX_LABS = envint("STUDENT_MAX_LABS", 10)
STUDENT_MAX_HOSTS_PER_LAB = envint("STUDENT_MAX_HOSTS_PER_LAB", 64)
STUDENT_MAX_VMS_PER_LAB = envint("STUDENT_MAX_VMS_PER_LAB", 640)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False

MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# Errors of the runner and the live updates go to stderr (a failing step is logged and retried),
# and so does every server error with its traceback (django.request logs each 500 at ERROR; Django's
# own console handler prints only with DEBUG). Lockouts are logged by axes at WARNING.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "operations": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
        "api": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "axes": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
}

# --- Production profile: behind a TLS-terminating reverse proxy -------------------------------
# The classroom default is plain HTTP on a LAN. BEHIND_TLS_PROXY=1 is for a deployment where a
# proxy (nginx, Caddy, a load balancer) terminates HTTPS and forwards plain HTTP to daphne: it
# trusts the proxy's X-Forwarded-Proto (the proxy must set it, overwriting the client's),
# redirects HTTP to HTTPS, sends HSTS and marks the cookies Secure. `manage.py check --deploy` is
# clean with it (tests/api/test_deploy.py).
BEHIND_TLS_PROXY = envbool("BEHIND_TLS_PROXY", False)
# Client addresses (login throttling): behind N proxies, the address the outermost proxy saw is
# the N-th X-Forwarded-For entry from the right (the ones to its left can be forged by clients).
PROXY_HOPS = envint("PROXY_HOPS", 1 if BEHIND_TLS_PROXY else 0)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = envint("HSTS_SECONDS", 365 * 86400)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = envbool("HSTS_PRELOAD", False)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    if not SECURE_HSTS_PRELOAD:
        # Preloading puts the domain in the browsers' built-in lists, a decision for the domain's
        # owner (HSTS_PRELOAD=1), not a default.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
