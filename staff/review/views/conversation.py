"""A conversation, opened at one of its messages, and what a nurse does with
it: review it, note, follow up, assign it; mark a reply wrong; and the right
topic for a missed question."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
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
from staff.review import conversations, originals, pseudonyms
from staff.review.forms import ConversationReviewForm, WrongAnswerForm
from staff.review.models import Conversation, Message, Note


def _topics() -> list[tuple[str, str]]:
    content = loader.load(paths.CONTENT_DIR)
    return sorted(((t.id, t.title) for t in content.topics.values()), key=lambda t: t[1])


@require_GET
@permission_required(roles.REVIEW, raise_exception=True)
def conversation(request, pk: int):
    message = get_object_or_404(Message, pk=pk)
    turns = Message.objects.filter(pseudonyms.same_conversation(message.conversation)).order_by(
        "event_id"
    )
    reviewed = conversations.of(message.conversation)
    log.record(request.user, "viewed conversation", message.conversation, f"from message {pk}")
    return render(
        request,
        "staff/conversation.html",
        {
            "message": message,
            "turns": turns,
            "conversation": reviewed,
            "form": ConversationReviewForm(instance=reviewed) if reviewed else None,
            "notes": reviewed.notes.select_related("author") if reviewed else [],
            "topics": _topics() if message.sender == Message.PATIENT else [],
        },
    )


@require_GET
@permission_required(roles.MANAGE, raise_exception=True)
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
@permission_required(roles.REVIEW, raise_exception=True)
def update(request, pk: int):
    """The conversation's status, who has it, and a note, from its page."""
    reviewed = get_object_or_404(Conversation, pk=pk)
    back = request.POST.get("message") or ""
    form = ConversationReviewForm(request.POST, instance=reviewed)
    if not form.is_valid():
        flash.error(request, " ".join(m for ms in form.errors.values() for m in ms))
        return _back(reviewed, back)
    changes = []
    if "status" in form.changed_data:
        changes.append(f"status {form.cleaned_data['status']}")
    if "assigned_to" in form.changed_data:
        changes.append(f"assigned to {form.cleaned_data['assigned_to'] or 'nobody'}")
    with transaction.atomic():
        form.save()
        if form.cleaned_data["note"]:
            Note.objects.create(
                conversation=reviewed, author=request.user, text=form.cleaned_data["note"]
            )
            changes.append("note added")
        if changes:
            # The note itself is not copied here: it may quote the patient.
            log.record(request.user, "changed conversation", reviewed.name, ", ".join(changes))
    flash.success(request, "Saved: " + ", ".join(changes) if changes else "Nothing changed.")
    return _back(reviewed, back)


@require_POST
@permission_required(roles.REVIEW, raise_exception=True)
def review_conversation(request, pk: int):
    """The whole conversation marked reviewed in one step; audited."""
    reviewed = get_object_or_404(Conversation, pk=pk)
    if conversations.mark_reviewed(request.user, [reviewed], "from its page"):
        flash.success(request, "Marked the whole conversation reviewed.")
    else:
        flash.info(request, "This conversation was already reviewed.")
    return _back(reviewed, request.POST.get("message") or "")


@require_POST
@permission_required(roles.REVIEW, raise_exception=True)
def wrong_answer(request, pk: int):
    """Marks the assistant's reply to this patient message wrong, or clears it."""
    message = get_object_or_404(Message, pk=pk, sender=Message.PATIENT)
    form = WrongAnswerForm(request.POST)
    if form.is_valid() and form.cleaned_data["wrong"] != message.wrong_answer:
        message.wrong_answer = form.cleaned_data["wrong"]
        message.save(update_fields=["wrong_answer"])
        said = "marked wrong answer" if message.wrong_answer else "cleared wrong answer"
        log.record(request.user, said, message.conversation, f"message {pk}")
        flash.success(request, "Marked: wrong answer." if message.wrong_answer else "Mark cleared.")
    return _back(None, request.POST.get("message") or str(pk))


def _back(reviewed: Conversation | None, message: str):
    """To the conversation's page, at the message it was opened from."""
    if message.isdigit() and Message.objects.filter(pk=int(message)).exists():
        return redirect("review:conversation", pk=int(message))
    if reviewed is not None and reviewed.lead_id:
        return redirect("review:conversation", pk=reviewed.lead_id)
    return redirect("review:inbox")


@require_POST
@permission_required(roles.REVIEW, raise_exception=True)
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
        return redirect("review:conversation", pk=pk)
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
    return redirect("review:conversation", pk=pk)


def _propose_example(request, message: Message, topic: str):
    """With approval on, the question waits as a draft; the nurse's reading of
    which topic it belongs to is kept at once (it is the review's, not content)."""
    try:
        draft = drafts.propose(request.user, Draft.EXAMPLE, topic, {"question": message.text},
                       changed="example question")  # fmt: skip
    except editing.Invalid as invalid:
        flash.error(request, "; ".join(m for ms in invalid.errors.values() for m in ms))
        return redirect("review:conversation", pk=message.pk)
    if draft is None:
        flash.info(request, "Nothing changed.")
        return redirect("review:conversation", pk=message.pk)
    message.corrected_topic = topic
    message.save(update_fields=["corrected_topic"])
    flash.success(
        request,
        f"Sent for approval: the question joins the examples of “{topic}” once a "
        "second person approves it.",
    )
    return redirect("review:conversation", pk=message.pk)
