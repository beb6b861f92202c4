"""The scaled-out assistant of docs/scaling-out.md, on 127.0.0.1: PostgreSQL
and Redis from Debian's packages, the processes of deploy/scale-out/systemd/
started by those units' own ExecStart lines and environment file, and nginx with
deploy/scale-out/nginx-rasa.conf in front of the Rasa servers. For
tests/test_scale_out.py and `make bench` (bench/scale_out.py)."""

from __future__ import annotations

import glob
import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bot import paths
from bot.servers import action_secret, api_token
from harness.nginx import NGINX, nginx_config, start_nginx
from harness.servers import free_port, models_copy, port_open

DEPLOY = paths.ROOT / "deploy" / "scale-out"
UNITS = DEPLOY / "systemd"
REDIS = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT_S = 600
# Every process but the trainer, which only waits for a training to be asked for.
PROCESSES = ("actions", "web", "scheduler", "staff", "review-log")
RASA_PORTS_SHIPPED = ("127.0.0.1:5006", "127.0.0.1:5007")


def postgres_bin() -> Path | None:
    initdbs = glob.glob("/usr/lib/postgresql/*/bin/initdb")
    found = sorted(initdbs, key=lambda path: int(path.split("/")[4]))
    return Path(found[-1]).parent if found else None


def missing() -> str | None:
    """Why the stack cannot run here (`make system-packages` installs what it needs)."""
    if postgres_bin() is None:
        return "PostgreSQL (Debian's postgresql) is not installed"
    if not Path(REDIS).exists():
        return "Redis (Debian's redis-server) is not installed"
    if not Path(NGINX).exists():
        return "nginx is not installed"
    return None


def unit(name: str) -> dict[str, list[str]]:
    """A unit file's [Service] settings, each name with its values in order."""
    found: dict[str, list[str]] = {}
    section = ""
    for line in (UNITS / name).read_text().splitlines():
        line = line.strip()
        if line.startswith("["):
            section = line
        elif line and not line.startswith("#") and "=" in line and section == "[Service]":
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def unit_command(name: str, instance: str = "") -> list[str]:
    """The unit's ExecStart, with this checkout for /opt/haip and this Python."""
    (line,) = unit(name)["ExecStart"]
    words = shlex.split(line.replace("%i", instance))
    assert words[0] == "/opt/haip/.venv/bin/python", f"{name}: {words[0]}"
    return [sys.executable, *words[1:]]


def env_file(text: str) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.strip().startswith("#")}


