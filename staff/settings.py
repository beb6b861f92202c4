"""Django settings for the staff workspace. Every value a clinic may change is
read from bot/settings.py's table (HAIP_STAFF_*), so there is one list of settings."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from bot import settings as haip
from staff.accounts import sign_in

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
    # allauth's list of passkeys uses its template filters.
    "django.contrib.humanize",
    "axes",
    # Sign-in (staff/accounts/sign_in.py, docs/staff-sign-in.md): a second step for
    # every local account (TOTP, passkeys, recovery codes) and the clinic's OpenID
    # Connect provider.
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
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
    "allauth.account.middleware.AccountMiddleware",
    # No staff page before the second step: set up or passed (staff/accounts/mfa.py).
    "staff.accounts.mfa.SecondStepMiddleware",
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
    # allauth's (passwords of local accounts, unless they are turned off).
    "staff.accounts.backends.StaffBackend",
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

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:signed-in"
LOGOUT_REDIRECT_URL = "accounts:login"

# django-allauth: sign-in with a name and password, then a second step; single
# sign-on with the clinic's provider. Nobody signs themselves up: admins add
# local accounts, and the provider's people get one at their first sign-on, with
# no role unless HAIP_STAFF_OIDC_ROLES maps their groups to one.
STAFF_LOCAL_ACCOUNTS = sign_in.local_accounts()
STAFF_SSO_REQUIRE_MFA = sign_in.sso_requires_our_mfa()
STAFF_OIDC_ORIGIN = sign_in.provider_origin()
ACCOUNT_ADAPTER = "staff.accounts.adapters.AccountAdapter"
SOCIALACCOUNT_ADAPTER = "staff.accounts.adapters.SocialAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_FORMS = {"login": "staff.accounts.forms.StaffLoginForm"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
# An e-mail address is contact information here, never a way in: two accounts may
# share one (a workspace account and the same person's single sign-on), and a
# sign-on never joins an account because an address matches.
ACCOUNT_UNIQUE_EMAIL = False
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False
ACCOUNT_SESSION_REMEMBER = False  # every session ends when the browser closes
ACCOUNT_LOGOUT_REDIRECT_URL = "accounts:login"
# django-axes locks an account at an address after 5 failures (its page says so);
# allauth's own limits stay as a looser backstop, also for second-step codes.
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip,10/300s/key"}
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {"APPS": sign_in.oidc_apps(), "OAUTH_PKCE_ENABLED": True}
}
SOCIALACCOUNT_AUTO_SIGNUP = True
SOCIALACCOUNT_EMAIL_REQUIRED = False
SOCIALACCOUNT_STORE_TOKENS = False  # the provider's tokens are not kept
SOCIALACCOUNT_LOGIN_ON_GET = False  # the button posts (CSRF-protected)
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_TOTP_ISSUER = "HAI pump staff"
# One 30-second step either side: phones' clocks drift. A code works once.
MFA_TOTP_TOLERANCE = 1
MFA_ALLOW_UNVERIFIED_EMAIL = True  # e-mail is no way in here
MFA_FORMS = {"authenticate": "staff.accounts.mfa.AuthenticateForm"}
# Rate limits and used TOTP codes must be seen by every gunicorn worker: a cache
# in the database, not in each process's memory (`python -m staff migrate` makes it).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "staff_cache",
    }
}
SESSION_COOKIE_AGE = int(haip.get("HAIP_STAFF_SESSION_MINUTES") or 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # the age counts from the last request
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
# Strict, except with single sign-on: the provider sends the browser back to the
# workspace from its own site, and the session must come along (Lax still keeps
# the cookie off other sites' posts, and every form carries a CSRF token).
SESSION_COOKIE_SAMESITE = "Lax" if sign_in.oidc_configured() else "Strict"
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
