"""Every setting, in one table: its environment variable, its default and what it
means. The settings table in docs/settings.md is tested against this one
(tests/test_settings.py), and everything that reads a setting reads it here.

Settings are read from the environment when asked for, so a test or the
supervisor can set them for a child process.
"""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.servers import action_secret

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Setting:
    variable: str
    default: str | None  # None: unset unless given
    meaning: str
    shown_default: str = ""  # how docs/settings.md shows a computed or empty default

    @property
    def docs_default(self) -> str:
        return self.shown_default or f"`{self.default}`"


TABLE: tuple[Setting, ...] = (
    Setting("HAIP_HOST", "127.0.0.1", "interface every server binds to"),
    Setting("HAIP_RASA_PORT", "5005", "Rasa server port"),
    Setting("HAIP_ACTIONS_PORT", "5055", "action server port"),
    Setting("HAIP_WEB_PORT", "8000", "port of the web chat (widget files and demo page)"),
    Setting("HAIP_TRACKER_DB", "var/tracker.db", "SQLite file holding conversations"),
    Setting("HAIP_REMINDERS_DB", "var/reminders.db", "SQLite file holding refill reminders"),
    Setting(
        "HAIP_TROUBLE_DB",
        None,
        "SQLite file recording which messages got the trouble message (ids and times only)",
        shown_default="`trouble.db` beside `HAIP_TRACKER_DB`",
    ),
    Setting("HAIP_CONTENT_DIR", "content", "where the clinic's content lives"),
    Setting("HAIP_MODELS_DIR", "models", "where trained models are kept"),
    Setting(
        "HAIP_CORE_PYTHON",
        ".venv/bin/python",
        "the Python every process but the Rasa server runs on (`make install` makes it)",
    ),
    Setting(
        "HAIP_RASA_PYTHON",
        ".venv-rasa/bin/python",
        "the Python the Rasa server, its training and the release gates run on (`make "
        "install` makes it; docs/security.md)",
    ),
    Setting(
        "HAIP_SOCKET_URL",
        None,
        "where browsers reach Rasa's socket.io; behind HTTPS, the public `https://` address",
        shown_default="the Rasa server",
    ),
    Setting(
        "HAIP_CORS_ORIGINS",
        None,
        "space-separated origins of the clinic pages that embed the widget, e.g. "
        "`https://www.example-clinic.org` (exact origins; never `*`). The web chat's own "
        "origin is always allowed. The socket.io channel refuses every other origin.",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_REPLY_LIMIT_SECONDS",
        "5",
        'how long a patient waits at most before the "trouble" message '
        "(see [Never silence](architecture.md#never-silence))",
    ),
    Setting("HAIP_REMINDER_POLL_SECONDS", "5", "how often the scheduler looks for due reminders"),
    Setting(
        "HAIP_CHAT_BURST",
        "10",
        "chat messages one connection, chat id or REST sender may send at once "
        '(past it, "please wait a moment"; see [Never silence](architecture.md#never-silence))',
    ),
    Setting(
        "HAIP_CHAT_PER_MINUTE",
        "20",
        "chat messages a minute one connection, chat id or REST sender may send after the burst",
    ),
    Setting(
        "HAIP_REMINDER_RETRY_SECONDS",
        "30",
        "delay before a failed reminder's first retry (it doubles, up to 15 minutes)",
    ),
    Setting("HAIP_STAFF_PORT", "8001", "port of the staff workspace (nurses' review, editors)"),
    Setting(
        "HAIP_STAFF_DB",
        "var/staff.db",
        "SQLite file of the staff workspace: accounts, the masked review log, notes, audit",
    ),
    Setting(
        "HAIP_STAFF_URL",
        None,
        "the workspace's public `https://` address behind nginx (secure cookies, CSRF origin)",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_CONTENT_HISTORY",
        "var/content.git",
        "git repository of the content's history: every save in the staff workspace is a commit",
    ),
    Setting(
        "HAIP_TRAINING_DIR",
        "var/training",
        "trainings asked for in the staff workspace: their record and build folders",
    ),
    Setting(
        "HAIP_STAFF_SESSION_MINUTES",
        "30",
        "a staff session ends after this many minutes without a request",
    ),
    Setting(
        "HAIP_STAFF_LOCAL_ACCOUNTS",
        "yes",
        "`yes`: staff may sign in with the workspace's own accounts (password and a second "
        "step); `no`: only with single sign-on, and superusers (break-glass; see "
        "[Signing in](staff-sign-in.md))",
    ),
    Setting(
        "HAIP_STAFF_OIDC_SERVER_URL",
        None,
        "single sign-on: the issuer address of the clinic's OpenID Connect provider "
        "(its `/.well-known/openid-configuration` is read); with none, no single sign-on",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_STAFF_OIDC_CLIENT_ID",
        None,
        "single sign-on: the workspace's client id at the provider",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_STAFF_OIDC_CLIENT_SECRET_FILE",
        None,
        "single sign-on: a file holding the client secret (never on a command line)",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_STAFF_OIDC_CLIENT_SECRET",
        None,
        "single sign-on: the client secret itself, if not in a file (from the environment only)",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_STAFF_OIDC_NAME",
        "the clinic's sign-in",
        'single sign-on: the provider\'s name on the button ("Sign in with ...")',
    ),
    Setting(
        "HAIP_STAFF_OIDC_ROLES",
        None,
        "single sign-on: `GROUP=ROLE` pairs, space-separated (`haip-nurses=nurse`): the "
        "provider's groups give these roles at each sign-in; with none, an admin gives roles",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_STAFF_OIDC_ROLES_CLAIM",
        "groups",
        "single sign-on: the claim (ID token or userinfo) that lists a person's groups",
    ),
    Setting(
        "HAIP_STAFF_SSO_REQUIRE_MFA",
        "no",
        "`no`: the clinic's provider is responsible for the second step of single sign-on; "
        "`yes`: SSO users also set up the workspace's own",
    ),
    Setting(
        "HAIP_PUBLIC_URL",
        None,
        "the chat's public `https://` address: the unsubscribe link in reminder e-mails, and "
        "the address Twilio signs for text messages",
        shown_default="the web chat",
    ),
    Setting(
        "HAIP_SMTP_HOST",
        None,
        "the clinic's SMTP server; with none, reminders are not offered by e-mail",
        shown_default="(none)",
    ),
    Setting("HAIP_SMTP_PORT", "587", "the SMTP server's port"),
    Setting(
        "HAIP_SMTP_STARTTLS",
        "yes",
        "`yes`: STARTTLS before logging in (`no` only for a server on 127.0.0.1)",
    ),
    Setting("HAIP_SMTP_USER", None, "the SMTP account, if the server needs one", "(none)"),
    Setting(
        "HAIP_SMTP_PASSWORD_FILE",
        None,
        "a file holding the SMTP password (never on a command line)",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_SMTP_PASSWORD",
        None,
        "the SMTP password itself, if not in a file (from the environment only)",
        shown_default="(none)",
    ),
    Setting("HAIP_SMTP_SENDER", None, "the From address of reminder e-mails", "(none)"),
    Setting(
        "HAIP_TWILIO_ACCOUNT_SID",
        None,
        "the Twilio account; with none, text messages are off and not offered",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_TWILIO_AUTH_TOKEN_FILE",
        None,
        "a file holding the Twilio auth token",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_TWILIO_AUTH_TOKEN",
        None,
        "the Twilio auth token itself, if not in a file (from the environment only)",
        shown_default="(none)",
    ),
    Setting(
        "HAIP_TWILIO_NUMBER", None, "the clinic's Twilio number, e.g. `+15555550100`", "(none)"
    ),
    Setting(
        "HAIP_TWILIO_API_URL",
        "https://api.twilio.com",
        "Twilio's API address (a test points it at a local stand-in)",
    ),
    Setting(
        "HAIP_POSTGRES_HOST",
        None,
        "scaling out: the PostgreSQL server holding conversations (Rasa's tracker store) and "
        "Rasa's event broker, instead of the SQLite file; needs `HAIP_REDIS_HOST` too. The "
        "password is read by libpq from the file `PGPASSFILE` names, never from a setting",
        shown_default="(none: SQLite)",
    ),
    Setting("HAIP_POSTGRES_PORT", "5432", "scaling out: PostgreSQL's port"),
    Setting("HAIP_POSTGRES_USER", "haip", "scaling out: PostgreSQL's role for the assistant"),
    Setting("HAIP_POSTGRES_DB", "haip", "scaling out: the database of Rasa's tracker store"),
    Setting(
        "HAIP_POSTGRES_EVENTS_DB",
        "haip_events",
        "scaling out: the database of Rasa's event broker, which the review log reads",
    ),
    Setting(
        "HAIP_REDIS_HOST",
        None,
        "scaling out: the Redis server of Rasa's lock store, so several Rasa servers share "
        "conversations one message at a time",
        shown_default="(none: in memory)",
    ),
    Setting("HAIP_REDIS_PORT", "6379", "scaling out: Redis's port"),
    Setting(
        "HAIP_REMINDER_LEAD_SECONDS",
        None,
        "test setting: remind this many seconds after a reminder is set, instead of the day before",
        shown_default="(none)",
    ),
)
BY_VARIABLE = {s.variable: s for s in TABLE}
# Set by the supervisor for its children, never by hand.
INTERNAL = {
    "HAIP_ACTION_ENDPOINT": "the action server's URL, for endpoints.yml",
    "HAIP_SOCKET_ORIGINS": "the origins the socket.io channel accepts, for credentials.yml",
    "HAIP_RASA_API_TOKEN": "Rasa's API token, for the processes that use the API",
    "HAIP_ACTIONS_SECRET": "the action server's secret, for it and for Rasa (endpoints.yml)",
    "HAIP_READY_FD": "the pipe on which a Rasa server tells the supervisor it takes connections",
}


