"""The assistant for the bench: `python -m bot run` on free ports with its own
copy of the content, databases, models and training folders (as harness/servers.py
starts it), each line of its output timed as it comes, and the resident memory
of its processes."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from bot import paths
from harness.servers import (
    CHILD_MARKERS,
    Assistant,
    command_line,
    models_copy,
    parent_pid,
    port_open,
)

# What the answer edit changes, in a topic's file, and what shows it in the reply.
EDITED_TOPIC = "hospital_stay"
EDIT = ("Your team will", "Your care team will")
EDIT_QUESTION = "how long is the hospital stay"


class TimedAssistant(Assistant):
    """Remembers when each output line came, and when Rasa's port took connections
    (bot/rasa/server.py listens once its model is loaded and warm)."""

    def start(self) -> None:
        self.lines: list[tuple[float, str]] = []
        self.started_at = time.monotonic()
        self.rasa_listening_s: float | None = None
        threading.Thread(target=self._watch_port, daemon=True).start()
        super().start()
        self.ready_s = time.monotonic() - self.started_at

    def _watch_port(self) -> None:
        while self.rasa_listening_s is None and time.monotonic() - self.started_at < 900:
            if port_open(self.rasa_port):
                self.rasa_listening_s = time.monotonic() - self.started_at
            time.sleep(0.1)

    def _read(self) -> None:
        for line in self.process.stdout:
            self.output.append(line)
            self.lines.append((time.monotonic(), line))

    def seen(self, text: str) -> float | None:
        """When a line with `text` came, in seconds since the start."""
        return next((t - self.started_at for t, line in self.lines if text in line), None)

    @property
    def webhook(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}/webhooks/rest/webhook"

    def processes(self) -> dict[str, int]:
        """The supervisor and its children by name (harness/servers.py CHILD_MARKERS),
        and their own children (the workspace's gunicorn workers)."""
        found = {"supervisor": self.process.pid}
        for name in CHILD_MARKERS:
            if pid := self.child_pid(name):
                found[name] = pid
        named = {pid: name for name, pid in found.items()}
        for pid in self.own_processes():
            parent = parent_pid(pid)
            if pid not in named and parent in named and parent != self.process.pid:
                found[f"{named[parent]} worker {pid}"] = pid
        return found

    def time_an_answer_edit(self, content_dir: Path, timeout_s: float = 60) -> float:
        """Saves an edit of one topic's answer, then asks until a reply shows it:
        the seconds from the save to that reply."""
        session = requests.Session()
        before = self._answer(session, "bench-edit-before")
        if EDIT[1] in before or EDIT[0] not in before:
            raise RuntimeError(f"the answer to edit is not as expected: {before[:200]}")
        topic = content_dir / "topics" / f"{EDITED_TOPIC}.yml"
        text = topic.read_text(encoding="utf-8")
        saved = time.monotonic()
        topic.write_text(text.replace(EDIT[0], EDIT[1], 1), encoding="utf-8")
        n = 0
        while time.monotonic() - saved < timeout_s:
            n += 1
            if EDIT[1] in self._answer(session, f"bench-edit-{n}"):
                return time.monotonic() - saved
        raise RuntimeError(f"the edit did not show within {timeout_s} s")

    def _answer(self, session: requests.Session, sender: str) -> str:
        response = session.post(
            self.webhook, json={"sender": sender, "message": EDIT_QUESTION}, timeout=60
        )
        response.raise_for_status()
        return "\n".join(r.get("text") or "" for r in response.json())


@contextmanager
def started(root: Path) -> Iterator[TimedAssistant]:
    """As harness/servers.py started_assistant, with the shipped reminder timing
    and models and trainings of its own (nothing lands in models/ or var/)."""
    shutil.copytree(paths.ROOT / "content", root / "content")
    assistant = TimedAssistant(root / "content", root / "tracker.db")
    for test_only in ("HAIP_REMINDER_LEAD_SECONDS", "HAIP_REMINDER_POLL_SECONDS"):
        assistant.env.pop(test_only, None)
    # HAIP_REPLY_LIMIT_SECONDS stays at the tests' 30 s: with the shipped 5 s a
    # slow reply would be cut to the trouble message and its latency to 5 s.
    # The load phases send far faster than a patient types, on purpose: the
    # rate limit (tested in tests/test_integration.py) would answer them "please wait".
    assistant.env["HAIP_CHAT_BURST"] = assistant.env["HAIP_CHAT_PER_MINUTE"] = "100000"
    assistant.env["HAIP_MODELS_DIR"] = str(models_copy(root))
    assistant.env["HAIP_TRAINING_DIR"] = str(root / "training")
    assistant.start()
    try:
        yield assistant
    finally:
        if assistant.process.poll() is None:
            assistant.stop()


def memory(pid: int) -> dict[str, float] | None:
    """Resident memory now and at its peak, in MiB (/proc/<pid>/status)."""
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    kib = {key: int(fields[key].split()[0]) for key in ("VmRSS", "VmHWM") if key in fields}
    return {
        "rss_mib": round(kib.get("VmRSS", 0) / 1024, 1),
        "peak_mib": round(kib.get("VmHWM", 0) / 1024, 1),
        "command": command_line(pid)[:120],
    }
