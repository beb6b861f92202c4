"""Conversations as nurses review them: each keeps what the inbox sorts and
shows by (its most serious outcome, its newest patient message, how many it
has), refreshed from its patient messages whenever the log follower writes
some; and marking conversations reviewed, one audit entry each."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from staff.audit import log
from staff.review import pseudonyms
from staff.review.models import Conversation, Message, Status

PREVIEW_CHARS = 160


def preview(text: str, limit: int = PREVIEW_CHARS) -> str:
    """The first line of a message, cut to `limit` characters, with "…" where
    more was left out: a long message never fills the inbox."""
    first, _, rest = text.strip().partition("\n")
    first = first.strip()
    if len(first) > limit:
        return first[: limit - 1].rstrip() + "…"
    return first + (" …" if rest.strip() else "")


def refresh(names: Iterable[str]) -> None:
    """Bring these conversations up to date with their patient messages. A
    reviewed conversation the patient wrote in again is new again."""
    for name in set(names):
        _refresh(_current_name(name))


def _current_name(name: str) -> str:
    """A name of the shorter kind stored before belongs to the conversation of
    the longer name once that has one."""
    if len(name) == pseudonyms.LEGACY_LENGTH:
        longer = Conversation.objects.filter(name__startswith=name, name__regex=r"^.{20,}$")
        found = longer.values_list("name", flat=True).first()
        return found or name
    return name


def _absorb_legacy(name: str) -> None:
    """The conversation kept under the shorter name becomes this one's."""
    legacy = Conversation.objects.filter(name=name[: pseudonyms.LEGACY_LENGTH]).first()
    if legacy is None or len(name) != pseudonyms.LENGTH:
        return
    current = Conversation.objects.filter(name=name).first()
    if current is None:
        legacy.name = name
        legacy.save(update_fields=["name"])
        return
    legacy.notes.update(conversation=current)
    if current.assigned_to_id is None:
        current.assigned_to_id = legacy.assigned_to_id
        current.save(update_fields=["assigned_to"])
    legacy.delete()


def _refresh(name: str) -> None:
    _absorb_legacy(name)
    patient = Message.objects.filter(pseudonyms.same_conversation(name), sender=Message.PATIENT)
    lead = patient.order_by("priority", "-time", "-id").first()
    if lead is None:  # a reminder alone: nothing for a nurse to review
        return
    newest = patient.order_by("-time", "-id").first()
    count = patient.count()
    conversation = Conversation.objects.filter(name=name).first() or Conversation(name=name)
    if conversation.pk and count > conversation.count and conversation.status == Status.REVIEWED:
        conversation.status = Status.NEW
    conversation.outcome, conversation.priority = lead.outcome, lead.priority
    conversation.lead, conversation.last_time, conversation.count = lead, newest.time, count
    conversation.save()


def mark_reviewed(user, chosen: Iterable[Conversation], where: str) -> int:
    """Each chosen conversation reviewed, audited one by one; the number changed."""
    changed = 0
    with transaction.atomic():
        for conversation in chosen:
            if conversation.status == Status.REVIEWED:
                continue
            conversation.status = Status.REVIEWED
            conversation.save(update_fields=["status"])
            log.record(user, "reviewed conversation", conversation.name, where)
            changed += 1
    return changed


def of(stored: str) -> Conversation | None:
    """The conversation a message stored under this name belongs to."""
    found = Conversation.objects.filter(name__in=pseudonyms.names(stored)).first()
    if found is None and len(stored) == pseudonyms.LEGACY_LENGTH:
        found = Conversation.objects.filter(name__startswith=stored).first()
    return found
