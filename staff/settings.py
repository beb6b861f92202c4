"""Django settings for the staff workspace. Every value a clinic may change is
read from bot/settings.py's table (HAIP_STAFF_*), so there is one list of settings."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bot import settings as haip

STAFF_DIR = Path(__file__).resolve().parent
DATABASE_FILE = haip.path("HAIP_STAFF_DB")


def _secret_key() -> str:
    """Made once per installation and kept beside the database, readable only by
    its owner: never in the environment or on a command line."""
    key_file = DATABASE_FILE.with_name("staff-secret.key")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = False

PUBLIC_URL = (haip.get("HAIP_STAFF_URL") or "").rstrip("/")
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS: list[str] = []
if PUBLIC_URL:
    ALLOWED_HOSTS.append(urlsplit(PUBLIC_URL).hostname or "")
    CSRF_TRUSTED_ORIGINS.append(PUBLIC_URL)
    # nginx ends TLS and says so in this header (deploy/nginx-staff.conf).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "axes",
    "staff.accounts",
    "staff.audit",
    "staff.review",
    "staff.editor",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "staff.headers.ContentSecurityPolicyMiddleware",
    "staff.clinic_time.ClinicTimeZoneMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, except that background checks are not activity (accounts/middleware.py).
    "staff.accounts.middleware.IdleSessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Every page and API needs a login unless a view says otherwise (only the
    # login page does).
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "staff.urls"
WSGI_APPLICATION = "staff.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [STAFF_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "staff.accounts.roles.context",
                "staff.clinic_time.context",
            ],
        },
    },
]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATABASE_FILE,
        "OPTIONS": {
            # The log follower writes while gunicorn's workers read and write:
            # WAL lets readers go on during a write, and a busy writer waits.
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
            " PRAGMA secure_delete=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Lock-out: five wrong passwords for one account from one address lock that
# account at that address for 20 minutes, or until an admin unlocks it (admin
# pages, or `python -m staff users unlock NAME`). Per address, so a stranger who
# knows a nurse's name cannot lock her out where she works; for a while, so a
# lock-out never lasts for good. nginx slows logins down besides
# (deploy/nginx-staff.conf, limit_req): guessing across many names is throttled.
AXES_FAILURE_LIMIT = 5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = timedelta(minutes=20)
AXES_CLIENT_IP_CALLABLE = "staff.accounts.client_address.address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "staff/locked_out.html"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "inbox"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(haip.get("HAIP_STAFF_SESSION_MINUTES") or 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Strict"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

STATIC_URL = "/static/"
STATICFILES_DIRS = [
    STAFF_DIR / "static",
    # Chart.js and axe-core from npm (package-lock.json), served from here: no CDN.
    ("vendor/chart.js", haip.ROOT / "node_modules" / "chart.js" / "dist"),
]
# WhiteNoise serves straight from the folders above, with no collectstatic step.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = False

LANGUAGE_CODE = "en-us"
# Stored times are UTC; pages show them on the clinic's clock (staff/clinic_time.py).
TIME_ZONE = "UTC"
USE_TZ = True
USE_I18N = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    # Request logs would carry search words (patient text) in query strings.
    "loggers": {"django.request": {"handlers": ["stderr"], "level": "ERROR"}},
}
