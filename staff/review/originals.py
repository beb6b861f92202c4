"""The unmasked text of logged messages, read from Rasa's tracker store (scaled
out: its event broker) by event id: it is kept there only, never copied into the
workspace's database."""

from __future__ import annotations

import json
import sqlite3

from bot import settings

CHUNK = 500


def texts(event_ids: list[int]) -> dict[int, str]:
    from staff.review import broker_events

    if broker := broker_events.from_settings():  # scaled out: the ids are the broker's
        return broker.texts(event_ids)
    db = settings.path("HAIP_TRACKER_DB")
    if not db.exists() or not event_ids:
        return {}
    found: dict[int, str] = {}
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        for start in range(0, len(event_ids), CHUNK):
            chunk = event_ids[start : start + CHUNK]
            marks = ",".join("?" * len(chunk))
            for event_id, data in connection.execute(
                f"SELECT id, data FROM events WHERE id IN ({marks})", chunk
            ):
                try:
                    found[event_id] = str(json.loads(data or "{}").get("text") or "")
                except ValueError:
                    found[event_id] = ""
    finally:
        connection.close()
    return found
