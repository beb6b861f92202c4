"""Refill reminders as the scheduler keeps them: those still to go out, those
that failed (someone should call) and those missed, each with its channels (the
chat, and the patient's e-mail addresses and mobile numbers) and how delivery
went on each. Read from the reminder store, opened read-only; a conversation
shows as its pseudonym only, linked to the inbox when the review log has it; an
address shows masked. Where a reminder failed and the visit is still ahead, a
nurse can open the full address to call or write (contact, audited)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
from dataclasses import dataclass

from django.contrib import messages as flash
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bot.reminders import contacts, outbox, rules, store
from bot.reminders.store import ReminderStore
from staff.accounts import roles
from staff.audit import log
from staff.editor import common
from staff.review import pseudonyms, stats
from staff.review.forms import MoveReminderForm

logger = logging.getLogger(__name__)

# Failed and missed reminders pile up over the years: the newest this many.
LIMIT = 200
COLUMNS = "id, sender_id, refill_date, remind_at, status, attempts, retry_at, last_error"
SECTIONS = {
    # name: (statuses, order)
    "upcoming": ((store.PENDING, store.DELIVERING), "remind_at, id"),
    "failed": ((store.FAILED,), "remind_at DESC, id DESC"),
    "missed": ((store.MISSED,), "remind_at DESC, id DESC"),
}
TITLES = {
    "upcoming": {
        "title": "Upcoming",
        "caption": "Reminders not yet delivered, by the time they are due",
        "empty": "No reminder is waiting to go out.",
    },
    "failed": {
        "title": "Failed",
        "caption": "Reminders that could not be delivered after every retry, in the chat"
        " or by e-mail or text message, newest first; where the visit is still ahead,"
        " someone should call the patient",
        "empty": "No reminder has failed.",
    },
    "missed": {
        "title": "Missed",
        "caption": "Reminders whose visit passed while the assistant was down, newest first",
        "empty": "No reminder was missed.",
    },
}
# The scheduler keeps "ExceptionType: its text"; staff see the type only.
ERROR_KIND = re.compile(r"[A-Za-z_][A-Za-z0-9_.]{0,59}")
# Reasons the scheduler writes itself (no exception behind them), as staff read them.
REASONS = {
    "the refill date passed before it went": "the refill date passed first",
    "contact stopped": "the patient stopped this contact",
    "reminder cancelled": "the reminder was cancelled",
    outbox.INTERRUPTED: "interrupted",
}
KIND_NAMES = {contacts.EMAIL: "E-mail", contacts.SMS: "Text message"}
# Only the columns mask() needs, besides which contact and whose: never the
# code hash or the unsubscribe token.
CONTACT_COLUMNS = "id, sender_id, kind, address, confirmed_at, stopped_at"


@dataclass(frozen=True)
class Channel:
    """One e-mail address or number and what became of the reminder there."""

    kind: str  # "E-mail", "Text message"
    contact: str  # masked
    state: str  # waiting, quiet, retry, sending, sent, failed, stopped
    when: dt.datetime | None = None  # quiet/retry: until; sent: at
    error_kind: str = ""
    reason: str = ""  # why it stopped, as staff read it


@dataclass(frozen=True)
class Row:
    id: int
    refill_date: dt.date
    remind_at: dt.datetime
    status: str
    attempts: int
    retry_at: dt.datetime | None
    error_kind: str
    conversation: str
    message: int | None  # pk of the conversation's newest patient message
    visit_ahead: bool
    channels: tuple[Channel, ...] = ()
    # The patient has a confirmed address or number a nurse could use.
    reachable: bool = False

    @property
    def failed(self) -> bool:
        """The chat or one of the channels gave up."""
        return self.status == store.FAILED or any(c.state == "failed" for c in self.channels)

    @property
    def revealable(self) -> bool:
        """Whether a nurse may open the patient's full address (see contact)."""
        return self.failed and self.visit_ahead and self.reachable


def _when(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    moment = dt.datetime.fromisoformat(raw)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, dt.timezone.utc)


def error_kind(error: str | None) -> str:
    """Only the error's type, never its text (which could carry anything)."""
    if not error:
        return ""
    found = ERROR_KIND.match(error.split(":", 1)[0].strip())
    return found.group(0) if found else "other"


