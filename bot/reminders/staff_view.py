"""What the staff workspace may read of the reminder store: the reminders still
to go out, failed or missed, each with its e-mail and text channels (addresses
masked); the full addresses of one reminder's patient, for a nurse to call; the
figures of the overview. The store's tables are read here and in store.py,
contacts.py and outbox.py, nowhere else.

The file is opened read-only and never created: the workspace may run as a
user who cannot write it, and a page view must not make a store where the
assistant has made none. A missing file or one without the reminder tables reads
as None; a locked, damaged or foreign file raises Unreadable."""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.reminders import contacts, outbox, store
from bot.reminders.store import (
    CONTACTS,
    DELIVERED,
    DELIVERIES,
    DELIVERING,
    FAILED,
    MISSED,
    PENDING,
    SENDS,
    SENT,
    TABLE,
    moment,
)

# Failed and missed reminders pile up over the years: the newest this many.
LIMIT = 200
REMINDER_COLUMNS = (
    "id, sender_id, refill_date, remind_at, status, attempts, retry_at, language, last_error"
)
# Whose and which contact, and what mask() needs: never the code hash or the unsubscribe token.
CONTACT_COLUMNS = "id, sender_id, kind, address, confirmed_at, stopped_at"
SECTIONS = {
    # name: (statuses, order)
    "upcoming": ((PENDING, DELIVERING), "remind_at, id"),
    "failed": ((FAILED,), "remind_at DESC, id DESC"),
    "missed": ((MISSED,), "remind_at DESC, id DESC"),
}


class Unreadable(Exception):
    """The store is locked, damaged or not a reminder store; the text says which
    kind of error only."""


@dataclass(frozen=True)
class Channel:
    """One e-mail address or number of a reminder's patient and its send."""

    kind: str  # contacts.EMAIL, contacts.SMS
    contact: str  # masked; "" when the contact row is gone
    # The send's (outbox.PENDING, ...); None before the reminder fell due: the
    # patient's active contact waits for it.
    status: str | None = None
    retry_at: dt.datetime | None = None
    last_error: str | None = None
    sent_at: dt.datetime | None = None


@dataclass(frozen=True)
class Reminder(store.Reminder):
    """The store's reminder, with what the staff pages show beside it."""

    last_error: str | None = None
    channels: tuple[Channel, ...] = ()
    # The patient has a confirmed address or number (stopped or not) a nurse could use.
    reachable: bool = False


@dataclass(frozen=True)
class Address:
    """An address in full: only for the audited page that opens it."""

    kind: str
    address: str
    stopped: bool


@dataclass(frozen=True)
class ContactSheet:
    reminder: Reminder
    # A send of this reminder (e-mail or text) gave up.
    send_failed: bool
    # The patient's confirmed addresses, the active ones first.
    addresses: tuple[Address, ...]


@dataclass(frozen=True)
class Counts:
    delivered: int
    failed: int
    missed: int