def get(variable: str, env: Mapping[str, str] | None = None) -> str | None:
    """The setting's value: from the environment if set and not empty, else its default."""
    setting = BY_VARIABLE[variable]  # a KeyError here is a setting missing from TABLE
    value = (os.environ if env is None else env).get(variable)
    return value if value else setting.default


def path(variable: str, env: Mapping[str, str] | None = None) -> Path:
    """A file or folder setting; relative defaults are relative to the project."""
    value = Path(get(variable, env) or "")
    return (value if value.is_absolute() else ROOT / value).resolve()


def trouble_db(env: Mapping[str, str] | None = None, tracker_db: Path | None = None) -> Path:
    """The trouble log's file: beside the conversations (tracker_db, else the
    setting's) unless set, so a set-up that moves the tracker file (a test, a
    scratch run) moves it too."""
    if get("HAIP_TROUBLE_DB", env):
        return path("HAIP_TROUBLE_DB", env)
    return (tracker_db or path("HAIP_TRACKER_DB", env)).with_name("trouble.db")


def port(variable: str, env: Mapping[str, str] | None = None) -> int:
    raw = get(variable, env) or ""
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise SystemExit(f"{variable} must be a port number (1-65535), not {raw!r}")
    return int(raw)


def count(variable: str, env: Mapping[str, str] | None = None) -> int:
    raw = get(variable, env) or ""
    if not raw.isdigit() or not 0 < int(raw) <= 100_000:
        raise SystemExit(f"{variable} must be a whole number from 1 to 100,000, not {raw!r}")
    return int(raw)


