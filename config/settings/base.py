"""Settings shared by every environment; values come from the environment (django-environ)."""

import datetime
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from .api import (  # noqa: F401 - settings of their own module, imported to be settings
    API_APPS,
    IDEMPOTENCY_KEY_HOURS,
    REST_FRAMEWORK,
    SPECTACULAR_SETTINGS,
)

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
env.read_env(BASE_DIR / ".env", overwrite=False) if (BASE_DIR / ".env").exists() else None

SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-key-change-me")
# Earlier secret keys, still accepted (sessions, and the account numbers' keys until re-encrypted).
SECRET_KEY_FALLBACKS = env.list("DJANGO_SECRET_KEY_FALLBACKS", default=[])
# Bank account numbers are encrypted at rest (django-fernet-encrypted-fields, Fernet): a key per
# secret key and salt, derived with PBKDF2; the first salt (and SECRET_KEY) encrypts, every one
# decrypts. To rotate, put a new salt first (or a new SECRET_KEY, the old one in the fallbacks)
# and run ``manage.py encrypt_again``; then the old one may go (README, Security).
SALT_KEY = env.list("FIELD_ENCRYPTION_SALTS", default=["refund-desk-account-numbers"])
DEBUG = env.bool("DJANGO_DEBUG", default=False)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",  # Django's widget templates, for the project's form renderer
    "django_tables2",
    "django_filters",
    "django_htmx",
    "accounts",
    "refunds",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    "django_ratelimit",
    "portal",
    *API_APPS,  # rest_framework, its token model, drf_spectacular and its vendored Swagger UI
]

