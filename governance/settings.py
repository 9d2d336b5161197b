"""Settings for the governance portal, read from the environment.

With no environment at all the portal runs on the embedded default: SQLite under var/,
Celery over kombu's filesystem transport under var/broker/, mail written to var/mail/.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from governance.env import (
    ConfigError,
    env_bool,
    env_database,
    env_int,
    env_list,
    env_path,
    env_str,
    env_timezone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
# In a checkout var/ sits beside manage.py. Installed, BASE_DIR is site-packages, no place for
# data: the operator names the folder.
IN_CHECKOUT = (BASE_DIR / "manage.py").is_file()
VAR_DIR = env_path("PORTAL_VAR_DIR", BASE_DIR / "var" if IN_CHECKOUT else None)
if VAR_DIR is None:
    raise ConfigError(
        "PORTAL_VAR_DIR", "is required when the portal runs from an installed package."
    )

DEBUG = env_bool("DEBUG", True)
# DEBUG as deployed: the test runner switches settings.DEBUG off, this stays what the
# environment said (seed_demo refuses on production).
PORTAL_PRODUCTION = not DEBUG
SECRET_KEY = env_str("SECRET_KEY", required=not DEBUG) or "insecure-dev-key-only-for-debug-mode"
if not DEBUG and (
    len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
):
    raise ConfigError("SECRET_KEY", "must be at least 50 random characters when DEBUG is false.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    raise ConfigError("ALLOWED_HOSTS", "is required when DEBUG is false.")
# Absolute links in mail and calendar feeds; `make run` sets it from PORT.
PORTAL_BASE_URL = env_url("PORTAL_BASE_URL", "http://127.0.0.1:8000")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [PORTAL_BASE_URL])
# The public status page (issue 21): its name and logo, and the address clients use for it (a
# custom domain served by this portal; links in client mail and feeds point there).
STATUS_PAGE_NAME = env_str("STATUS_PAGE_NAME", "Ingestion status")
STATUS_PAGE_LOGO_URL = env_str("STATUS_PAGE_LOGO_URL", "")
STATUS_PAGE_BASE_URL = env_url("STATUS_PAGE_BASE_URL", PORTAL_BASE_URL)
STATUS_PAGE_HISTORY_DAYS = env_int("STATUS_PAGE_HISTORY_DAYS", 90)
# Seconds a rendered public page is kept in the cache and clients may reuse it unasked.
STATUS_PAGE_CACHE_SECONDS = env_int("STATUS_PAGE_CACHE_SECONDS", 30)
if urlsplit(STATUS_PAGE_BASE_URL).hostname not in ALLOWED_HOSTS:
    ALLOWED_HOSTS = [*ALLOWED_HOSTS, urlsplit(STATUS_PAGE_BASE_URL).hostname]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "simple_history",
    "guardian",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_celery_beat",
    "governance",
    "rotations",
    "incidents",
    "governance.whatif",
]

MIDDLEWARE = [
    # Probes reach the process by its own address over plain HTTP: answered before the host
    # check and the HTTPS redirect.
    "governance.ops.health.HealthMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "governance.core.middleware.InputGuard",
    # The kill-switch poll needs nothing below (issue 16 point 6).
    "governance.killswitch.api.AnswerPollFirst",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "governance.core.middleware.DisplayZoneMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "governance.ops.two_factor.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    # Who holds which role is read once per request (issue 16 point 1).
    "governance.core.memo.MemoMiddleware",
]

ROOT_URLCONF = "governance.urls"
WSGI_APPLICATION = "governance.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {"default": env_database("DATABASE_URL", f"sqlite:///{VAR_DIR / 'portal.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # WAL lets the web process read while the worker writes; IMMEDIATE transactions and a
    # busy timeout make writers queue instead of failing with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked-out username and address before any password check.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_timezone("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

# The cache holds short-lived answers (the kill-switch status poll). Locally it is per
# process; production sets CACHE_URL to Redis so every web process shares it.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    if not CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ConfigError("CACHE_URL", f"must be a redis:// URL, got {CACHE_URL!r}.")
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Login throttling (django-axes): failures are counted per username *and* client address in the
# database (shared by every web process, listed and liftable in the admin under "Axes"), so an
# attacker elsewhere never locks the real user out of their own address. Failures during a
# lock-out are not counted, so guessing on cannot stretch the cool-off.
LOGIN_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
LOGIN_COOLOFF_SECONDS = env_int("LOGIN_COOLOFF_SECONDS", 900)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_COOLOFF_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "governance.ops.views.locked_out"
AXES_HTTP_RESPONSE_CODE = 429
# Behind N reverse proxies the client address is the Nth from the right of X-Forwarded-For
# (each proxy appends the address it saw); left-most entries are the client's to forge.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ConfigError("TRUSTED_PROXY_COUNT", "must be 0 or more.")
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR",)
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_PROXY_TRUSTED_IPS = env_list("TRUSTED_PROXY_IPS", []) or None
else:
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("REMOTE_ADDR",)

# Two-factor authentication (django-otp, TOTP with static backup codes): optional for everyone,
# required for staff and for the holders of the highest D9 authorities (governance/ops/two_factor)
# unless TWO_FACTOR_REQUIRED says otherwise; the local demo (DEBUG on) leaves it optional.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", not DEBUG)
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Governance portal")

# GET /metrics answers these client addresses without a token (e.g. the Prometheus server).
METRICS_ALLOWED_ADDRESSES = env_list("METRICS_ALLOWED_ADDRESSES", [])

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Production serves static files from the process itself (WhiteNoise), compressed and with
# content-hashed names after `collectstatic`; with DEBUG on nothing needs collecting.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# With DEBUG on, WhiteNoise serves straight from the apps' static folders, re-read on change.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_EDIT = False  # history is read-only (governance.core.admin.HistoryAdmin)
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Mail: with no SMTP host every message becomes an .eml file under var/mail/.
EMAIL_HOST = env_str("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 587)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
else:
    EMAIL_BACKEND = "governance.notifications.backends.EmlFileBackend"
EMAIL_FILE_PATH = env_path("EMAIL_FILE_PATH", VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "governance-portal@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# JSON request bodies (every API): size in bytes and nesting depth, refused with a JSON 400/413.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 256 * 1024)
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)

# Outbox delivery: attempts before a message is marked failed, and the first retry delay.
OUTBOX_MAX_ATTEMPTS = env_int("OUTBOX_MAX_ATTEMPTS", 6)
OUTBOX_RETRY_BASE_SECONDS = env_int("OUTBOX_RETRY_BASE_SECONDS", 60)
# A claimed message whose worker has not reported back within the lease is handed out again;
# well above the task time limit, so a live worker's send is never doubled.
OUTBOX_CLAIM_LEASE_SECONDS = env_int("OUTBOX_CLAIM_LEASE_SECONDS", 300)
# The right-hand side of every outbox Message-ID (derived from the message's dedupe key).
OUTBOX_MESSAGE_ID_DOMAIN = env_str("OUTBOX_MESSAGE_ID_DOMAIN", "governance-portal.invalid")
# The team whose channels carry D9 §7.1 events (#ingestion-rollout), and how long a page's
# one-click acknowledge link stays valid.
ROLLOUT_CHANNEL_TEAM = env_str("ROLLOUT_CHANNEL_TEAM", "ingestion")
ACKNOWLEDGE_LINK_MAX_AGE_HOURS = env_int("ACKNOWLEDGE_LINK_MAX_AGE_HOURS", 12)

# Incidents: the list standing in for #ingestion-rollout (D9 §7.1). When a post-incident review
# is due is policy data (`Severity.review_due_working_days`), not a setting.
INCIDENT_DISTRIBUTION_LIST = env_str("INCIDENT_DISTRIBUTION_LIST", "ingestion-rollout@example.com")

# Celery: Redis in production, kombu's filesystem transport as the embedded default.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Well under the broker's visibility timeout, so a stuck task never runs twice at once.
CELERY_TASK_SOFT_TIME_LIMIT = 50
CELERY_TASK_TIME_LIMIT = 60
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = "UTC"

# LOG_FORMAT=json writes one JSON object a line, for log shippers.
LOG_FORMAT = env_str("LOG_FORMAT", "text")
if LOG_FORMAT not in {"text", "json"}:
    raise ConfigError("LOG_FORMAT", f"must be text or json, got {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "governance.ops.logs.JsonLinesFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            **({"formatter": "json"} if LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Apprise's DEBUG lines print channel URLs with their tokens; never below INFO.
        "apprise": {"level": "INFO"},
        # axes logs every attempt at INFO; lock-outs are WARNING.
        "axes": {"level": "WARNING"},
    },
}

if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    X_FRAME_OPTIONS = "DENY"
