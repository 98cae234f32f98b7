"""Claim Desk settings: the only settings module.

Every value that differs between a laptop and production comes from an environment variable, and
each one is listed in the README. Bad values raise ImproperlyConfigured at start-up rather than
surfacing later as odd behaviour.
"""

import os
from pathlib import Path

import dj_database_url
import orjson
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false (1/0, yes/no, on/off), not {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


DEBUG = env_bool("DEBUG", False)

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY and DEBUG:
    # Local development only: a fixed, obviously insecure key so sessions survive restarts.
    SECRET_KEY = "django-insecure-local-development-only"
# With DEBUG off, a missing SECRET_KEY is refused where it matters rather than here: the system
# check claims.E001 stops runserver, migrate and check; project/wsgi.py refuses to start; Django
# refuses to sign anything. Commands that only read files (extract_claims) still run without it.

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "claims",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "project.urls"
WSGI_APPLICATION = "project.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "project" / "templates"],
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

# SQLite in a git-ignored folder is the embedded default, so the demo needs nothing running.
# PostgreSQL, the production database, is selected with DATABASE_URL.
DATA_DIR = Path(os.environ.get("CLAIMDESK_DATA_DIR", BASE_DIR / "var"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    try:
        DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL we understand: {exc}"
        ) from exc
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            # CLAIMDESK_SQLITE_PATH: another file, e.g. the tests' database for a worker process.
            "NAME": Path(os.environ.get("CLAIMDESK_SQLITE_PATH", DATA_DIR / "claimdesk.sqlite3")),
            # A file, not memory, so that a worker process started by the tests sees their data;
            # one per test process, so that test runs side by side never share one.
            "TEST": {"NAME": DATA_DIR / f"test-claimdesk-{os.getpid()}.sqlite3"},
            # Wait for a concurrent writer (an import running beside the review UI) instead of
            # failing at once with "database is locked".
            # WAL lets the review UI read while an import writes; with synchronous=NORMAL a commit
            # no longer waits for fsync (the import commits once per article). A power cut can
            # lose the last commits but never corrupts the file, and re-running an import
            # restores them.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "claims:queue"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Without collectstatic (tests, the demo), serve straight from the app folders.
WHITENOISE_USE_FINDERS = DEBUG or env_bool("WHITENOISE_USE_FINDERS", False)

# Security: the values `manage.py check --deploy` asks for when DEBUG is off.
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Article import.
CLAIMDESK_MAX_IMPORT_BYTES = env_int("CLAIMDESK_MAX_IMPORT_BYTES", 5 * 1024 * 1024, minimum=1)

# Sign-off: "required" makes every verdict a proposal a second editor confirms before it is
# published; "off" (the default, so one editor can run the demo) applies verdicts at once.
CLAIMDESK_SIGNOFF = (os.environ.get("CLAIMDESK_SIGNOFF") or "off").strip().lower()
if CLAIMDESK_SIGNOFF not in {"off", "required"}:
    raise ImproperlyConfigured(
        f"CLAIMDESK_SIGNOFF must be off or required, not {os.environ['CLAIMDESK_SIGNOFF']!r}"
    )

# The API: reading is public unless CLAIMDESK_API_PUBLIC=0; writing always needs an editor.
CLAIMDESK_API_PUBLIC = env_bool("CLAIMDESK_API_PUBLIC", True)
# Repeated claims: match each imported article's claims against earlier ones (off only to
# measure what matching costs; `match_claims` backfills). Where it runs: CLAIMDESK_MATCH_QUEUED.
CLAIMDESK_MATCH_ON_IMPORT = env_bool("CLAIMDESK_MATCH_ON_IMPORT", True)
# Reverse proxies in front of the app that append to X-Forwarded-For (nginx, a load balancer).
CLAIMDESK_NUM_PROXIES = env_int("CLAIMDESK_NUM_PROXIES", 0)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "claims.permissions.ReadPublicWriteEditors"
        if CLAIMDESK_API_PUBLIC
        else "claims.permissions.ReadAuthenticatedWriteEditors"
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    # orjson: the same JSON as DRF's renderer, encoded several times faster (large claim pages).
    "DEFAULT_RENDERER_CLASSES": [
        "drf_orjson_renderer.renderers.ORJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # DRF reports errors in a list by index ({"evidence": {0: ...}}): write keys as strings, as
    # json does. UTC date-times end in "Z", as DRF's own encoder writes them.
    "ORJSON_RENDERER_OPTIONS": (orjson.OPT_NON_STR_KEYS, orjson.OPT_UTC_Z),
    "DEFAULT_PAGINATION_CLASS": "claims.api.pagination.IdCursorPagination",
    "PAGE_SIZE": 50,
    # Throttling is fair use, not security: it keeps one anonymous client from starving others.
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": os.environ.get("CLAIMDESK_ANON_RATE", "600/minute")},
    # Who the client is: with 0 proxies, the connection's address (REMOTE_ADDR). With N, the Nth
    # address from the right of X-Forwarded-For, the one our own proxies saw. Left unset, DRF
    # would take the whole header, which any client can set to a new value per request.
    "NUM_PROXIES": CLAIMDESK_NUM_PROXIES,
    # drf-spectacular's AutoSchema, plus the error answers every API view can give.
    "DEFAULT_SCHEMA_CLASS": "claims.openapi.ClaimDeskAutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Claim Desk API",
    "DESCRIPTION": "Status of fact claims extracted from news articles, with ClaimReview output.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One enum per choice set, named after its model, instead of "Kind266Enum".
    "ENUM_NAME_OVERRIDES": {
        "ClaimStatusEnum": "claims.models.Claim.Status",
        "ClaimKindEnum": "claims.models.Claim.Kind",
        "ActorKindEnum": "claims.models.Actor.Kind",
        "EvidenceStanceEnum": "claims.models.Evidence.Stance",
        "FigureKindEnum": "claims.models.Figure.Kind",
        "StatusChangeKindEnum": "claims.models.StatusChange.Kind",
    },
}
# The organisation named as author of published ClaimReviews (schema.org).
CLAIMDESK_PUBLISHER_NAME = os.environ.get("CLAIMDESK_PUBLISHER_NAME", "Claim Desk")

# The shared cache: Redis when configured (the API throttle then counts across gunicorn workers and
# machines), else each process's own memory (the demo needs nothing running).
REDIS_URL = os.environ.get("REDIS_URL", "") or os.environ.get("CACHE_URL", "")
if REDIS_URL and not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
    raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, not {REDIS_URL!r}")
CACHES = {
    "default": (
        {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "claimdesk",
            # A cache outage slows nothing down and fails nothing: the throttle lets requests by.
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# The job queue (Celery). With a broker, `celery -A project worker` runs jobs on any machine that
# reaches the broker and the database; without one, jobs run in the process that submits them.
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
if CELERY_BROKER_URL and "://" not in CELERY_BROKER_URL:
    raise ImproperlyConfigured(
        f"CELERY_BROKER_URL must be a broker URL such as redis://127.0.0.1:6379/0, "
        f"not {CELERY_BROKER_URL!r}"
    )
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"  # never used for delivery: eager jobs run at once
# Jobs keep their state in the database (ImportJob); Celery's own results are not needed.
CELERY_TASK_IGNORE_RESULT = True
# At-least-once delivery: a message is acknowledged only when its job has finished, and a worker
# process that dies hands its message back. A whole machine that dies is covered by the job lease
# (CLAIMDESK_JOB_LEASE_SECONDS), which the periodic `jobs_reclaim` task enforces.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CLAIMDESK_QUEUE", "claimdesk")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis hands an unacknowledged message to another worker after this long (its default is an
    # hour). Longer than any job's lease, so a job that is only slow is not run twice.
    "visibility_timeout": env_int("CLAIMDESK_VISIBILITY_TIMEOUT", 600, minimum=60),
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Celery's Django fix-up closes the database connection around every task unless told to reuse
# it; a new PostgreSQL connection per article cost a fifth of a worker's throughput. Reused, it is
# recycled every 500 tasks, and one that broke is replaced (close_old_connections on retry).
CELERY_DB_REUSE_MAX = 1000
CLAIMDESK_JOB_LEASE_SECONDS = env_int("CLAIMDESK_JOB_LEASE_SECONDS", 45, minimum=2)
CLAIMDESK_JOB_MAX_ATTEMPTS = env_int("CLAIMDESK_JOB_MAX_ATTEMPTS", 5, minimum=1)
CELERY_BEAT_SCHEDULE = {
    "feeds-poll-due": {"task": "claims.tasks.feeds_poll_due", "schedule": 30.0},
    "jobs-reclaim": {"task": "claims.tasks.jobs_reclaim", "schedule": 15.0},
    "webhooks-send-due": {"task": "claims.tasks.webhooks_send_due", "schedule": 30.0},
    "articles-match-pending": {"task": "claims.tasks.articles_match_pending", "schedule": 60.0},
}
# Repeated claims: with a job queue, an import queues the matching of its claims for a worker
# (the import does not wait for it); without one it runs in the import's transaction.
CLAIMDESK_MATCH_QUEUED = env_bool("CLAIMDESK_MATCH_QUEUED", not CELERY_TASK_ALWAYS_EAGER)

# Outbound fetching (links, feeds): loopback, private and link-local addresses are refused unless
# allowed (tests, a feed on the same network).
CLAIMDESK_FETCH_ALLOW_PRIVATE = env_bool("CLAIMDESK_FETCH_ALLOW_PRIVATE", False)
CLAIMDESK_FETCH_TIMEOUT = env_int("CLAIMDESK_FETCH_TIMEOUT", 20, minimum=1)
CLAIMDESK_FEED_EVERY_MINUTES = env_int("CLAIMDESK_FEED_EVERY_MINUTES", 15, minimum=1)
# A feed entry's page is fetched again this often while the entry is younger than the window:
# stories are updated most in their first day, and the import skips an unchanged text.
CLAIMDESK_FEED_RECHECK_MINUTES = env_int("CLAIMDESK_FEED_RECHECK_MINUTES", 60, minimum=1)
CLAIMDESK_FEED_RECHECK_HOURS = env_int("CLAIMDESK_FEED_RECHECK_HOURS", 24, minimum=0)
# Webhook POSTs follow the same address rules; a receiver gets this long to connect and answer.
CLAIMDESK_WEBHOOK_TIMEOUT = env_int("CLAIMDESK_WEBHOOK_TIMEOUT", 10, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
