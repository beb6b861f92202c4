"""Refill reminders as the scheduler keeps them: those still to go out, those
that failed (someone should call) and those missed, each with its channels (the
chat, and the patient's e-mail addresses and mobile numbers) and how delivery
went on each. Read through the reminder store's staff view
(bot/reminders/staff_view.py), which opens it read-only; a conversation
shows as its pseudonym only, linked to the inbox when the review log has it; an
address shows masked. Where a reminder failed and the visit is still ahead, a
nurse can open the full address to call or write (contact, audited)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from bot.reminders import contacts, outbox, rules, staff_view, store
from bot.reminders.store import ReminderStore
from staff.accounts import roles
from staff.audit import log
from staff.editor import common
from staff.review import pseudonyms, stats
from staff.review.forms import CancelReminderForm, MoveReminderForm

logger = logging.getLogger(__name__)

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


def channel(found: staff_view.Channel) -> Channel:
    """A channel as staff read it."""
    kind, masked = KIND_NAMES.get(found.kind, found.kind), found.contact
    status, error, retry_at = found.status, found.last_error, found.retry_at
    if status == outbox.PENDING and retry_at is not None:
        # hold() sets a time and no error (quiet hours); a failed try sets both.
        # A hold after a failed try keeps that try's error and shows as a retry.
        if error:
            return Channel(kind, masked, "retry", retry_at, error_kind=_reason(error))
        return Channel(kind, masked, "quiet", retry_at)
    if status == outbox.SENT:
        return Channel(kind, masked, "sent", found.sent_at)
    if status == outbox.FAILED:
        return Channel(kind, masked, "failed", error_kind=_reason(error))
    if status == outbox.STOPPED:
        reason = REASONS["reminder cancelled"] if error == "reminder cancelled" else ""
        return Channel(kind, masked, "stopped", reason=reason)
    if status == outbox.SENDING:
        return Channel(kind, masked, "sending")
    return Channel(kind, masked, "waiting")


def rows(found: dict[str, list[staff_view.Reminder]], today: dt.date) -> dict[str, list[Row]]:
    names = {r.sender_id: pseudonyms.of(r.sender_id) for rs in found.values() for r in rs}
    latest = stats.latest_patient_message(set(names.values()))
    return {
        section: [
            Row(
                id=r.id,
                refill_date=r.refill_date,
                remind_at=r.remind_at,
                status=r.status,
                attempts=r.attempts,
                retry_at=r.retry_at,
                error_kind=error_kind(r.last_error),
                conversation=names[r.sender_id],
                message=latest.get(names[r.sender_id]),
                visit_ahead=r.refill_date >= today,
                channels=tuple(channel(c) for c in r.channels),
                reachable=r.reachable,
            )
            for r in records
        ]
        for section, records in found.items()
    }


@require_GET
@permission_required(roles.REVIEW, raise_exception=True)
def reminders(request):
    sections: dict[str, list[Row]] = {name: [] for name in staff_view.SECTIONS}
    state = "ok"
    try:
        found = staff_view.sections(stats.reminders_db())
    except staff_view.Unreadable as exc:
        # A locked, damaged or foreign file: say so, and keep the page.
        logger.warning("The reminder store could not be read: %s", exc)
        found, state = None, "unreadable"
    if found is None and state == "ok":
        state = "none"
    elif found is not None:
        sections = rows(found, timezone.localdate())
    return render(
        request,
        "staff/reminders.html",
        {
            "state": state,
            "limit": staff_view.LIMIT,
            "sections": [
                {"name": name, "rows": sections[name], **TITLES[name]}
                for name in staff_view.SECTIONS
            ],
        },
    )


@require_POST
@never_cache
@permission_required(roles.REVIEW, raise_exception=True)
def contact(request, pk: int):
    """The full e-mail addresses and numbers of a reminder's patient, for a
    nurse to call or write when the reminder failed and the visit is still
    ahead; refused otherwise. A POST (a deliberate act, CSRF-checked, never
    prefetched), recorded in the audit log without the address."""
    try:
        sheet = staff_view.contact_sheet(stats.reminders_db(), pk)
    except staff_view.Unreadable as exc:
        logger.warning("The reminder store could not be read: %s", exc)
        raise Http404("The reminder store could not be read") from None
    if sheet is None:
        raise Http404("No reminder store, one without contacts, or no such reminder")
    reminder = sheet.reminder
    if reminder.status != store.FAILED and not sheet.send_failed:
        raise PermissionDenied("Nothing failed: the reminder reached the patient or may yet")
    if reminder.refill_date < timezone.localdate():
        raise PermissionDenied("The visit has passed")
    if not sheet.addresses:
        raise Http404("The patient gave no address or number")
    conversation = pseudonyms.of(reminder.sender_id)
    log.record(request.user, "viewed reminder contact", conversation, f"reminder {pk}")
    return render(
        request,
        "staff/reminder_contact.html",
        {
            "reminder_id": pk,
            "refill_date": reminder.refill_date,
            "conversation": conversation,
            "contacts": [
                {
                    "kind": KIND_NAMES.get(c.kind, c.kind),
                    "address": c.address,
                    "is_email": c.kind == contacts.EMAIL,
                    "stopped": c.stopped,
                }
                for c in sheet.addresses
            ],
        },
    )


@require_POST
@permission_required(roles.REVIEW, raise_exception=True)
def cancel(request, pk: int):
    """A nurse cancels a reminder that has not gone out (the patient called):
    through the reminder store's own API, confirmed by a tick, audited."""
    form = CancelReminderForm(request.POST)
    if not form.is_valid():
        flash.error(request, f"Not cancelled: {form.errors['confirm'][0]}")
        return redirect("review:reminders")
    try:
        cancelled = ReminderStore(stats.reminders_db()).cancel_one(pk)
    except store.Error as exc:
        logger.warning("The reminder store could not be changed: %s", type(exc).__name__)
        flash.error(request, "Not cancelled: the reminder store could not be changed. Try again.")
        return redirect("review:reminders")
    if cancelled is None:
        flash.error(request, "Not cancelled: that reminder has gone out or was cancelled already.")
        return redirect("review:reminders")
    conversation = pseudonyms.of(cancelled.sender_id)
    log.record(request.user, "cancelled reminder", conversation, f"reminder {pk}")
    flash.success(
        request,
        f"Cancelled the reminder for the refill of {cancelled.refill_date:%Y-%m-%d}. "
        "The patient's chat shows no reminder set; they can set a new one there.",
    )
    return redirect("review:reminders")


@require_POST
@permission_required(roles.REVIEW, raise_exception=True)
def move(request, pk: int):
    """A nurse moves a reminder that has not gone out to a new refill date (the
    patient called): checked by the reminder rules on the clinic's today,
    through the reminder store's own API, audited with both dates."""
    form = MoveReminderForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        flash.error(request, f"Not moved: {form.errors['refill_date'][0]}")
        return redirect("review:reminders")
    refill = form.cleaned_data["refill_date"]
    clinic = common.content().clinic
    now = dt.datetime.now(dt.timezone.utc)
    try:
        moved = ReminderStore(stats.reminders_db()).move(
            pk, refill, rules.remind_at(refill, clinic, now)
        )
    except store.Error as exc:
        logger.warning("The reminder store could not be changed: %s", type(exc).__name__)
        flash.error(request, "Not moved: the reminder store could not be changed. Try again.")
        return redirect("review:reminders")
    if moved is None:
        flash.error(request, "Not moved: that reminder has gone out or was cancelled already.")
        return redirect("review:reminders")
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
    return redirect("review:reminders")