def _reason(error: str | None) -> str:
    """A reason the scheduler wrote, in words; an exception's type otherwise."""
    if error in REASONS:
        return REASONS[error]
    return error_kind(error)


def has_channels(connection: sqlite3.Connection) -> bool:
    """Stores from before e-mail and text reminders have no contacts or sends."""
    tables = {
        name
        for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    }
    return {store.CONTACTS, store.SENDS} <= tables


def read(connection: sqlite3.Connection) -> dict[str, list[sqlite3.Row]]:
    channels = has_channels(connection)
    found = {}
    for name, (statuses, order) in SECTIONS.items():
        marks = ", ".join("?" * len(statuses))
        where = f"status IN ({marks})"
        args = list(statuses)
        if name == "failed" and channels:
            # Sent in the chat but an e-mail or text gave up: someone may need to
            # call all the same, and sent reminders show nowhere else.
            where = (
                f"({where} OR (status = ? AND id IN"
                f" (SELECT reminder_id FROM {store.SENDS} WHERE status = ?)))"
            )
            args += [store.SENT, outbox.FAILED]
        found[name] = connection.execute(
            f"SELECT {COLUMNS} FROM {store.TABLE} WHERE {where} ORDER BY {order} LIMIT ?",
            [*args, LIMIT],
        ).fetchall()
    return found


def _masked(row: sqlite3.Row) -> str:
    # mask() reads the kind and address only; the rest of a Contact is filler.
    return contacts.mask(
        contacts.Contact(
            id=row["id"],
            sender_id="",
            reminder_id=None,
            kind=row["kind"],
            address=row["address"],
            consented_at=dt.datetime.min,
            confirmed_at=None,
            stopped_at=None,
            unsubscribe_token="",
        )
    )


def _send_channel(send: sqlite3.Row, masked: str) -> Channel:
    kind = KIND_NAMES.get(send["kind"], send["kind"])
    status, error, retry_at = send["status"], send["last_error"], _when(send["retry_at"])
    if status == outbox.PENDING and retry_at is not None:
        # hold() sets a time and no error (quiet hours); a failed try sets both.
        # A hold after a failed try keeps that try's error and shows as a retry.
        if error:
            return Channel(kind, masked, "retry", retry_at, error_kind=_reason(error))
        return Channel(kind, masked, "quiet", retry_at)
    if status == outbox.SENT:
        return Channel(kind, masked, "sent", _when(send["sent_at"]))
    if status == outbox.FAILED:
        return Channel(kind, masked, "failed", error_kind=_reason(error))
    if status == outbox.STOPPED:
        reason = REASONS["reminder cancelled"] if error == "reminder cancelled" else ""
        return Channel(kind, masked, "stopped", reason=reason)
    if status == outbox.SENDING:
        return Channel(kind, masked, "sending")
    return Channel(kind, masked, "waiting")


def channels(
    connection: sqlite3.Connection, records: list[sqlite3.Row]
) -> tuple[dict[int, tuple[Channel, ...]], set[str]]:
    """Each reminder's e-mail and text channels, and the senders a nurse could
    reach (a confirmed contact, stopped or not). Once a reminder fell due its
    sends say what happened; before, the patient's active contacts wait."""
    if not records or not has_channels(connection):
        return {}, set()
    ids = [r["id"] for r in records]
    senders = sorted({r["sender_id"] for r in records})
    id_marks, sender_marks = ",".join("?" * len(ids)), ",".join("?" * len(senders))
    sends: dict[int, list[sqlite3.Row]] = {}
    for send in connection.execute(
        f"SELECT s.reminder_id, s.kind, s.status, s.retry_at, s.last_error, s.sent_at,"
        f" c.id, c.address, c.kind AS contact_kind FROM {store.SENDS} s"
        f" LEFT JOIN {store.CONTACTS} c ON c.id = s.contact_id"
        f" WHERE s.reminder_id IN ({id_marks}) ORDER BY s.id",
        ids,
    ):
        sends.setdefault(send["reminder_id"], []).append(send)
    confirmed = connection.execute(
        f"SELECT {CONTACT_COLUMNS} FROM {store.CONTACTS}"
        f" WHERE sender_id IN ({sender_marks}) AND confirmed_at IS NOT NULL ORDER BY id",
        senders,
    ).fetchall()
    active: dict[str, list[sqlite3.Row]] = {}
    for contact in confirmed:
        if contact["stopped_at"] is None:
            active.setdefault(contact["sender_id"], []).append(contact)
    found = {}
    for r in records:
        if r["id"] in sends:
            found[r["id"]] = tuple(
                _send_channel(
                    s,
                    _masked({"id": s["id"], "kind": s["contact_kind"], "address": s["address"]})
                    if s["address"]
                    else "",
                )
                for s in sends[r["id"]]
            )
        elif r["status"] in (store.PENDING, store.DELIVERING):
            found[r["id"]] = tuple(
                Channel(KIND_NAMES.get(c["kind"], c["kind"]), _masked(c), "waiting")
                for c in active.get(r["sender_id"], [])
            )
    return found, {c["sender_id"] for c in confirmed}