def seconds(variable: str, env: Mapping[str, str] | None = None) -> float | None:
    raw = get(variable, env)
    if raw is None:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise SystemExit(f"{variable} must be a number of seconds, not {raw!r}") from None
    if not 0 <= value < 10**7:
        raise SystemExit(f"{variable} must be between 0 and 10,000,000 seconds, not {raw!r}")
    return value


@dataclass(frozen=True)
class ScaleOut:
    """PostgreSQL for conversations and events, Redis for locks: what lets several
    Rasa servers serve one clinic (docs/scaling-out.md)."""

    postgres_host: str
    postgres_port: int
    postgres_user: str
    tracker_db: str
    events_db: str
    redis_host: str
    redis_port: int

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ScaleOut | None:
        postgres, redis = get("HAIP_POSTGRES_HOST", env), get("HAIP_REDIS_HOST", env)
        if not postgres and not redis:
            return None
        if not (postgres and redis):
            # Several Rasa servers need both: the conversations in one place, and a
            # lock so two servers never take two messages of one conversation at once.
            raise SystemExit("HAIP_POSTGRES_HOST and HAIP_REDIS_HOST are set together, or neither")
        return cls(
            postgres_host=postgres,
            postgres_port=port("HAIP_POSTGRES_PORT", env),
            postgres_user=get("HAIP_POSTGRES_USER", env) or "haip",
            tracker_db=get("HAIP_POSTGRES_DB", env) or "haip",
            events_db=get("HAIP_POSTGRES_EVENTS_DB", env) or "haip_events",
            redis_host=redis,
            redis_port=port("HAIP_REDIS_PORT", env),
        )

    def dsn(self, db: str) -> str:
        """For psycopg2 (libpq): no password here; libpq reads PGPASSFILE."""
        return (
            f"host={self.postgres_host} port={self.postgres_port} "
            f"dbname={db} user={self.postgres_user}"
        )

    def rasa_environment(self) -> dict[str, str]:
        return {
            "HAIP_POSTGRES_HOST": self.postgres_host,
            "HAIP_POSTGRES_PORT": str(self.postgres_port),
            "HAIP_POSTGRES_USER": self.postgres_user,
            "HAIP_POSTGRES_DB": self.tracker_db,
            "HAIP_POSTGRES_EVENTS_DB": self.events_db,
            "HAIP_REDIS_HOST": self.redis_host,
            "HAIP_REDIS_PORT": str(self.redis_port),
        }


