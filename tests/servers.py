"""The assistant's servers, started the way `make run` starts them, for the
integration and browser tests."""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bot import paths

START_TIMEOUT_S = 600


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class Assistant:
    def __init__(self, content_dir: Path, tracker_db: Path):
        self.rasa_port, self.actions_port, self.web_port = free_port(), free_port(), free_port()
        self.env = {
            **os.environ,
            "HAIP_CONTENT_DIR": str(content_dir),
            "HAIP_TRACKER_DB": str(tracker_db),
            "HAIP_RASA_PORT": str(self.rasa_port),
            "HAIP_ACTIONS_PORT": str(self.actions_port),
            "HAIP_WEB_PORT": str(self.web_port),
            "HAIP_REMINDERS_DB": str(tracker_db.parent / "reminders.db"),
            # Test settings: reminders come 4 s after they are set, checked every second.
            "HAIP_REMINDER_LEAD_SECONDS": "4",
            "HAIP_REMINDER_POLL_SECONDS": "1",
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

    def kill_everything(self) -> None:
        """kill -9 the supervisor and both servers: no chance to clean up."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        self.process.kill()
        for child in children:
            os.killpg(child, signal.SIGKILL)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while (port_open(self.rasa_port) or port_open(self.actions_port)) and (
            time.monotonic() < deadline
        ):
            time.sleep(0.5)

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
