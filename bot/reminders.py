"""Refill reminders, kept in SQLite so none is lost when the servers restart.

A row holds only what is needed to remind: the conversation's sender id (no
name, no message text), the refill date, when to remind, and a status:
pending, sent, missed or cancelled. One patient has at most one pending row:
setting a new date replaces it.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

TABLE = "reminders"
PENDING, SENT, MISSED, CANCELLED = "pending", "sent", "missed", "cancelled"


@dataclass(frozen=True)
class Reminder:
    id: int
    sender_id: str
    refill_date: dt.date
    remind_at: dt.datetime
    status: str

    @classmethod
    def from_row(cls, row: dict) -> Reminder:
        return cls(
            row["id"],
            row["sender_id"],
            dt.date.fromisoformat(row["refill_date"]),
            dt.datetime.fromisoformat(row["remind_at"]),
            row["status"],
        )


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class ReminderStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # The scheduler creates the store on one thread and uses it on its own.
        self.db = sqlite_utils.Database(sqlite3.connect(self.path, check_same_thread=False))
        # Several processes (action server, scheduler, CLI) share the file.
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=5000")
        if TABLE not in self.db.table_names():
            self.db[TABLE].create(
                {
                    "id": int,
                    "sender_id": str,
                    "refill_date": str,
                    "remind_at": str,
                    "status": str,
                    "created_at": str,
                    "updated_at": str,
                },
                pk="id",
                not_null={"sender_id", "refill_date", "remind_at", "status"},
            )
            self.db[TABLE].create_index(["sender_id", "status"])
            self.db[TABLE].create_index(["status", "remind_at"])

    def _rows(self, where: str, args: list, order: str = "remind_at") -> list[Reminder]:
        rows = self.db[TABLE].rows_where(where, args, order_by=order)
        return [Reminder.from_row(r) for r in rows]

    def set(self, sender_id: str, refill_date: dt.date, remind_at: dt.datetime) -> Reminder:
        """The patient's reminder from now on; any pending one is replaced."""
        now = _now().isoformat()
        with self.db.conn:
            self.db.execute(
                f"UPDATE {TABLE} SET status = ?, updated_at = ? WHERE sender_id = ? AND status = ?",
                [CANCELLED, now, sender_id, PENDING],
            )
            row_id = (
                self.db[TABLE]
                .insert(
                    {
                        "sender_id": sender_id,
                        "refill_date": refill_date.isoformat(),
                        "remind_at": remind_at.astimezone(dt.timezone.utc).isoformat(),
                        "status": PENDING,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
                .last_pk
            )
        return self.get(row_id)

    def get(self, reminder_id: int) -> Reminder:
        return Reminder.from_row(self.db[TABLE].get(reminder_id))

    def current(self, sender_id: str) -> Reminder | None:
        found = self._rows("sender_id = ? AND status = ?", [sender_id, PENDING])
        return found[0] if found else None

    def cancel(self, sender_id: str) -> int:
        with self.db.conn:
            cursor = self.db.execute(
                f"UPDATE {TABLE} SET status = ?, updated_at = ? WHERE sender_id = ? AND status = ?",
                [CANCELLED, _now().isoformat(), sender_id, PENDING],
            )
        return cursor.rowcount

    def mark(self, reminder_id: int, status: str) -> bool:
        """Move a pending reminder to `status`; False if it was no longer pending
        (cancelled meanwhile, or already handled by another process)."""
        with self.db.conn:
            cursor = self.db.execute(
                f"UPDATE {TABLE} SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                [status, _now().isoformat(), reminder_id, PENDING],
            )
        return cursor.rowcount == 1

    def release(self, reminder_id: int) -> None:
        """Back to pending after a failed delivery, so the next round tries again."""
        with self.db.conn:
            self.db.execute(
                f"UPDATE {TABLE} SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                [PENDING, _now().isoformat(), reminder_id, SENT],
            )

    def pending(self) -> list[Reminder]:
        return self._rows("status = ?", [PENDING])

    def due(self, now: dt.datetime | None = None) -> list[Reminder]:
        return self._rows(
            "status = ? AND remind_at <= ?",
            [PENDING, (now or _now()).astimezone(dt.timezone.utc).isoformat()],
        )

    def upcoming(self, from_date: dt.date | None = None) -> list[Reminder]:
        """Pending refill reminders by refill date, for the staff view."""
        start = (from_date or _now().date()).isoformat()
        return self._rows(
            "status = ? AND refill_date >= ?", [PENDING, start], order="refill_date, remind_at"
        )

    def all(self) -> list[Reminder]:
        return self._rows("1 = 1", [], order="refill_date, id")