def rows(
    found: dict[str, list[sqlite3.Row]],
    today: dt.date,
    channels_of: dict[int, tuple[Channel, ...]] | None = None,
    reachable: set[str] = frozenset(),
) -> dict[str, list[Row]]:
    channels_of = channels_of or {}
    names = {r["sender_id"]: pseudonyms.of(r["sender_id"]) for rs in found.values() for r in rs}
    latest = stats.latest_patient_message(set(names.values()))
    result = {}
    for section, records in found.items():
        result[section] = [
            Row(
                id=r["id"],
                refill_date=dt.date.fromisoformat(r["refill_date"]),
                remind_at=_when(r["remind_at"]),
                status=r["status"],
                attempts=r["attempts"] or 0,
                retry_at=_when(r["retry_at"]),
                error_kind=error_kind(r["last_error"]),
                conversation=names[r["sender_id"]],
                message=latest.get(names[r["sender_id"]]),
                visit_ahead=dt.date.fromisoformat(r["refill_date"]) >= today,
                channels=channels_of.get(r["id"], ()),
                reachable=r["sender_id"] in reachable,
            )
            for r in records
        ]
    return result


@require_GET
@roles.require(*roles.REVIEWERS)
def reminders(request):
    sections: dict[str, list[Row]] = {name: [] for name in SECTIONS}
    state = "ok"
    try:
        with stats.read_only(stats.reminders_db()) as connection:
            if connection is None:
                state = "none"
            else:
                found = read(connection)
                every = [r for records in found.values() for r in records]
                channels_of, reachable = channels(connection, every)
                sections = rows(found, timezone.localdate(), channels_of, reachable)
    except (sqlite3.Error, ValueError) as exc:
        # A locked, damaged or foreign file: say so, and keep the page.
        logger.warning("The reminder store could not be read: %s", type(exc).__name__)
        state = "unreadable"
    return render(
        request,
        "staff/reminders.html",
        {
            "state": state,
            "limit": LIMIT,
            "sections": [
                {"name": name, "rows": sections[name], **TITLES[name]} for name in SECTIONS
            ],
        },
    )


@require_POST
@never_cache
@roles.require(*roles.REVIEWERS)
def contact(request, pk: int):
    """The full e-mail addresses and numbers of a reminder's patient, for a
    nurse to call or write when the reminder failed and the visit is still
    ahead; refused otherwise. A POST (a deliberate act, CSRF-checked, never
    prefetched), recorded in the audit log without the address."""
    try:
        with stats.read_only(stats.reminders_db()) as connection:
            if connection is None or not has_channels(connection):
                raise Http404("No reminder store, or one without contacts")
            reminder = connection.execute(
                f"SELECT {COLUMNS} FROM {store.TABLE} WHERE id = ?", [pk]
            ).fetchone()
            if reminder is None:
                raise Http404("No such reminder")
            failed_sends = connection.execute(
                f"SELECT COUNT(*) FROM {store.SENDS} WHERE reminder_id = ? AND status = ?",
                [pk, outbox.FAILED],
            ).fetchone()[0]
            found = connection.execute(
                f"SELECT {CONTACT_COLUMNS} FROM {store.CONTACTS}"
                " WHERE sender_id = ? AND confirmed_at IS NOT NULL"
                " ORDER BY stopped_at IS NOT NULL, id",  # the active ones first
                [reminder["sender_id"]],
            ).fetchall()
    except sqlite3.Error as exc:
        logger.warning("The reminder store could not be read: %s", type(exc).__name__)
        raise Http404("The reminder store could not be read") from None
    if reminder["status"] != store.FAILED and not failed_sends:
        raise PermissionDenied("Nothing failed: the reminder reached the patient or may yet")
    if dt.date.fromisoformat(reminder["refill_date"]) < timezone.localdate():
        raise PermissionDenied("The visit has passed")
    if not found:
        raise Http404("The patient gave no address or number")
    conversation = pseudonyms.of(reminder["sender_id"])
    log.record(request.user, "viewed reminder contact", conversation, f"reminder {pk}")
    return render(
        request,
        "staff/reminder_contact.html",
        {
            "reminder_id": pk,
            "refill_date": dt.date.fromisoformat(reminder["refill_date"]),
            "conversation": conversation,
            "contacts": [
                {
                    "kind": KIND_NAMES.get(c["kind"], c["kind"]),
                    "address": c["address"],
                    "is_email": c["kind"] == contacts.EMAIL,
                    "stopped": c["stopped_at"] is not None,
                }
                for c in found
            ],
        },
    )


