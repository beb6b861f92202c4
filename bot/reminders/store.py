"""Refill reminders and their delivery record, kept in SQLite so none is lost
when a process dies or the servers restart.

A reminder row holds only what is needed to remind: the conversation's sender
id (no name, no message text), the refill date, when to remind, a status and
its delivery attempts. One patient has at most one pending row: setting a new
date replaces it.

Statuses: pending (waiting, or waiting for a retry), delivering (claimed by the
scheduler), sent (its message is in the patient's conversation), missed (the
visit passed while the assistant was down), failed (gave up after the retry
limit; staff see it), cancelled.

Every delivery attempt is a row of `deliveries` (the outbox): started, then
delivered, error, unreachable (Rasa was down: not counted against the retry
limit) or interrupted (its process died). Whatever finishes a
reminder also sets the next cycle's reminder, in the same transaction, so a
crash can never end a patient's chain of reminders.

Reminders by e-mail or text message use two more tables, kept here so one file
and one upgrade path hold them all: `contacts` (an address the patient gave and
confirmed, see contacts.py) and `sends` (one row per reminder and contact, the
channel outbox, see outbox.py). The staff pages read them through staff_view.py.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils
from sqlite_utils.migrations import Migrations

from bot import sqlite_files

# What the store raises when its file is locked, full or damaged: callers that
# keep going (a page, a reply) catch this and say so.
Error = sqlite3.Error

TABLE = "reminders"
DELIVERIES = "deliveries"
CONTACTS = "contacts"
SENDS = "sends"
CODES = "codes"  # confirmation codes sent: when, to which address (hashed), for whom
PENDING, DELIVERING, SENT, MISSED, FAILED, CANCELLED = (
    "pending",
    "delivering",
    "sent",
    "missed",
    "failed",
    "cancelled",
)
STARTED, DELIVERED, ERROR, INTERRUPTED, UNREACHABLE = (
    "started",
    "delivered",
    "error",
    "interrupted",
    "unreachable",
)


# The schema, one migration per change; a change is a new function, never an
# edit of one already released (sqlite_utils records which have run).
MIGRATIONS = Migrations("haip-reminders")


@MIGRATIONS()
def m001_tables(db: sqlite_utils.Database) -> None:
    """Reminders, their delivery attempts, and the e-mail and text channels.

    Stores made before migrations were recorded hold some or all of these
    already: each is created only if missing, and transform=True gives a
    reminders table from before the outbox its later columns."""
    db[TABLE].create(
        {
            "id": int,
            "sender_id": str,
            "refill_date": str,
            "remind_at": str,
            "status": str,
            "created_at": str,
            "updated_at": str,
            "attempts": int,
            "retry_at": str,
            "last_error": str,
            "language": str,
        },
        pk="id",
        not_null={"sender_id", "refill_date", "remind_at", "status"},
        transform=True,
    )
    db[TABLE].create_index(["sender_id", "status"], if_not_exists=True)
    db[TABLE].create_index(["status", "remind_at"], if_not_exists=True)
    db[DELIVERIES].create(
        {
            "id": int,
            "reminder_id": int,
            "attempt": int,
            "outcome": str,
            "error": str,
            "started_at": str,
            "finished_at": str,
        },
        pk="id",
        not_null={"reminder_id", "attempt", "outcome", "started_at"},
        foreign_keys=[("reminder_id", TABLE, "id")],
        if_not_exists=True,
    )
    db[DELIVERIES].create_index(["reminder_id", "attempt"], unique=True, if_not_exists=True)
    # The addresses patients confirmed, the codes sent to them (for the limits;
    # an address only as a keyed hash), then the sends.
    db[CODES].create(
        {"id": int, "sender_id": str, "address_hash": str, "sent_at": str},
        pk="id",
        not_null={"sender_id", "address_hash", "sent_at"},
        if_not_exists=True,
    )
    db[CODES].create_index(["address_hash", "sent_at"], if_not_exists=True)
    db[CODES].create_index(["sender_id", "sent_at"], if_not_exists=True)
    db[CONTACTS].create(
        {
            "id": int,
            "sender_id": str,
            # The reminder the patient gave it for; it serves later ones too.
            "reminder_id": int,
            "kind": str,
            "address": str,
            "consented_at": str,
            "code_hash": str,
            "code_sent_at": str,
            "code_tries": int,
            "confirmed_at": str,
            "stopped_at": str,
            "unsubscribe_token": str,
            "created_at": str,
        },
        pk="id",
        not_null={"sender_id", "kind", "address", "consented_at", "unsubscribe_token"},
        if_not_exists=True,
    )
    db[CONTACTS].create_index(["sender_id", "kind"], if_not_exists=True)
    db[CONTACTS].create_index(["kind", "address"], if_not_exists=True)
    db[CONTACTS].create_index(["unsubscribe_token"], unique=True, if_not_exists=True)
    db[SENDS].create(
        {
            "id": int,
            "reminder_id": int,
            "contact_id": int,
            "kind": str,
            "status": str,
            "attempts": int,
            "retry_at": str,
            "last_error": str,
            "message_id": str,
            "provider_id": str,
            "created_at": str,
            "sent_at": str,
            "updated_at": str,
        },
        pk="id",
        not_null={"reminder_id", "contact_id", "kind", "status", "message_id"},
        foreign_keys=[("reminder_id", TABLE, "id"), ("contact_id", CONTACTS, "id")],
        if_not_exists=True,
    )
    # One send per reminder and contact, however often it is queued.
    db[SENDS].create_index(["reminder_id", "contact_id"], unique=True, if_not_exists=True)
    db[SENDS].create_index(["status", "retry_at"], if_not_exists=True)


@dataclass(frozen=True)
class Reminder:
    id: int
    sender_id: str
    refill_date: dt.date
    remind_at: dt.datetime
    status: str
    attempts: int = 0
    retry_at: dt.datetime | None = None
    # The language of the conversation that set it: e-mails and texts are in it.
    language: str = "en"

    @classmethod
    def from_row(cls, row: Mapping, **more) -> Reminder:
        """A row of the table (a dict or a sqlite3.Row); `more` fills the fields
        a subclass adds (staff_view.Reminder)."""
        return cls(
            row["id"],
            row["sender_id"],
            dt.date.fromisoformat(row["refill_date"]),
            moment(row["remind_at"]),
            row["status"],
            row["attempts"] or 0,
            moment(row["retry_at"]),
            row["language"] or "en",
            **more,
        )


def moment(raw: str | None) -> dt.datetime | None:
    """A time of the table: written in UTC with its offset; one without is UTC too."""
    if not raw:
        return None
    found = dt.datetime.fromisoformat(raw)
    return found if found.tzinfo else found.replace(tzinfo=dt.timezone.utc)


@dataclass(frozen=True)
class NextReminder:
    """The following cycle's reminder, set when this one is finished."""

    refill_date: dt.date
    remind_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