def as_postgres() -> dict[str, str]:
    """initdb and postgres refuse to run as root (CI runs as root): there they
    run as Debian's postgres user, as Debian's own tools run them."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def _run_as_postgres(command: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, check=True, capture_output=True, text=True, **as_postgres(), **kwargs
    )


class Postgres:
    def __init__(self) -> None:
        self.port = free_port()
        self.password = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        # Not under pytest's tmp_path: the postgres user must reach it.
        self.base = Path(tempfile.mkdtemp(prefix="haip-postgres-"))
        self.base.chmod(0o755)

    def start(self, pgpass: Path) -> None:
        bin_dir = postgres_bin()
        data, sockets = self.base / "data", self.base / "sockets"
        for folder in (data, sockets):
            folder.mkdir()
            if os.geteuid() == 0:
                shutil.chown(folder, "postgres", "postgres")
        _run_as_postgres(
            [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-E", "UTF8",
             "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync"]
        )  # fmt: skip
        self.process = subprocess.Popen(
            [str(bin_dir / "postgres"), "-D", str(data), "-p", str(self.port),
             "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={sockets}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            **as_postgres(),
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while not port_open(self.port):
            assert self.process.poll() is None, self.process.stderr.read().decode()
            assert time.monotonic() < deadline, "PostgreSQL did not start"
            time.sleep(0.2)
        # The password goes in on standard input, never on a command line.
        _run_as_postgres(
            [str(bin_dir / "psql"), "-h", str(sockets), "-p", str(self.port), "-U", "postgres",
             "-v", "ON_ERROR_STOP=1", "-q"],
            input=f"CREATE ROLE haip LOGIN PASSWORD '{self.password}';\n"
            "CREATE DATABASE haip OWNER haip;\nCREATE DATABASE haip_events OWNER haip;\n",
        )  # fmt: skip
        pgpass.write_text(f"127.0.0.1:{self.port}:*:haip:{self.password}\n")
        pgpass.chmod(0o600)  # libpq ignores a pgpass file others can read

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # PostgreSQL's fast shutdown
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.base, ignore_errors=True)


class Stack:
    """Everything on free ports, its files under root."""

    def __init__(self, root: Path, rasa_servers: int = 2) -> None:
        self.root = root
        self.rasa_ports = [free_port() for _ in range(rasa_servers)]
        self.proxy_port = free_port()
        self.redis_port = free_port()
        self.postgres = Postgres()
        self.token = api_token.new()
        self.actions_secret = action_secret.new()
        self.processes: dict[str, subprocess.Popen] = {}
        self.redis: subprocess.Popen | None = None
        self.nginx: subprocess.Popen | None = None
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        shipped = env_file((DEPLOY / "haip.env").read_text())
        ours = {
            "HAIP_RASA_PORT": str(self.proxy_port),
            "HAIP_ACTIONS_PORT": str(free_port()),
            "HAIP_WEB_PORT": str(free_port()),
            "HAIP_STAFF_PORT": str(free_port()),
            "HAIP_POSTGRES_PORT": str(self.postgres.port),
            "HAIP_REDIS_PORT": str(self.redis_port),
            "PGPASSFILE": str(self.root / "pgpass"),
        }
        assert set(ours) <= set(shipped), "deploy/scale-out/haip.env lost a setting"
        root = self.root
        return {
            **os.environ,
            **shipped,
            **ours,
            # Files of this run, as harness/servers.py's Assistant has them.
            "HAIP_CONTENT_DIR": str(root / "content"),
            "HAIP_MODELS_DIR": str(root / "models"),
            "HAIP_TRACKER_DB": str(root / "tracker.db"),
            "HAIP_REMINDERS_DB": str(root / "reminders.db"),
            "HAIP_STAFF_DB": str(root / "staff.db"),
            "HAIP_CONTENT_HISTORY": str(root / "content.git"),
            "HAIP_TRAINING_DIR": str(root / "training"),
            "HAIP_REMINDER_LEAD_SECONDS": "4",
            "HAIP_REMINDER_POLL_SECONDS": "1",
            "HAIP_REPLY_LIMIT_SECONDS": "30",
            # The units' secrets file: the API token and the action server's secret.
            api_token.VARIABLE: self.token,
            action_secret.VARIABLE: self.actions_secret,
        }

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    def rasa_url(self, index: int) -> str:
        return f"http://127.0.0.1:{self.rasa_ports[index]}"

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.env['HAIP_WEB_PORT']}"

    def start(self, processes: tuple[str, ...] = PROCESSES) -> None:
        shutil.copytree(paths.ROOT / "content", self.root / "content")
        models_copy(self.root)
        self.postgres.start(self.root / "pgpass")
        self.redis = subprocess.Popen(
            [REDIS, "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        self._start_nginx()
        self.run_job("migrate")  # as systemd does first: the staff units require it
        for name in processes:
            self.start_process(name)
        for index in range(len(self.rasa_ports)):
            self.start_rasa(index)
        self.wait_for_rasa(range(len(self.rasa_ports)))

    def start_process(self, name: str) -> None:
        self._spawn(name, unit_command(f"haip-{name}.service"))

    def run_job(self, name: str) -> subprocess.CompletedProcess:
        """A oneshot unit's ExecStart (haip-NAME.service), run to its end."""
        done = subprocess.run(
            unit_command(f"haip-{name}.service"), cwd=paths.ROOT, env=self.env,
            capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert done.returncode == 0, f"haip-{name}.service failed:\n{done.stderr[-2000:]}"
        return done

    def start_rasa(self, index: int) -> None:
        port = str(self.rasa_ports[index])
        self._spawn(f"rasa-{index}", unit_command("haip-rasa@.service", port))

    def _spawn(self, name: str, command: list[str]) -> None:
        log = open(self.root / f"{name}.log", "ab")  # noqa: SIM115 (the child keeps it)
        self.processes[name] = subprocess.Popen(
            command, cwd=paths.ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log.close()

    def wait_for_rasa(self, indexes) -> None:
        deadline = time.monotonic() + START_TIMEOUT_S
        for index in indexes:
            while not port_open(self.rasa_ports[index]):
                process = self.processes[f"rasa-{index}"]
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"Rasa server {index} did not start:\n" + self.log(index))
                time.sleep(0.5)

    def log(self, index: int) -> str:
        return (self.root / f"rasa-{index}.log").read_text(errors="replace")[-4000:]

    def _start_nginx(self) -> None:
        replacements = [("listen 127.0.0.1:5005;", f"listen 127.0.0.1:{self.proxy_port};")]
        for shipped, port in zip(RASA_PORTS_SHIPPED, self.rasa_ports, strict=False):
            replacements.append((f"server {shipped}", f"server 127.0.0.1:{port}"))
        config = nginx_config(
            self.root,
            "scale-out/nginx-rasa.conf",
            replacements,
            certificate=False,
            leave_out=RASA_PORTS_SHIPPED[len(self.rasa_ports) :],  # fewer servers here
            # Which server took each request, for the tests.
            log_format="$request_uri $upstream_addr $status",
        )
        self.nginx = start_nginx(config, self.proxy_port)

    def upstreams(self) -> list[str]:
        """The Rasa server nginx sent each REST message to, in order."""
        lines = (self.root / "access.log").read_text().splitlines()
        return [line.split()[1] for line in lines if line.startswith("/webhooks/rest/")]

    def sql(self, db: str, query: str, args: tuple = ()) -> list[tuple]:
        """A query as the assistant's role, committed; its rows, if any."""
        import psycopg2

        dsn = f"host=127.0.0.1 port={self.postgres.port} dbname={db} user=haip"
        with psycopg2.connect(dsn, passfile=str(self.root / "pgpass")) as connection:
            with connection.cursor() as cursor:
                cursor.execute(query, args)
                return cursor.fetchall() if cursor.description else []

    def tracker_rows(self, sender: str, db: str = "haip") -> list[tuple]:
        """(type_name, data) from the tracker store, or (id, data) from the broker."""
        first = "type_name" if db == "haip" else "id"
        return self.sql(
            db, f"SELECT {first}, data FROM events WHERE sender_id = %s ORDER BY id", (sender,)
        )

    def bot_texts(self, sender: str) -> list[str]:
        rows = self.tracker_rows(sender)
        return [json.loads(data).get("text") or "" for kind, data in rows if kind == "bot"]

    def kill_rasa(self, index: int) -> None:
        process = self.processes[f"rasa-{index}"]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def stop(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                with_group(process, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                with_group(process, signal.SIGKILL)
                process.wait()
        for server in (self.nginx, self.redis):
            if server and server.poll() is None:
                server.terminate()
                server.wait(timeout=30)
        self.postgres.stop()


def with_group(process: subprocess.Popen, sig: signal.Signals) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
