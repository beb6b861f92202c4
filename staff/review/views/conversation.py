"""One message in its conversation, and what a nurse does with it: review,
note, follow-up, assign, and the right topic for a missed question."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.models import User
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from bot import paths
from bot.content import editing, examples, loader
from staff.accounts import roles
from staff.audit import log
from staff.editor import common as editor_common
from staff.editor import drafts
from staff.editor.models import Approval, Draft
from staff.review import originals, pseudonyms
from staff.review.models import Message, Note, Status

NOTE_LIMIT = 2000


def _topics() -> list[tuple[str, str]]:
    content = loader.load(paths.CONTENT_DIR)
    return sorted(((t.id, t.title) for t in content.topics.values()), key=lambda t: t[1])


@require_GET
@roles.require(*roles.REVIEWERS)
def conversation(request, pk: int):
    message = get_object_or_404(Message, pk=pk)
    turns = Message.objects.filter(pseudonyms.same_conversation(message.conversation)).order_by(
        "event_id"
    )
    log.record(request.user, "viewed conversation", message.conversation, f"from message {pk}")
    return render(
        request,
        "staff/conversation.html",
        {
            "message": message,
            "turns": turns,
            "notes": message.notes.select_related("author"),
            "statuses": Status.choices,
            "colleagues": User.objects.filter(is_active=True).order_by("username"),
            "topics": _topics() if message.sender == Message.PATIENT else [],
        },
    )


@require_GET
@roles.require(roles.ADMIN)
def original(request, pk: int):
    """The unmasked conversation, from Rasa's own tracker store: admins only, audited."""
    message = get_object_or_404(Message, pk=pk)
    turns = Message.objects.filter(pseudonyms.same_conversation(message.conversation)).order_by(
        "event_id"
    )
    texts = originals.texts([t.event_id for t in turns])
    log.record(request.user, "viewed original text", message.conversation, f"from message {pk}")
    return render(
        request,
        "staff/original.html",
        {"message": message, "turns": [(t, texts.get(t.event_id, "")) for t in turns]},
    )


@require_POST
@roles.require(*roles.REVIEWERS)
def update(request, pk: int):
    message = get_object_or_404(Message, pk=pk)
    changes = []
    with transaction.atomic():
        status = request.POST.get("status")
        if status in Status.values and status != message.status:
            message.status = status
            changes.append(f"status {status}")
        if "assigned_to" in request.POST:
            raw = request.POST.get("assigned_to") or ""
            user = User.objects.filter(pk=int(raw)).first() if raw.isdigit() else None
            if user != message.assigned_to:
                message.assigned_to = user
                changes.append(f"assigned to {user.username if user else 'nobody'}")
        message.save()
        note = (request.POST.get("note") or "").strip()[:NOTE_LIMIT]
        if note:
            Note.objects.create(message=message, author=request.user, text=note)
            changes.append("note added")
        if changes:
            # The note itself is not copied here: it may quote the patient.
            log.record(
                request.user,
                "changed message",
                message.conversation,
                f"message {pk}: " + ", ".join(changes),
            )
    flash.success(request, "Saved: " + ", ".join(changes) if changes else "Nothing changed.")
    return redirect("conversation", pk=pk)


@require_POST
@roles.require(*roles.REVIEWERS)
def review_conversation(request, pk: int):
    """Every new message of this message's conversation marked reviewed in one
    step; those marked for follow-up keep that mark. Audited."""
    message = get_object_or_404(Message, pk=pk)
    with transaction.atomic():
        marked = (
            Message.objects.filter(pseudonyms.same_conversation(message.conversation))
            .filter(sender=Message.PATIENT, status=Status.NEW)
            .update(status=Status.REVIEWED)
        )
        if marked:
            log.record(
                request.user,
                "reviewed conversation",
                message.conversation,
                f"{marked} message{'s' if marked != 1 else ''} from message {pk}",
            )
    kept = Message.objects.filter(
        pseudonyms.same_conversation(message.conversation),
        sender=Message.PATIENT,
        status=Status.FOLLOW_UP,
    ).count()
    said = f"Marked {marked} message{'s' if marked != 1 else ''} reviewed."
    if kept:
        said += f" {kept} marked for follow-up keep that mark."
    flash.success(request, said)
    return redirect("conversation", pk=pk)


@require_POST
@roles.require(*roles.REVIEWERS)
def assign_topic(request, pk: int):
    message = get_object_or_404(Message, pk=pk, sender=Message.PATIENT)
    topic = request.POST.get("topic") or ""
    if Approval.required():
        return _propose_example(request, message, topic)
    # Started before the change, so the change is a commit of its own.
    history = editor_common.history()
    try:
        changed = examples.add(paths.CONTENT_DIR, topic, message.text)
    except examples.ExampleError as exc:
        flash.error(request, str(exc))
        return redirect("conversation", pk=pk)
    # Into the content's history too, with the nurse as author.
    history.commit(
        [changed], editor_common.author(request.user), f"{topic}: example question from the inbox"
    )
    message.corrected_topic = topic
    message.save(update_fields=["corrected_topic"])
    log.record(request.user, "added example question", topic, f"from message {pk}")
    flash.success(
        request,
        f"Added to the examples of “{topic}” in content/. "
        "The assistant learns it at the next training.",
    )
    return redirect("conversation", pk=pk)


def _propose_example(request, message: Message, topic: str):
    """With approval on, the question waits as a draft; the nurse's reading of
    which topic it belongs to is kept at once (it is the review's, not content)."""
    try:
        draft = drafts.propose(request.user, Draft.EXAMPLE, topic, {"question": message.text},
                       changed="example question")  # fmt: skip
    except editing.Invalid as invalid:
        flash.error(request, "; ".join(m for ms in invalid.errors.values() for m in ms))
        return redirect("conversation", pk=message.pk)
    if draft is None:
        flash.info(request, "Nothing changed.")
        return redirect("conversation", pk=message.pk)
    message.corrected_topic = topic
    message.save(update_fields=["corrected_topic"])
    flash.success(
        request,
        f"Sent for approval: the question joins the examples of “{topic}” once a "
        "second person approves it.",
    )
    return redirect("conversation", pk=message.pk)
