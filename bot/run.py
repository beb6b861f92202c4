"""Start the action server and the Rasa server in the foreground, and stop both
on Ctrl-C (SIGINT) or SIGTERM.

Settings come from the environment (see README):
  HAIP_HOST           interface both servers bind to (default 127.0.0.1)
  HAIP_RASA_PORT      Rasa server port (default 5005)
  HAIP_ACTIONS_PORT   action server port (default 5055)
  HAIP_TRACKER_DB     SQLite file for conversations (default var/tracker.db)
  HAIP_REMINDERS_DB   SQLite file for refill reminders (default var/reminders.db)
  HAIP_REMINDER_POLL_SECONDS  how often due reminders are checked (default 5)
  HAIP_WEB_PORT       port of the chat widget and demo clinic page (default 8000)
  HAIP_SOCKET_URL     where browsers reach Rasa's socket.io (default: the Rasa
                      server; behind HTTPS, the public https:// address)
  HAIP_CORS_ORIGINS   space-separated origins of the pages that embed the widget
                      (the widget's own server is always allowed)

Rasa's HTTP API is on (the reminder scheduler uses it) but needs a token that is
made anew at every start and never printed.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bot import paths

READY_TIMEOUT_S = 300


@dataclass(frozen=True)
class Settings:
    host: str
    rasa_port: int
    actions_port: int
    tracker_db: Path
    reminders_db: Path
    reminder_poll_s: float
    web_port: int
    socket_url: str
    cors_origins: tuple[str, ...]

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
    def socket_origins(self) -> tuple[str, ...]:
        """Pages that may open the chat's socket: the allowed origins, and the
        socket's own public address (behind HTTPS the web chat is served there)."""
        own = "{0.scheme}://{0.netloc}".format(urllib.parse.urlsplit(self.socket_url))
        return tuple(dict.fromkeys((*self.cors_origins, own)))

    @classmethod
    def from_env(cls, env: dict[str, str] | os._Environ = os.environ) -> Settings:
        def port(name: str, default: int) -> int:
            raw = env.get(name) or str(default)
            if not raw.isdigit() or not 0 < int(raw) < 65536:
                raise SystemExit(f"{name} must be a port number (1-65535), not {raw!r}")
            return int(raw)

        host = env.get("HAIP_HOST") or "127.0.0.1"
        rasa_port, web_port = port("HAIP_RASA_PORT", 5005), port("HAIP_WEB_PORT", 8000)
        own_origins = (f"http://127.0.0.1:{web_port}", f"http://localhost:{web_port}")
        return cls(
            host=host,
            rasa_port=rasa_port,
            actions_port=port("HAIP_ACTIONS_PORT", 5055),
            tracker_db=Path(env.get("HAIP_TRACKER_DB") or paths.VAR_DIR / "tracker.db").resolve(),
            reminders_db=Path(
                env.get("HAIP_REMINDERS_DB") or paths.VAR_DIR / "reminders.db"
            ).resolve(),
            reminder_poll_s=float(env.get("HAIP_REMINDER_POLL_SECONDS") or 5),
            web_port=web_port,
            socket_url=(env.get("HAIP_SOCKET_URL") or f"http://{host}:{rasa_port}").rstrip("/"),
            cors_origins=tuple(
                dict.fromkeys(own_origins + tuple((env.get("HAIP_CORS_ORIGINS") or "").split()))
            ),
        )


def child_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "HAIP_ACTION_ENDPOINT": f"{settings.actions_url}/webhook",
            "HAIP_TRACKER_DB": str(settings.tracker_db),
            "HAIP_REMINDERS_DB": str(settings.reminders_db),
            # rasa-sdk reads its bind address from here.
            "SANIC_HOST": settings.host,
            # credentials.yml gives these to our socket.io channel (bot/channels.py).
            "HAIP_SOCKET_ORIGINS": " ".join(settings.socket_origins),
            # Patient messages must not leave the machine.
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
        }
    )
    return env


def commands(settings: Settings, model: Path, api_token: str) -> dict[str, list[str]]:
    rasa = [sys.executable, "-m", "rasa"]
    cors = [arg for origin in settings.cors_origins for arg in ("--cors", origin)]
    return {
        "action server": rasa
        + ["run", "actions", "--actions", "actions", "--port", str(settings.actions_port)],
        "rasa server": rasa
        + [
            "run",
            "--model",
            str(model),
            "--interface",
            settings.host,
            "--port",
            str(settings.rasa_port),
            "--credentials",
            "credentials.yml",
            "--endpoints",
            "endpoints.yml",
            *cors,
            "--enable-api",
            # "=" form: a value is never read as an option, whatever it starts with.
            f"--auth-token={api_token}",
        ],
    }


