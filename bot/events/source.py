"""The one way our processes read or delete Rasa's events: EventSource, with a
SQLite implementation (the tracker file, sqlite.py) and a PostgreSQL one (the
event broker when scaled out, postgres.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Protocol

# (id, sender_id, type_name, timestamp, action_name, data): data is the event's JSON.
Row = tuple[int, str, "str | None", "float | None", "str | None", "str | None"]


@dataclass(frozen=True)
class Forgotten:
    """What retention deleted: the conversations' sender ids, and how many tracker events."""

    senders: list[str]
    events: int


class Busy(Exception):
    """Rasa held its tracker file (a write lock) for longer than we wait
    (sqlite.py), or, scaled out, a write of Rasa's outlasted retention's wait to
    hold Rasa's writes back (postgres.py): nothing was read or deleted, and the
    next try starts from the same place. The text says which database error
    only. PostgreSQL lets readers read."""


class EventSource(Protocol):
    # Several writers take ids from one sequence and may commit them out of
    # order: a reader that follows by id waits at a gap (staff/review/follower.py).
    out_of_order: bool

    def after(self, position: int, limit: int) -> list[Row]:
        """Events with an id above position, oldest first; none before Rasa's first write."""
        ...

    def texts(self, event_ids: list[int]) -> dict[int, str]:
        """The text of each of these events that still exists ("" if it has none)."""
        ...

    def forget_older_than(self, cutoff: float) -> Forgotten:
        """Delete whole conversations whose last event is older than cutoff (a Unix time)."""
        ...


def text_of(data: str | None) -> str:
    """An event's text from its JSON; "" when it has none or is not JSON."""
    try:
        return str(json.loads(data or "{}").get("text") or "")
    except (ValueError, AttributeError):
        return ""
