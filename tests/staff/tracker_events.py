"""Rows as Rasa 3.6's SQL tracker store writes them (same table, same JSON), for
the review log's tests. The integration tests check the same against real Rasa."""

from __future__ import annotations

import contextlib
import json
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

SCHEMA = """CREATE TABLE IF NOT EXISTS events (
    id INTEGER NOT NULL, sender_id VARCHAR(255) NOT NULL, type_name VARCHAR(255) NOT NULL,
    timestamp FLOAT, intent_name VARCHAR(255), action_name VARCHAR(255), data TEXT,
    PRIMARY KEY (id))"""
INDEX = "CREATE INDEX IF NOT EXISTS ix_events_sender_id ON events (sender_id)"


INSERT = (
    "INSERT INTO events (sender_id, type_name, timestamp, intent_name, action_name, data)"
    " VALUES (?, ?, ?, ?, ?, ?)"
)
# Another process (Rasa) writing: it begins a write transaction (argv: BEGIN's
# kind, IMMEDIATE or EXCLUSIVE), inserts a row, says so, and commits only once
# told to on stdin.
HOLD = f"""
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN " + sys.argv[2])
db.execute({INSERT!r}, json.loads(sys.argv[3]))
print("held", flush=True)
sys.stdin.readline()
db.execute("COMMIT")
"""


class Tracker:
    def __init__(self, path: Path, wal: bool = False):
        """wal: in write-ahead mode, as Rasa's store keeps it (bot/rasa/tracker_store.py)."""
        self.path = path
        self.clock = 1_796_000_000.0
        with contextlib.closing(sqlite3.connect(path)) as db, db:
            db.execute(SCHEMA)
            db.execute(INDEX)
            if wal:
                db.execute("PRAGMA journal_mode=WAL")

    def _row(self, sender: str, kind: str, data: dict, intent=None, action=None) -> tuple:
        self.clock += 1
        data = {"event": kind, "timestamp": self.clock, **data}
        return (sender, kind, self.clock, intent, action, json.dumps(data))

    def _add(self, sender: str, kind: str, data: dict, intent=None, action=None) -> int:
        with sqlite3.connect(self.path) as db:
            return db.execute(INSERT, self._row(sender, kind, data, intent, action)).lastrowid

    @contextlib.contextmanager
    def writing(self, sender: str, text: str, lock: str = "IMMEDIATE") -> Iterator[None]:
        """A patient message another process writes, holding its write
        transaction open until the block ends; committed after it."""
        row = self._row(sender, "user", self._user(text, "faq", None, 0.97, None), "faq")
        writer = subprocess.Popen(
            [sys.executable, "-c", HOLD, str(self.path), lock, json.dumps(row)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert writer.stdout.readline() == "held\n"
            yield
        finally:
            writer.communicate("commit\n", timeout=30)
        assert writer.returncode == 0

    @staticmethod
    def _user(text: str, intent, topic, confidence, language) -> dict:
        parse = {"intent": {"name": intent, "confidence": confidence}, "entities": [], "text": text}
        if language is not None:
            parse["language"] = language
        if topic:
            parse["response_selector"] = {
                "faq": {"response": {"intent_response_key": f"faq/{topic}", "confidence": 0.91}}
            }
        return {"text": text, "parse_data": parse}

    def user(
        self, sender: str, text: str, intent="faq", topic=None, confidence=0.97, language=None
    ) -> int:
        data = self._user(text, intent, topic, confidence, language)
        return self._add(sender, "user", data, intent=intent)

    def external(self, sender: str, intent="EXTERNAL_refill_due") -> int:
        parse = {"intent": {"name": intent, "confidence": 1.0}, "entities": []}
        return self._add(sender, "user", {"text": f"/{intent}", "parse_data": parse}, intent)

    def action(self, sender: str, name: str) -> int:
        return self._add(sender, "action", {"name": name}, action=name)

    def bot(self, sender: str, text: str, version="abc123def456", buttons=None, **metadata) -> int:
        metadata = {"model_id": "m", "content_version": version, **metadata}
        data = {"buttons": buttons} if buttons else {}
        return self._add(sender, "bot", {"text": text, "data": data, "metadata": metadata})

    def button(self, sender: str, topic: str, text: str | None = None) -> int:
        """A message Rasa read as a command: the FAQ intent with a topic entity."""
        text = text if text is not None else f'/faq{{"topic": "{topic}"}}'
        entity = {"entity": "topic", "value": topic, "start": 4, "end": 4}
        parse = {"intent": {"name": "faq", "confidence": 1.0}, "entities": [entity], "text": text}
        return self._add(sender, "user", {"text": text, "parse_data": parse}, intent="faq")

    def turn(self, sender: str, text: str, action: str, reply: str, **user) -> None:
        self.user(sender, text, **user)
        self._add(sender, "user_featurization", {"use_text_for_featurization": False})
        self.action(sender, action)
        self.bot(sender, reply)
        self.action(sender, "action_listen")