def _is_up(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


class Servers:
    """The two child processes, each in its own process group so that a stop
    also reaches the workers they start."""

    def __init__(self, settings: Settings, model: Path):
        self.settings = settings
        self.model = model
        # Hex: URL-safe tokens can start with "-", which once broke Rasa's argument parsing.
        self.api_token = secrets.token_hex(32)
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self) -> None:
        self.settings.tracker_db.parent.mkdir(parents=True, exist_ok=True)
        env = child_env(self.settings)
        for name, command in commands(self.settings, self.model, self.api_token).items():
            self.processes[name] = subprocess.Popen(
                command, cwd=paths.ROOT, env=env, start_new_session=True
            )

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        checks = {
            "action server": f"{self.settings.actions_url}/health",
            "rasa server": f"{self.settings.rasa_url}/",
        }
        deadline = time.monotonic() + timeout_s
        pending = dict(checks)
        while pending:
            for name in list(pending):
                if self.processes[name].poll() is not None:
                    raise RuntimeError(
                        f"The {name} stopped while starting "
                        f"(exit code {self.processes[name].returncode})."
                    )
                if _is_up(pending[name]):
                    del pending[name]
            if time.monotonic() > deadline:
                raise RuntimeError(f"Not ready after {timeout_s:.0f} s: {', '.join(pending)}")
            time.sleep(0.5)

    def warm_up(self) -> None:
        """Rasa loads parts of the NLU pipeline on the first message, which made the
        first patient after a start wait about 6 s. A parse through the API does it
        now instead, and writes nothing to any conversation."""
        request = urllib.request.Request(
            f"{self.settings.rasa_url}/model/parse?token={self.api_token}",
            data=b'{"text": "hello"}',
            headers={"Content-Type": "application/json"},
        )
        try:
            urllib.request.urlopen(request, timeout=120).close()
        except (urllib.error.URLError, OSError) as exc:
            print(f"Warm-up failed ({exc}); the first answer may be slow.", file=sys.stderr)

    def first_exit(self) -> tuple[str, int] | None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                return name, process.returncode
        return None

    def stop(self, grace_s: float = 15) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace_s
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class _Stop(Exception):
    pass


def _raise_stop(signum, frame) -> None:
    raise _Stop()


def reminder_scheduler(settings: Settings, api_token: str, clinic: Callable[[], dict]):
    from bot.reminders import ReminderStore
    from bot.scheduler import ReminderScheduler, rasa_api_delivery

    return ReminderScheduler(
        ReminderStore(settings.reminders_db),
        clinic,
        rasa_api_delivery(settings.rasa_url, api_token),
    )


def serve(settings: Settings, model: Path) -> int:
    from bot.content_store import ContentStore
    from bot.web import WebServer

    servers = Servers(settings, model)
    # One content store for the supervisor: the scheduler and the web chat read
    # the clinic's details from it.
    content = ContentStore(paths.CONTENT_DIR)

    def clinic() -> dict:
        return content.get().clinic

    try:
        # Bound first, so a port in use fails at once, not after the slow start.
        web = WebServer(settings, servers.api_token, clinic)
    except OSError as exc:
        print(
            f"Could not start: the web chat port {settings.web_port} is not free "
            f"({exc.strerror}). Set HAIP_WEB_PORT to a free port.",
            file=sys.stderr,
        )
        return 1

    scheduler = None
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    try:
        servers.start()
        servers.wait_ready()
        servers.warm_up()
        scheduler = reminder_scheduler(settings, servers.api_token, clinic)
        scheduler.start(settings.reminder_poll_s)
        web.start()
        print(
            f"\nThe HAI pump assistant is ready.\n"
            f"  web chat:  {settings.web_url}/  (demo clinic page with the chat widget)\n"
            f"  REST:      POST {settings.rasa_url}/webhooks/rest/webhook\n"
            f"  socket.io: {settings.rasa_url}/socket.io\n"
            f"  actions:   {settings.actions_url}\n"
            f"Press Ctrl-C to stop.",
            flush=True,
        )
        while (exited := servers.first_exit()) is None:
            time.sleep(0.5)
        print(
            f"The {exited[0]} stopped (exit code {exited[1]}); stopping the rest.", file=sys.stderr
        )
        return 1
    except _Stop:
        print("\nStopping the HAI pump assistant ...", flush=True)
        return 0
    except RuntimeError as exc:
        print(f"Could not start: {exc}", file=sys.stderr)
        return 1
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        web.stop()
        if scheduler:
            scheduler.stop()
        servers.stop()