MIDDLEWARE = [
    "config.requestlog.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "accounts.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.SessionTouchMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.SecondFactorMiddleware",
    "accounts.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

# Content Security Policy (django-csp): scripts, styles and everything else from this site
# only; no inline script anywhere. Inline style attributes (progress bar widths) are allowed.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-attr": ["'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Repeated failed logins lock the username from that address out (django-axes).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Reverse proxies in front of the web processes (0: none); the lockout then reads the browser's
# address from X-Forwarded-For as the outermost trusted proxy wrote it (accounts/client_ip.py).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "accounts.client_ip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

# Every form's fields in Bootstrap 5 markup, the widgets' own attributes kept.
FORM_RENDERER = "refunds.forms.rendering.BootstrapFormRenderer"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["refunds.templatetags.refunds_tags"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "portal.context_processors.portal",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'refund_desk.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
else:
    # JIT compilation costs ~70 ms a query above its cost threshold and pays off only for long
    # analytics; detection's chunk queries and the pages are short.
    # A page's statement never runs for minutes (DATABASE_STATEMENT_TIMEOUT_SECONDS, set for the
    # web processes only: docker-compose.yml): PostgreSQL cancels it and the page answers 500,
    # instead of holding a worker and its locks while the jobs need them.
    _statement_timeout = env.int("DATABASE_STATEMENT_TIMEOUT_SECONDS", default=0)
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off" + (
        f" -c statement_timeout={_statement_timeout}s" if _statement_timeout else ""
    )
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {  # ASVS 2.1.1: at least 12 characters (docs/security.md)
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", _("Japanese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
# Dates and times in one format in both languages (config/formats/<lang>/formats.py).
FORMAT_MODULE_PATH = ["config.formats"]
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env("DJANGO_STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(env("DJANGO_MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10000

# Celery: an empty broker URL means "run tasks in process" (the embedded default).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A broker that does not answer is given up on in seconds (refunds/queue.py: one quick retry).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
# Heavy jobs (imports, detection and its chunks) on a queue of their own, so that a worker of
# their own (at a lower CPU priority, one process: docker-compose.yml's ``worker-heavy``) runs
# them and the exports and dashboard figures the pages wait for never queue behind a
# 10,000,000-line import. Empty (the default): every task on Celery's default queue, for a
# single worker that consumes only that one.
CELERY_HEAVY_QUEUE = env.str("CELERY_HEAVY_QUEUE", default="")
CELERY_TASK_ROUTES = (
    {
        name: {"queue": CELERY_HEAVY_QUEUE}
        for name in (
            "refunds.import_batch",
            "refunds.detection_run",
            "refunds.detection_chunk",
            "refunds.detection_finish",
        )
    }
    if CELERY_HEAVY_QUEUE
    else {}
)

# The cache carries import progress between the worker and the web process. On Redis it is
# django-redis's, which answers "not cached" when Redis is down (IGNORE_EXCEPTIONS) instead of
# failing the page: the pages keep working from the database, only slower.
_CACHE = env.cache_url(
    "CACHE_URL",
    default=(
        CELERY_BROKER_URL
        if CELERY_BROKER_URL.startswith("redis")
        else f"filecache://{VAR_DIR / 'cache'}"
    ),
)
if _CACHE["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    _CACHE = {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": _CACHE["LOCATION"],
        "OPTIONS": {
            "IGNORE_EXCEPTIONS": True,
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 1,
        },
    }
# The portal's rate limits need a cache every web process shares, with atomic increments:
# Redis (django-redis) whenever there is one. Without Redis the embedded instance runs one web
# process, whose memory is shared by all its threads; django-ratelimit's check, which cannot
# know that, is told so below.
_RATELIMIT_CACHE = (
    _CACHE
    if _CACHE["BACKEND"] == "django_redis.cache.RedisCache"
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
)
# Template fragments that depend only on the language and the roles (the navigation): each
# web process draws them once and keeps them in its own memory.
_FRAGMENT_CACHE = {
    "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    "LOCATION": "fragments",
}
CACHES = {"default": _CACHE, "ratelimit": _RATELIMIT_CACHE, "fragments": _FRAGMENT_CACHE}
RATELIMIT_USE_CACHE = "ratelimit"
SILENCED_SYSTEM_CHECKS = (
    ["django_ratelimit.E003", "django_ratelimit.W001"]
    if _RATELIMIT_CACHE["BACKEND"] != "django_redis.cache.RedisCache"
    else []
)
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True

# Refund Desk settings
IMPORT_STALE_AFTER_SECONDS = env.int("IMPORT_STALE_AFTER_SECONDS", default=600)
IMPORT_CHUNK_ROWS = env.int("IMPORT_CHUNK_ROWS", default=5000)
# Row errors an import keeps to list (every one is counted); an all-or-nothing import stops
# reading once it has this many, since the file is refused whatever follows.
IMPORT_MAX_ERRORS = env.int("IMPORT_MAX_ERRORS", default=1000)
DETECTION_CHUNK_CONTRACTS = env.int("DETECTION_CHUNK_CONTRACTS", default=20000)
DETECTION_STALE_AFTER_SECONDS = env.int("DETECTION_STALE_AFTER_SECONDS", default=1800)
DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5-responsive.html"

LOG_FORMAT = env.str("LOG_FORMAT", default="plain")  # plain | json
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "config.requestlog.RequestIdFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        # One line per request from RequestIdMiddleware; runserver's own line is enough locally.
        "django.server": {"level": "WARNING"},
        # PDF letters and reports: WeasyPrint's progress and the font subsetter's glyph lists
        # are hundreds of INFO lines per document.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# Call center.
# The free-dial line: number and opening hours ("HH:MM-HH:MM", every day) unless a program sets
# its own. A callback is made only when the caller asked for one, at a time within the hours.
FREE_DIAL_NUMBER = env.str("FREE_DIAL_NUMBER", default="0120-000-000")
FREE_DIAL_HOURS = env.str("FREE_DIAL_HOURS", default="09:00-18:00")
# A callback promised while the line is open falls due this much later (still within hours).
CALLBACK_DELAY_MINUTES = env.int("CALLBACK_DELAY_MINUTES", default=60)
# Callbacks at a time the caller chose: the line's hours on a grid of this many minutes, at
# most this many callbacks due in one slot (a full slot is not offered).
CALLBACK_SLOT_MINUTES = env.int("CALLBACK_SLOT_MINUTES", default=30)
CALLBACKS_PER_SLOT = env.int("CALLBACKS_PER_SLOT", default=10)
# A complaint must have its outcome by the line's closing time this many days after it came.
COMPLAINT_DUE_DAYS = env.int("COMPLAINT_DUE_DAYS", default=3)
# Identity check (which answers and how many must match: the program's): it ends with the
# call, or after this many minutes without a step in it.
IDENTITY_CHECK_IDLE_MINUTES = env.int("IDENTITY_CHECK_IDLE_MINUTES", default=15)
# A call's pages keep its identity check alive, writing its time at most this often.
IDENTITY_CHECK_TOUCH_SECONDS = env.int("IDENTITY_CHECK_TOUCH_SECONDS", default=60)
# An open call with no step for this long is abandoned: the member page offers a new call.
CALL_ABANDONED_AFTER_MINUTES = env.int("CALL_ABANDONED_AFTER_MINUTES", default=60)
# Search results shown at most (a narrower query finds the rest).
SEARCH_RESULTS_LIMIT = env.int("SEARCH_RESULTS_LIMIT", default=50)

# Business days between a payment run's release and its transfer date (refunds.bankdays).
PAYMENT_LEAD_BUSINESS_DAYS = env.int("PAYMENT_LEAD_BUSINESS_DAYS", default=2)
# Payments: the company's own account for the Zengin 総合振込 file (half-width kana names).
# The examples make the demo's files; `check --deploy` fails until production sets its own
# (refunds.checks) and the payment run pages say which are missing.
ZENGIN_EXAMPLE = {
    "ZENGIN_CONSIGNOR_CODE": "0000000001",
    "ZENGIN_CONSIGNOR_NAME": "ｿﾆｰﾈﾂﾄ(ｶ",
    "ZENGIN_BANK_CODE": "0001",
    "ZENGIN_BANK_KANA": "ﾐｽﾞﾎ",
    "ZENGIN_BRANCH_CODE": "001",
    "ZENGIN_BRANCH_KANA": "ﾄｳｷﾖｳｴｲｷﾞﾖｳﾌﾞ",
    "ZENGIN_ACCOUNT_NUMBER": "0000001",
}
ZENGIN_CONSIGNOR_CODE = env.str("ZENGIN_CONSIGNOR_CODE", ZENGIN_EXAMPLE["ZENGIN_CONSIGNOR_CODE"])
ZENGIN_CONSIGNOR_NAME = env.str("ZENGIN_CONSIGNOR_NAME", ZENGIN_EXAMPLE["ZENGIN_CONSIGNOR_NAME"])
ZENGIN_BANK_CODE = env.str("ZENGIN_BANK_CODE", ZENGIN_EXAMPLE["ZENGIN_BANK_CODE"])
ZENGIN_BANK_KANA = env.str("ZENGIN_BANK_KANA", ZENGIN_EXAMPLE["ZENGIN_BANK_KANA"])
ZENGIN_BRANCH_CODE = env.str("ZENGIN_BRANCH_CODE", ZENGIN_EXAMPLE["ZENGIN_BRANCH_CODE"])
ZENGIN_BRANCH_KANA = env.str("ZENGIN_BRANCH_KANA", ZENGIN_EXAMPLE["ZENGIN_BRANCH_KANA"])
ZENGIN_ACCOUNT_TYPE = env.str("ZENGIN_ACCOUNT_TYPE", default="1")
ZENGIN_ACCOUNT_NUMBER = env.str("ZENGIN_ACCOUNT_NUMBER", ZENGIN_EXAMPLE["ZENGIN_ACCOUNT_NUMBER"])
# "crlf" (a record per line) or "none" (records back to back), as the bank asks.
ZENGIN_LINE_ENDING = env.str("ZENGIN_LINE_ENDING", default="crlf")
# The bank's result file: the byte of each data record that holds its 振込結果コード (1-based;
# 113, the 識別表示 the request leaves blank, unless the bank's layout names another).
ZENGIN_RESULT_CODE_BYTE = env.int("ZENGIN_RESULT_CODE_BYTE", default=113)

# Letters: reminders for unanswered category 2 cases, at most two, this many days apart.
REMINDER_AFTER_DAYS = env.int("REMINDER_AFTER_DAYS", default=30)
REMINDERS_MAX = env.int("REMINDERS_MAX", default=2)
# The sender printed on letters, and the most letters one run prints.
# The sender block of every letter and the return address of its claim form. The examples make
# the demo's letters; `check --deploy` fails until production sets its own, and production
# refuses to print letters without them (LETTER_SENDER_REQUIRED).
LETTER_SENDER_EXAMPLE = {
    "LETTER_SENDER_COMPANY": "ソネット株式会社（見本）",
    "LETTER_SENDER_DEPARTMENT": "返金対応窓口",
    "LETTER_SENDER_POSTAL_CODE": "100-0000",
    "LETTER_SENDER_ADDRESS": "東京都千代田区見本町1-1（見本）",
}
LETTER_SENDER_COMPANY = env.str(
    "LETTER_SENDER_COMPANY", LETTER_SENDER_EXAMPLE["LETTER_SENDER_COMPANY"]
)
LETTER_SENDER_DEPARTMENT = env.str(
    "LETTER_SENDER_DEPARTMENT", LETTER_SENDER_EXAMPLE["LETTER_SENDER_DEPARTMENT"]
)
LETTER_SENDER_POSTAL_CODE = env.str(
    "LETTER_SENDER_POSTAL_CODE", LETTER_SENDER_EXAMPLE["LETTER_SENDER_POSTAL_CODE"]
)
LETTER_SENDER_ADDRESS = env.str(
    "LETTER_SENDER_ADDRESS", LETTER_SENDER_EXAMPLE["LETTER_SENDER_ADDRESS"]
)
LETTER_SENDER_REQUIRED = env.bool("LETTER_SENDER_REQUIRED", default=False)
LETTER_RUN_LIMIT = env.int("LETTER_RUN_LIMIT", default=500)
# The member portal (/claim/): the address printed under each letter's QR code, how long a
# code lives when its program sets no claim deadline, and its limits. Wrong attempts are
# counted per code (the code locks until the call center lifts it), per address and over the
# whole portal (django-ratelimit windows on the "ratelimit" cache).
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
PORTAL_CODE_DEFAULT_DAYS = env.int("PORTAL_CODE_DEFAULT_DAYS", default=180)
PORTAL_CODE_FAILURE_LIMIT = env.int("PORTAL_CODE_FAILURE_LIMIT", default=5)
PORTAL_ADDRESS_RATE = env.str("PORTAL_ADDRESS_RATE", default="10/h")
PORTAL_OVERALL_RATE = env.str("PORTAL_OVERALL_RATE", default="1000/h")
PORTAL_REQUEST_RATE = env.str("PORTAL_REQUEST_RATE", default="5/h")
PORTAL_SESSION_SECONDS = env.int("PORTAL_SESSION_SECONDS", default=15 * 60)
# The account portal claims and requests are recorded by (it cannot sign in).
PORTAL_ACTOR_USERNAME = "portal"
# Cases one bulk approval considers (the review queue's filtered set, oldest first).
BULK_APPROVE_LIMIT = env.int("BULK_APPROVE_LIMIT", default=200)

# Dashboard and progress report.
# The largest file the upload page takes (bytes; a 10,000,000-line billing file is about 400 MB;
# larger files go through ``manage.py import_csv``). The proxy in front may set its own limit.
IMPORT_MAX_UPLOAD_BYTES = env.int("IMPORT_MAX_UPLOAD_BYTES", default=1024 * 2**20)
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
# Two-factor sign-in: the roles that give a code from an authenticator app (TOTP) after their
# password, set up on their first sign-in, with ten recovery codes. Supervisors and admins
# approve money and see everything; staff may be added (TWO_FACTOR_ROLES=staff,supervisor,admin).
TWO_FACTOR_ROLES = env.list("TWO_FACTOR_ROLES", default=["supervisor", "admin"])
OTP_TOTP_ISSUER = "Refund Desk"
OTP_TOTP_THROTTLE_FACTOR = 1  # after each wrong code, twice as long to wait before the next
# /readyz: the bearer token a monitor sends (signed-in users need none), and how long one
# answer of the database, broker and worker checks is reused.
HEALTH_TOKEN = env("HEALTH_TOKEN", default="")
HEALTH_CACHE_SECONDS = env.int("HEALTH_CACHE_SECONDS", default=5)
# The API's OpenAPI schema, generated once and kept this long (it changes with a release).
SCHEMA_CACHE_SECONDS = env.int("SCHEMA_CACHE_SECONDS", default=300)
# A claim not paid within this many days counts as past the target on the dashboard.
CASE_TARGET_DAYS = env.int("CASE_TARGET_DAYS", default=30)
# The progress report is generated and kept every this many days (Celery beat).
PROGRESS_REPORT_EVERY_DAYS = env.int("PROGRESS_REPORT_EVERY_DAYS", default=14)
CELERY_BEAT_SCHEDULE = {
    "progress-report": {
        "task": "refunds.progress_report",
        "schedule": datetime.timedelta(days=PROGRESS_REPORT_EVERY_DAYS),
    },
    # The audit log's hash chain takes in the events of the last minute.
    "audit-seal": {"task": "refunds.audit_seal", "schedule": datetime.timedelta(minutes=1)},
    # Imports and exports left queued with no worker to take them are failed.
    "jobs-fail-stale": {
        "task": "refunds.jobs_fail_stale",
        "schedule": datetime.timedelta(minutes=5),
    },
}
# A job queued this long without a worker taking it is failed (refunds/services/jobs.py).
JOB_QUEUE_TIMEOUT_SECONDS = env.int("JOB_QUEUE_TIMEOUT_SECONDS", default=900)
# An export of more rows than this runs in the background with a progress page.
EXPORT_SYNC_LIMIT = env.int("EXPORT_SYNC_LIMIT", default=50_000)
# An export of unmasked personal data of more rows than this asks why (it is logged anyway).
EXPORT_REASON_ABOVE = env.int("EXPORT_REASON_ABOVE", default=1_000)

# Sessions are read from the cache (Redis where there is one) and written through to the
# database: a page reads no session row; a cache that is down or was emptied falls back to
# the row.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# Sessions end after this many idle minutes; every request starts the count again.
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_MINUTES", default=30) * 60
# A used session is written at most once a minute (accounts.middleware.SessionTouchMiddleware),
# not on every request: the idle timeout still holds, to within that minute.
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = env.int("SESSION_TOUCH_SECONDS", default=60)
# Personal data of closed cases is due for deletion this many years after the case closed.
RETENTION_YEARS = env.int("RETENTION_YEARS", default=5)
