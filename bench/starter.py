"""The starter bot that `rasa init --no-prompt` makes, trained and run with the
assistant's Rasa: the yardstick for the assistant's figures (in-memory tracker
store, no action server, Rasa's default pipeline)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.servers import free_port, port_open

START_TIMEOUT_S = 600


def environment(root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "RASA_TELEMETRY_ENABLED": "false",
        # Its own, empty, cache: not the project's .rasa/, and no head start.
        "RASA_CACHE_DIRECTORY": str(root / "starter-cache"),
    }


def init(root: Path) -> tuple[Path, float]:
    """`rasa init --no-prompt` in root/starter (it trains the model too); the
    folder and how long it took."""
    folder = root / "starter"
    folder.mkdir()  # rasa init refuses a folder that is not there
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "rasa", "init", "--no-prompt", "--init-dir", str(folder)],
        cwd=root,
        env=environment(root),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    took = time.monotonic() - started
    if done.returncode or not list((folder / "models").glob("*.tar.gz")):
        raise RuntimeError(f"rasa init made no model:\n{done.stdout[-2000:]}")
    return folder, took


class Starter:
    def __init__(self, folder: Path, root: Path):
        self.folder = folder
        self.port = free_port()
        self.env = environment(root)
        self.process: subprocess.Popen | None = None
        self.lines: list[tuple[float, str]] = []  # (time.monotonic(), line)
        self.started_at = 0.0
        self.listening_s = 0.0

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhooks/rest/webhook"

    def start(self) -> float:
        """`rasa run --enable-api` as its README says; seconds until it listens."""
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "rasa",
                "run",
                "--enable-api",
                "--interface",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            cwd=self.folder,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        # Drained continuously: a full pipe would block the server.
        threading.Thread(target=self._read, daemon=True).start()
        deadline = self.started_at + START_TIMEOUT_S
        while time.monotonic() < deadline and self.process.poll() is None:
            if port_open(self.port):
                self.listening_s = time.monotonic() - self.started_at
                return self.listening_s
            time.sleep(0.2)
        self.stop()
        tail = "".join(line for _, line in self.lines[-30:])
        raise RuntimeError(f"the starter bot did not start:\n{tail}")

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append((time.monotonic(), line))

    def seen(self, text: str) -> float | None:
        """When a line with `text` came, in seconds since the start."""
        return next((t - self.started_at for t, line in self.lines if text in line), None)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@contextmanager
def running(folder: Path, root: Path) -> Iterator[Starter]:
    starter = Starter(folder, root)
    starter.start()
    try:
        yield starter
    finally:
        starter.stop()