class ReminderStore:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._local = threading.local()
        sqlite_files.migrate(self.db, MIGRATIONS)

    @property
    def db(self) -> sqlite_utils.Database:
        """This thread's connection to the file. Several processes (action server,
        scheduler, CLI) share the file, and several threads one store (the web
        server answers each request on a thread; the scheduler's loop runs beside
        whoever made it): a sqlite3 connection used by two threads at once hands
        one thread the other's rows."""
        db = getattr(self._local, "db", None)
        if db is None:
            db = self._local.db = sqlite_utils.Database(sqlite_files.connect_shared(self.path))
        return db

    def _rows(self, where: str, args: list, order: str = "remind_at") -> list[Reminder]:
        rows = self.db[TABLE].rows_where(where, args, order_by=order)
        return [Reminder.from_row(r) for r in rows]

    def _update(self, reminder_id: int, when: str, **values) -> int:
        """UPDATE one reminder if `when` (SQL on its status) holds; rows changed."""
        values["updated_at"] = _now().isoformat()
        assignments = ", ".join(f"{name} = ?" for name in values)
        cursor = self.db.execute(
            f"UPDATE {TABLE} SET {assignments} WHERE id = ? AND {when}",
            [*values.values(), reminder_id],
        )
        return cursor.rowcount

    def _insert(
        self, sender_id: str, refill_date: dt.date, remind_at: dt.datetime, language: str = "en"
    ) -> int:
        now = _now().isoformat()
        return (
            self.db[TABLE]
            .insert(
                {
                    "sender_id": sender_id,
                    "refill_date": refill_date.isoformat(),
                    "remind_at": _utc(remind_at),
                    "status": PENDING,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                    "language": language,
                }
            )
            .last_pk
        )

    def set(
        self, sender_id: str, refill_date: dt.date, remind_at: dt.datetime, language: str = "en"
    ) -> Reminder:
        """The patient's reminder from now on; any pending one is replaced."""
        with self.db.conn:
            self.db.execute(
                f"UPDATE {TABLE} SET status = ?, updated_at = ? WHERE sender_id = ? AND status = ?",
                [CANCELLED, _now().isoformat(), sender_id, PENDING],
            )
            row_id = self._insert(sender_id, refill_date, remind_at, language)
        return self.get(row_id)

    def get(self, reminder_id: int) -> Reminder:
        return Reminder.from_row(self.db[TABLE].get(reminder_id))

    def find(self, reminder_id: int) -> Reminder | None:
        found = self._rows("id = ?", [reminder_id])
        return found[0] if found else None

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

    def cancel_one(self, reminder_id: int) -> Reminder | None:
        """Cancel one reminder that has not gone out yet (a nurse, for a patient
        who called): the reminder as it was, or None if it was not pending (sent,
        being sent, already cancelled, or no such reminder)."""
        with self.db.conn:
            found = self.find(reminder_id)
            if found is None or found.status != PENDING:
                return None
            cursor = self.db.execute(
                f"UPDATE {TABLE} SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                [CANCELLED, _now().isoformat(), reminder_id, PENDING],
            )
        return found if cursor.rowcount == 1 else None

    def move(
        self, reminder_id: int, refill_date: dt.date, remind_at: dt.datetime
    ) -> tuple[Reminder, Reminder] | None:
        """Move a reminder that has not gone out to another refill date (a nurse,
        for a patient who called): the old one is cancelled and a new one takes
        its place, in one transaction. (old, new), or None if it was not pending."""
        with self.db.conn:
            found = self.find(reminder_id)
            if found is None or found.status != PENDING:
                return None
            cursor = self.db.execute(
                f"UPDATE {TABLE} SET status = ?, updated_at = ? WHERE id = ? AND status = ?",
                [CANCELLED, _now().isoformat(), reminder_id, PENDING],
            )
            if cursor.rowcount != 1:
                return None
            row_id = self._insert(found.sender_id, refill_date, remind_at, found.language)
        return found, self.get(row_id)

    # -- delivery (the scheduler's side) --------------------------------------

    def due(self, now: dt.datetime | None = None) -> list[Reminder]:
        """Pending reminders whose time, and retry time if any, has come."""
        moment = _utc(now or _now())
        return self._rows(
            "status = ? AND remind_at <= ? AND (retry_at IS NULL OR retry_at <= ?)",
            [PENDING, moment, moment],
        )

    def claim(self, reminder_id: int) -> int | None:
        """pending -> delivering, with a new attempt in the outbox; the attempt's
        number, or None if the reminder was no longer pending (cancelled
        meanwhile, or taken by another scheduler)."""
        with self.db.conn:
            cursor = self.db.execute(
                f"UPDATE {TABLE} SET status = ?, attempts = COALESCE(attempts, 0) + 1, "
                "updated_at = ? WHERE id = ? AND status = ?",
                [DELIVERING, _now().isoformat(), reminder_id, PENDING],
            )
            if cursor.rowcount != 1:
                return None
            attempt = self.get(reminder_id).attempts
            self.db[DELIVERIES].insert(
                {
                    "reminder_id": reminder_id,
                    "attempt": attempt,
                    "outcome": STARTED,
                    "started_at": _now().isoformat(),
                }
            )
        return attempt

    def _finish_attempt(self, reminder_id: int, attempt: int, outcome: str, error=None) -> None:
        self.db.execute(
            f"UPDATE {DELIVERIES} SET outcome = ?, error = ?, finished_at = ? "
            "WHERE reminder_id = ? AND attempt = ?",
            [outcome, error, _now().isoformat(), reminder_id, attempt],
        )

    def _set_next(self, reminder: Reminder, following: NextReminder | None) -> None:
        """The next cycle, unless the patient already set a new date."""
        if following is None or self.current(reminder.sender_id) is not None:
            return
        self._insert(
            reminder.sender_id, following.refill_date, following.remind_at, reminder.language
        )

    def delivered(self, reminder: Reminder, attempt: int, following: NextReminder | None) -> bool:
        """The message is in the conversation: sent, and the next cycle set."""
        with self.db.conn:
            if not self._update(
                reminder.id, f"status = '{DELIVERING}'", status=SENT, retry_at=None
            ):
                return False
            self._finish_attempt(reminder.id, attempt, DELIVERED)
            self._set_next(reminder, following)
        return True

    def attempt_failed(
        self,
        reminder: Reminder,
        attempt: int,
        error: str,
        retry_at: dt.datetime | None,
        following: NextReminder | None,
        outcome: str = ERROR,
    ) -> None:
        """Back to pending until retry_at; with no retry left, failed (for
        staff to see) and the next cycle set."""
        with self.db.conn:
            self._finish_attempt(reminder.id, attempt, outcome, error)
            if retry_at is not None:
                self._update(
                    reminder.id,
                    f"status = '{DELIVERING}'",
                    status=PENDING,
                    retry_at=_utc(retry_at),
                    last_error=error,
                )
            elif self._update(
                reminder.id, f"status = '{DELIVERING}'", status=FAILED, last_error=error
            ):
                self._set_next(reminder, following)

    def missed(self, reminder: Reminder, following: NextReminder | None) -> bool:
        """The visit passed before the reminder could go out."""
        with self.db.conn:
            if not self._update(reminder.id, f"status = '{PENDING}'", status=MISSED):
                return False
            self._set_next(reminder, following)
        return True

    def recover_interrupted(self) -> list[int]:
        """After a crash: reminders left 'delivering' go back to pending, due at
        once, and their open attempts are marked interrupted. Whether the message
        did reach the conversation is checked before it is sent again. Only one
        scheduler may run per store (it holds a lock), so any claim found at its
        start belongs to a process that is gone."""
        with self.db.conn:
            ids = [r.id for r in self._rows("status = ?", [DELIVERING])]
            for reminder_id in ids:
                self._update(reminder_id, f"status = '{DELIVERING}'", status=PENDING, retry_at=None)
            self.db.execute(
                f"UPDATE {DELIVERIES} SET outcome = ?, finished_at = ? WHERE outcome = ?",
                [INTERRUPTED, _now().isoformat(), STARTED],
            )
        return ids

    def failures(self, reminder_id: int) -> int:
        """Attempts that reached Rasa and still did not deliver."""
        return self.db[DELIVERIES].count_where(
            "reminder_id = ? AND outcome = ?", [reminder_id, ERROR]
        )

    def attempts(self, reminder_id: int) -> list[dict]:
        return list(
            self.db[DELIVERIES].rows_where("reminder_id = ?", [reminder_id], order_by="attempt")
        )

    # -- views ------------------------------------------------------------------

    def pending(self) -> list[Reminder]:
        return self._rows("status = ?", [PENDING])

    def upcoming(self, from_date: dt.date | None = None) -> list[Reminder]:
        """For the staff view, by refill date: reminders still to go out, and
        failed ones whose visit is still ahead (someone should call)."""
        start = (from_date or _now().date()).isoformat()
        return self._rows(
            "status IN (?, ?, ?) AND refill_date >= ?",
            [PENDING, DELIVERING, FAILED, start],
            order="refill_date, remind_at",
        )

    def all(self) -> list[Reminder]:
        return self._rows("1 = 1", [], order="refill_date, id")
