"""The channel outbox: one row of `sends` per due reminder and confirmed
contact, so an e-mail or text message goes out once, and a crash, a restart or
a provider's outage neither loses nor doubles it.

Statuses: pending (waiting, for its time, a retry, quiet hours or a sender),
sending (claimed: an attempt is under way), sent, failed (the provider refused
it for good or the retries ran out; staff see it), stopped (the patient
stopped that contact, or the reminder was cancelled, before it went).

Exactly once: a send is claimed (pending -> sending, one attempt more) in a
transaction before the provider is called, and marked sent after. A process
killed in between leaves it 'sending'; at the next start recover_interrupted
puts it back to pending with its attempt spent, and any send with an attempt
behind it is checked first ("did it go?"): a text message by asking the
provider (already_sent). An e-mail cannot be asked about once handed to the
SMTP server, so it is sent again with the same Message-ID, which mail
programs use to drop a duplicate: the window where a patient may see one
e-mail twice is a crash between the SMTP server accepting it and the row
being marked sent.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.reminders import contacts
from bot.reminders.store import SENDS, Reminder, ReminderStore

PENDING, SENDING, SENT, FAILED, STOPPED = "pending", "sending", "sent", "failed", "stopped"
INTERRUPTED = "interrupted: the process stopped during the send"
# No text messages between these clinic times unless content/clinic.yml says otherwise.
QUIET_START, QUIET_END = "21:00", "08:00"


@dataclass(frozen=True)
class Send:
    id: int
    reminder_id: int
    contact_id: int
    kind: str
    status: str
    attempts: int
    retry_at: dt.datetime | None
    last_error: str | None
    # Stable across retries: the e-mail sender makes it <message_id@its domain>.
    message_id: str
    provider_id: str | None
    sent_at: dt.datetime | None

    @classmethod
    def from_row(cls, row: dict) -> Send:
        return cls(
            row["id"],
            row["reminder_id"],
            row["contact_id"],
            row["kind"],
            row["status"],
            row["attempts"] or 0,
            _moment(row["retry_at"]),
            row["last_error"],
            row["message_id"],
            row["provider_id"],
            _moment(row["sent_at"]),
        )


def _moment(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).isoformat()


def _rows(store: ReminderStore, where: str, args: list) -> list[Send]:
    return [Send.from_row(r) for r in store.db[SENDS].rows_where(where, args, order_by="id")]


def get(store: ReminderStore, send_id: int) -> Send:
    return Send.from_row(store.db[SENDS].get(send_id))


def _update(store: ReminderStore, send_id: int, when: str, now: dt.datetime, **values) -> int:
    """UPDATE one send if `when` (SQL on its status) holds; rows changed."""
    values["updated_at"] = _utc(now)
    assignments = ", ".join(f"{name} = ?" for name in values)
    cursor = store.db.execute(
        f"UPDATE {SENDS} SET {assignments} WHERE id = ? AND {when}",
        [*values.values(), send_id],
    )
    return cursor.rowcount


def queue(store: ReminderStore, reminder: Reminder, now: dt.datetime) -> int:
    """One send for each of the patient's confirmed contacts; how many are new.
    Queuing the same reminder again adds nothing."""
    moment = _utc(now)
    added = 0
    with store.db.conn:
        for contact in contacts.active(store, reminder.sender_id):
            cursor = store.db.execute(
                f"INSERT OR IGNORE INTO {SENDS} (reminder_id, contact_id, kind, status, "
                "attempts, message_id, created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?, ?)",
                [
                    reminder.id,
                    contact.id,
                    contact.kind,
                    PENDING,
                    f"reminder-{reminder.id}-{contact.id}-{secrets.token_hex(8)}",
                    moment,
                    moment,
                ],
            )
            added += cursor.rowcount
    return added


def due(store: ReminderStore, now: dt.datetime) -> list[Send]:
    moment = _utc(now)
    return _rows(store, "status = ? AND (retry_at IS NULL OR retry_at <= ?)", [PENDING, moment])


def hold(store: ReminderStore, send_id: int, until: dt.datetime, now: dt.datetime) -> bool:
    """Wait, without spending an attempt (quiet hours)."""
    with store.db.conn:
        return bool(_update(store, send_id, f"status = '{PENDING}'", now, retry_at=_utc(until)))


def claim(store: ReminderStore, send_id: int, now: dt.datetime) -> Send | None:
    """pending -> sending, one attempt more; None if it was no longer pending."""
    with store.db.conn:
        cursor = store.db.execute(
            f"UPDATE {SENDS} SET status = ?, attempts = COALESCE(attempts, 0) + 1, "
            "updated_at = ? WHERE id = ? AND status = ?",
            [SENDING, _utc(now), send_id, PENDING],
        )
        if cursor.rowcount != 1:
            return None
    return get(store, send_id)


def sent(store: ReminderStore, send_id: int, provider_id: str | None, now: dt.datetime) -> bool:
    with store.db.conn:
        return bool(
            _update(
                store,
                send_id,
                f"status = '{SENDING}'",
                now,
                status=SENT,
                provider_id=provider_id,
                sent_at=_utc(now),
                retry_at=None,
            )
        )


def attempt_failed(
    store: ReminderStore,
    send_id: int,
    error: str,
    retry_at: dt.datetime | None,
    now: dt.datetime,
) -> None:
    """Back to pending until retry_at; with none (no retry left, or refused for
    good), failed for staff to see. `error` must hold no address or text."""
    with store.db.conn:
        _update(
            store,
            send_id,
            f"status = '{SENDING}'",
            now,
            status=PENDING if retry_at is not None else FAILED,
            retry_at=_utc(retry_at) if retry_at is not None else None,
            last_error=error,
        )


def give_up(store: ReminderStore, send_id: int, status: str, reason: str, now: dt.datetime) -> bool:
    """A pending send that must not go (stopped) or can no longer help (failed)."""
    with store.db.conn:
        return bool(
            _update(store, send_id, f"status = '{PENDING}'", now, status=status, last_error=reason)
        )


def unsubscribed(store: ReminderStore, send_id: int, error: str, now: dt.datetime) -> None:
    """The provider says the patient opted out (an SMS STOP): the contact is
    stopped, this send and the contact's other pending ones too."""
    with store.db.conn:
        send = get(store, send_id)
        _update(store, send_id, f"status = '{SENDING}'", now, status=STOPPED, last_error=error)
        contacts.stop_rows(store, "id = ?", [send.contact_id], now)