@require_POST
@roles.require(*roles.REVIEWERS)
def cancel(request, pk: int):
    """A nurse cancels a reminder that has not gone out (the patient called):
    through the reminder store's own API, confirmed by a tick, audited."""
    if request.POST.get("confirm") != "yes":
        flash.error(request, "Not cancelled: tick the box to confirm.")
        return redirect("reminders")
    try:
        cancelled = ReminderStore(stats.reminders_db()).cancel_one(pk)
    except sqlite3.Error as exc:
        logger.warning("The reminder store could not be changed: %s", type(exc).__name__)
        flash.error(request, "Not cancelled: the reminder store could not be changed. Try again.")
        return redirect("reminders")
    if cancelled is None:
        flash.error(request, "Not cancelled: that reminder has gone out or was cancelled already.")
        return redirect("reminders")
    conversation = pseudonyms.of(cancelled.sender_id)
    log.record(request.user, "cancelled reminder", conversation, f"reminder {pk}")
    flash.success(
        request,
        f"Cancelled the reminder for the refill of {cancelled.refill_date:%Y-%m-%d}. "
        "The patient's chat shows no reminder set; they can set a new one there.",
    )
    return redirect("reminders")


# Why a date cannot be a reminder's (bot/reminders/rules.py), as staff read it.
REFUSED = {
    "reminder_date_past": "that date has passed",
    "reminder_date_today": "that is today, too late for a reminder",
    "reminder_date_too_far": "that is more than a year ahead",
    "reminder_date_not_understood": "that is not a date",
}


@require_POST
@roles.require(*roles.REVIEWERS)
def move(request, pk: int):
    """A nurse moves a reminder that has not gone out to a new refill date (the
    patient called): checked by the reminder rules on the clinic's today,
    through the reminder store's own API, audited with both dates."""
    form = MoveReminderForm(request.POST)
    if not form.is_valid():
        flash.error(request, f"Not moved: {form.errors['refill_date'][0]}")
        return redirect("reminders")
    clinic = common.content().clinic
    now = dt.datetime.now(dt.timezone.utc)
    try:
        refill = rules.refill_date(form.cleaned_data["refill_date"], timezone.localdate())
    except rules.RefusedDate as refused:
        flash.error(request, f"Not moved: {REFUSED.get(refused.reason, refused.reason)}.")
        return redirect("reminders")
    try:
        moved = ReminderStore(stats.reminders_db()).move(
            pk, refill, rules.remind_at(refill, clinic, now)
        )
    except sqlite3.Error as exc:
        logger.warning("The reminder store could not be changed: %s", type(exc).__name__)
        flash.error(request, "Not moved: the reminder store could not be changed. Try again.")
        return redirect("reminders")
    if moved is None:
        flash.error(request, "Not moved: that reminder has gone out or was cancelled already.")
        return redirect("reminders")
    old, new = moved
    conversation = pseudonyms.of(new.sender_id)
    log.record(
        request.user,
        "moved reminder",
        conversation,
        f"reminder {old.id} ({old.refill_date:%Y-%m-%d}) -> reminder {new.id} "
        f"({new.refill_date:%Y-%m-%d})",
    )
    flash.success(
        request,
        f"Moved the reminder from the refill of {old.refill_date:%Y-%m-%d} to "
        f"{new.refill_date:%Y-%m-%d}. The patient's chat shows the new date.",
    )
    return redirect("reminders")