@dataclass(frozen=True)
class Settings:
    """What the servers need, read once from the environment."""

    host: str
    rasa_port: int
    actions_port: int
    tracker_db: Path
    reminders_db: Path
    reminder_poll_s: float
    web_port: int
    staff_port: int
    socket_url: str
    cors_origins: tuple[str, ...]
    scale_out: ScaleOut | None = None

    @property
    def endpoints_file(self) -> Path:
        """Rasa's endpoints: SQLite and one server, or PostgreSQL and Redis."""
        if self.scale_out is None:
            return ROOT / "endpoints.yml"
        return ROOT / "deploy" / "scale-out" / "endpoints.yml"

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    @property
    def web_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def staff_url(self) -> str:
        return f"http://{self.host}:{self.staff_port}"

    @property
    def socket_origins(self) -> tuple[str, ...]:
        """Pages that may open the chat's socket: the allowed origins, and the
        socket's own public address (behind HTTPS the web chat is served there)."""
        own = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(self.socket_url))
        return tuple(dict.fromkeys((*self.cors_origins, own)))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        host = get("HAIP_HOST", env) or "127.0.0.1"
        rasa_port, web_port = port("HAIP_RASA_PORT", env), port("HAIP_WEB_PORT", env)
        own_origins = (f"http://127.0.0.1:{web_port}", f"http://localhost:{web_port}")
        socket_url = get("HAIP_SOCKET_URL", env) or f"http://{host}:{rasa_port}"
        return cls(
            host=host,
            rasa_port=rasa_port,
            actions_port=port("HAIP_ACTIONS_PORT", env),
            tracker_db=path("HAIP_TRACKER_DB", env),
            reminders_db=path("HAIP_REMINDERS_DB", env),
            reminder_poll_s=seconds("HAIP_REMINDER_POLL_SECONDS", env) or 5,
            web_port=web_port,
            staff_port=port("HAIP_STAFF_PORT", env),
            socket_url=socket_url.rstrip("/"),
            cors_origins=tuple(
                dict.fromkeys(own_origins + tuple((get("HAIP_CORS_ORIGINS", env) or "").split()))
            ),
            scale_out=ScaleOut.from_env(env),
        )

    def rasa_environment(self) -> dict[str, str]:
        """What Rasa's own files read (endpoints.yml, credentials.yml) and what every
        process of ours needs, for the servers and for Rasa's own commands."""
        return {
            "HAIP_ACTION_ENDPOINT": f"{self.actions_url}/webhook",
            # endpoints.yml sends it; only the supervisor gives the real one, to the
            # action server and Rasa (bot/servers/action_secret.py).
            action_secret.VARIABLE: action_secret.NONE,
            "HAIP_TRACKER_DB": str(self.tracker_db),
            "HAIP_REMINDERS_DB": str(self.reminders_db),
            # rasa-sdk reads its bind address from here.
            "SANIC_HOST": self.host,
            # credentials.yml gives these to our socket.io channel (bot/rasa/channels.py).
            "HAIP_SOCKET_ORIGINS": " ".join(self.socket_origins),
            # Patient messages must not leave the machine.
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            **(self.scale_out.rasa_environment() if self.scale_out else {}),
        }


def docs_table() -> str:
    """The settings table of docs/settings.md, as this module defines it."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.variable}` | {s.docs_default} | {s.meaning} |" for s in TABLE]
    return "\n".join(rows)