def recover_interrupted(store: ReminderStore, now: dt.datetime) -> list[int]:
    """After a crash: sends left 'sending' go back to pending, due at once. Their
    attempt stays spent, so the deliverer checks whether it went before sending
    again. Only one scheduler runs per store (it holds a lock), so any claim
    found at its start belongs to a process that is gone."""
    with store.db.conn:
        ids = [s.id for s in _rows(store, "status = ?", [SENDING])]
        for send_id in ids:
            _update(
                store,
                send_id,
                f"status = '{SENDING}'",
                now,
                status=PENDING,
                retry_at=None,
                last_error=INTERRUPTED,
            )
    return ids


def _clock(value: str | int | None, default: str) -> dt.time:
    """A clinic.yml time, or the default when absent or empty. Unquoted, YAML
    1.1 reads 21:00 as the number 1260 (minutes, base 60) but 08:00 as a
    string; both mean the same here."""
    if value is None or value == "":
        value = default
    if isinstance(value, int):
        return dt.time(value // 60 % 24, value % 60)
    return dt.time.fromisoformat(value.strip())


def quiet_until(now: dt.datetime, clinic: dict) -> dt.datetime | None:
    """If `now` is inside the clinic's quiet hours, when they end; else None.

    The window may cross midnight (21:00-08:00). Its ends are wall-clock times
    in the clinic's zone, so on a DST day the night is an hour shorter or
    longer. Aware datetimes sharing a tzinfo compare by wall time, so every
    comparison here is in UTC."""
    zone = ZoneInfo(clinic["timezone"])
    start = _clock(clinic.get("quiet_hours_start"), QUIET_START)
    end = _clock(clinic.get("quiet_hours_end"), QUIET_END)
    if start == end:
        return None  # no quiet hours
    moment = now.astimezone(dt.timezone.utc)
    today = now.astimezone(zone).date()
    # The window that began yesterday may still be on; today's may have begun.
    for day in (today - dt.timedelta(days=1), today):
        end_day = day + dt.timedelta(days=1) if end < start else day
        begins = dt.datetime.combine(day, start, zone).astimezone(dt.timezone.utc)
        ends = dt.datetime.combine(end_day, end, zone).astimezone(dt.timezone.utc)
        if begins <= moment < ends:
            return ends
    return None


# -- the staff view -------------------------------------------------------------


def _for_staff(store: ReminderStore, send: Send) -> dict:
    contact = contacts.get(store, send.contact_id)
    return {
        "id": send.id,
        "reminder_id": send.reminder_id,
        "kind": send.kind,
        "contact": contact.masked if contact else "",
        "status": send.status,
        "attempts": send.attempts,
        "retry_at": send.retry_at,
        "last_error": send.last_error,
        "sent_at": send.sent_at,
    }


def for_reminder(store: ReminderStore, reminder_id: int) -> list[dict]:
    """The reminder's sends, each with its contact masked (the staff pages read
    the same through staff_view.py)."""
    return [_for_staff(store, s) for s in _rows(store, "reminder_id = ?", [reminder_id])]

