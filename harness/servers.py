"""The assistant's servers, started the way `make run` starts them, for the
integration and browser tests."""

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bot import paths
from bot.servers import processes

START_TIMEOUT_S = 600

# How each of the supervisor's children shows in its command line: `-m` and its
# module from the one list (bot/servers/processes.py), unless it execs another.
EXECS = {processes.STAFF: "-m gunicorn staff.wsgi"}  # `-m staff serve` execs gunicorn
CHILD_MARKERS = {p.name: EXECS.get(p.name, " ".join(["-m", *p.module])) for p in processes.SERVERS}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition, timeout_s: float, every_s: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every_s)
    return bool(condition())


def _proc_file(pid: int, name: str) -> bytes:
    try:
        return (Path("/proc") / str(pid) / name).read_bytes()
    except OSError:  # gone meanwhile, or not ours to read
        return b""


def live_pids() -> list[int]:
    """Every process that runs (zombies have finished: no command line, no ports)."""
    pids = []
    for entry in Path("/proc").glob("[0-9]*"):
        stat = _proc_file(int(entry.name), "stat").decode(errors="replace")
        if stat and stat.rsplit(")", 1)[1].split()[0] != "Z":
            pids.append(int(entry.name))
    return pids


def command_line(pid: int) -> str:
    """As `ps -eo args` shows it."""
    return _proc_file(pid, "cmdline").replace(b"\0", b" ").decode(errors="replace").strip()


def environment(pid: int) -> dict[str, str]:
    pairs = (item.partition(b"=") for item in _proc_file(pid, "environ").split(b"\0") if item)
    return {k.decode(errors="replace"): v.decode(errors="replace") for k, _, v in pairs}


def parent_pid(pid: int) -> int | None:
    stat = _proc_file(pid, "stat").decode(errors="replace")
    return int(stat.rsplit(")", 1)[1].split()[1]) if stat else None


def tracker_events(db: Path, sender: str) -> list[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        )
        return [row[0] for row in rows]


def all_text(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def bot_texts(db: Path, sender: str) -> list[str]:
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'bot' ORDER BY id",
            (sender,),
        ).fetchall()
    return [json.loads(r[0]).get("text") or "" for r in rows]


def models_copy(root: Path) -> Path:
    """A models folder of its own under root, holding the current model: what a
    test trains (the staff workspace's "Retrain now") stays out of models/."""
    from bot.training import train

    folder = root / "models"
    folder.mkdir()
    current = train.model_path()
    try:
        os.link(current, folder / current.name)
    except OSError:  # another file system
        shutil.copy2(current, folder / current.name)
    return folder


class Assistant:
    def __init__(self, content_dir: Path, tracker_db: Path):
        self.rasa_port, self.actions_port, self.web_port = free_port(), free_port(), free_port()
        self.staff_port = free_port()
        self.env = {
            **os.environ,
            "HAIP_CONTENT_DIR": str(content_dir),
            "HAIP_TRACKER_DB": str(tracker_db),
            "HAIP_RASA_PORT": str(self.rasa_port),
            "HAIP_ACTIONS_PORT": str(self.actions_port),
            "HAIP_WEB_PORT": str(self.web_port),
            "HAIP_STAFF_PORT": str(self.staff_port),
            "HAIP_REMINDERS_DB": str(tracker_db.parent / "reminders.db"),
            "HAIP_STAFF_DB": str(tracker_db.parent / "staff.db"),
            "HAIP_CONTENT_HISTORY": str(tracker_db.parent / "content.git"),
            # Test settings: reminders come 4 s after they are set, checked every second.
            "HAIP_REMINDER_LEAD_SECONDS": "4",
            "HAIP_REMINDER_POLL_SECONDS": "1",
            # On a busy 2-core test machine a real answer can take longer than the
            # shipped 5 s; the tests that check the deadline (test_channels.py) set it back.
            "HAIP_REPLY_LIMIT_SECONDS": "30",
        }
        self.process: subprocess.Popen | None = None
        self.output: list[str] = []

    def start(self) -> None:
        self.output = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=paths.ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Drain continuously: a full pipe would block the servers.
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and self.process.poll() is None:
            if any("assistant is ready" in line for line in self.output):
                return
            time.sleep(0.5)
        self.stop(signal.SIGKILL)
        raise AssertionError("assistant did not start:\n" + "".join(self.output[-40:]))

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    @property
    def staff_url(self) -> str:
        return f"http://127.0.0.1:{self.staff_port}"

    @property
    def ports(self) -> tuple[int, ...]:
        return self.rasa_port, self.actions_port, self.web_port, self.staff_port

    def child_pid(self, name: str) -> int | None:
        """The running process of one of the supervisor's children, by its name
        in bot/servers/supervisor.py ("rasa server", ...)."""
        for pid in live_pids():
            if parent_pid(pid) == self.process.pid and CHILD_MARKERS[name] in command_line(pid):
                return pid
        return None

    def wait_for_new_child(self, name: str, old_pid: int, timeout_s: float) -> int | None:
        found: list[int] = []

        def restarted() -> bool:
            pid = self.child_pid(name)
            found[:] = [pid] if pid and pid != old_pid else []
            return bool(found)

        wait_until(restarted, timeout_s)
        return found[0] if found else None

    def own_processes(self) -> list[int]:
        """Every running process started for this assistant, grandchildren
        included: they all carry its ports in their environment."""
        mark = str(self.web_port)
        return [pid for pid in live_pids() if environment(pid).get("HAIP_WEB_PORT") == mark]

    def kill_everything(self) -> None:
        """kill -9 the supervisor and all its children at once: no chance to clean up."""
        children = [pid for pid in live_pids() if parent_pid(pid) == self.process.pid]
        self.process.kill()
        for child in children:
            try:
                os.killpg(child, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.process.wait(timeout=30)
        wait_until(
            lambda: not self.own_processes() and not any(map(port_open, self.ports)), 30, 0.5
        )

    def stop(self, sig=signal.SIGTERM) -> int:
        self.process.send_signal(sig)
        code = self.process.wait(timeout=60)
        self._reader.join(timeout=10)
        return code

    def ask(self, sender: str, text: str) -> list[dict]:
        response = requests.post(
            f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=60,
        )
        response.raise_for_status()
        return response.json()


@contextmanager
def started_assistant(root: Path, **settings: str) -> Iterator[Assistant]:
    """The assistant on free ports, with its own copy of the demo content and its
    own databases under root; settings are extra HAIP_* variables."""
    shutil.copytree(paths.ROOT / "content", root / "content")
    running = Assistant(root / "content", root / "tracker.db")
    running.env.update(settings)
    running.start()
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.stop()