@contextlib.contextmanager
def _read_only(path: Path) -> Iterator[tuple[sqlite3.Connection, bool] | None]:
    """(connection, has_channels), or None when there is no store yet. Stores
    from before e-mail and text reminders have no contacts or sends."""
    if not path.is_file():
        yield None
        return
    try:
        connection = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as exc:
        raise Unreadable(type(exc).__name__) from None
    connection.row_factory = sqlite3.Row
    try:
        tables = {
            name
            for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        if {TABLE, DELIVERIES} <= tables:
            yield connection, {CONTACTS, SENDS} <= tables
        else:
            yield None
    except (sqlite3.Error, ValueError) as exc:
        raise Unreadable(type(exc).__name__) from None
    finally:
        connection.close()


def _reminder(row: sqlite3.Row, **more) -> Reminder:
    return Reminder.from_row(row, last_error=row["last_error"], **more)


def sections(path: Path, limit: int = LIMIT) -> dict[str, list[Reminder]] | None:
    """Per section of SECTIONS, its newest `limit` reminders with their channels."""
    with _read_only(path) as opened:
        if opened is None:
            return None
        connection, has_channels = opened
        found = {name: _section(connection, name, has_channels, limit) for name in SECTIONS}
        every = [r for rows in found.values() for r in rows]
        channels, reachable = _channels(connection, every) if has_channels else ({}, set())
        return {
            name: [
                _reminder(
                    r, channels=channels.get(r["id"], ()), reachable=r["sender_id"] in reachable
                )
                for r in rows
            ]
            for name, rows in found.items()
        }


def _section(
    connection: sqlite3.Connection, name: str, has_channels: bool, limit: int
) -> list[sqlite3.Row]:
    statuses, order = SECTIONS[name]
    where = f"status IN ({', '.join('?' * len(statuses))})"
    args = list(statuses)
    if name == "failed" and has_channels:
        # Sent in the chat but an e-mail or text gave up: someone may need to
        # call all the same, and sent reminders show nowhere else.
        where = (
            f"({where} OR (status = ? AND id IN"
            f" (SELECT reminder_id FROM {SENDS} WHERE status = ?)))"
        )
        args += [SENT, outbox.FAILED]
    return connection.execute(
        f"SELECT {REMINDER_COLUMNS} FROM {TABLE} WHERE {where} ORDER BY {order} LIMIT ?",
        [*args, limit],
    ).fetchall()


def _channels(
    connection: sqlite3.Connection, records: list[sqlite3.Row]
) -> tuple[dict[int, tuple[Channel, ...]], set[str]]:
    """Each reminder's channels, and the senders a nurse could reach. Once a
    reminder fell due its sends say what happened; before, the patient's active
    contacts wait."""
    if not records:
        return {}, set()
    ids = [r["id"] for r in records]
    senders = sorted({r["sender_id"] for r in records})
    sends: dict[int, list[Channel]] = {}
    for send in connection.execute(
        f"SELECT s.reminder_id, s.kind, s.status, s.retry_at, s.last_error, s.sent_at,"
        f" c.address, c.kind AS contact_kind FROM {SENDS} s"
        f" LEFT JOIN {CONTACTS} c ON c.id = s.contact_id"
        f" WHERE s.reminder_id IN ({','.join('?' * len(ids))}) ORDER BY s.id",
        ids,
    ):
        masked = contacts.mask(send["contact_kind"], send["address"]) if send["address"] else ""
        sends.setdefault(send["reminder_id"], []).append(
            Channel(
                send["kind"],
                masked,
                send["status"],
                moment(send["retry_at"]),
                send["last_error"],
                moment(send["sent_at"]),
            )
        )
    confirmed = _confirmed(connection, senders)
    waiting: dict[str, list[Channel]] = {}
    for contact in confirmed:
        if contact["stopped_at"] is None:
            waiting.setdefault(contact["sender_id"], []).append(
                Channel(contact["kind"], contacts.mask(contact["kind"], contact["address"]))
            )
    found = {}
    for r in records:
        if r["id"] in sends:
            found[r["id"]] = tuple(sends[r["id"]])
        elif r["status"] in (PENDING, DELIVERING):
            found[r["id"]] = tuple(waiting.get(r["sender_id"], ()))
    return found, {c["sender_id"] for c in confirmed}


def _confirmed(connection: sqlite3.Connection, senders: list[str]) -> list[sqlite3.Row]:
    """The senders' confirmed contacts, the active ones first."""
    return connection.execute(
        f"SELECT {CONTACT_COLUMNS} FROM {CONTACTS}"
        f" WHERE sender_id IN ({','.join('?' * len(senders))}) AND confirmed_at IS NOT NULL"
        " ORDER BY stopped_at IS NOT NULL, id",
        senders,
    ).fetchall()


def contact_sheet(path: Path, reminder_id: int) -> ContactSheet | None:
    """One reminder with its patient's confirmed addresses in full; None with no
    store, a store without contacts, or no such reminder."""
    with _read_only(path) as opened:
        if opened is None or not opened[1]:
            return None
        connection = opened[0]
        row = connection.execute(
            f"SELECT {REMINDER_COLUMNS} FROM {TABLE} WHERE id = ?", [reminder_id]
        ).fetchone()
        if row is None:
            return None
        (failed_sends,) = connection.execute(
            f"SELECT COUNT(*) FROM {SENDS} WHERE reminder_id = ? AND status = ?",
            [reminder_id, outbox.FAILED],
        ).fetchone()
        addresses = tuple(
            Address(c["kind"], c["address"], c["stopped_at"] is not None)
            for c in _confirmed(connection, [row["sender_id"]])
        )
        return ContactSheet(_reminder(row), bool(failed_sends), addresses)


def counts(path: Path, first: dt.date, last: dt.date) -> Counts | None:
    """Reminders delivered, failed (gave up) and missed on the days from first to
    last (UTC, as the store keeps its times); None with no store."""
    span = [first.isoformat(), last.isoformat()]
    with _read_only(path) as opened:
        if opened is None:
            return None
        connection = opened[0]
        (delivered,) = connection.execute(
            f"SELECT COUNT(*) FROM {DELIVERIES} WHERE outcome = ?"
            " AND substr(finished_at, 1, 10) BETWEEN ? AND ?",
            [DELIVERED, *span],
        ).fetchone()
        ended = {
            status: connection.execute(
                f"SELECT COUNT(*) FROM {TABLE} WHERE status = ?"
                " AND substr(updated_at, 1, 10) BETWEEN ? AND ?",
                [status, *span],
            ).fetchone()[0]
            for status in (FAILED, MISSED)
        }
        return Counts(delivered, ended[FAILED], ended[MISSED])
