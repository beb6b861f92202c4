"""The inbox: conversations, the most serious outcome first (urgent, asked for
a person, not sure), then the newest; filters, search, live rows and marking
many reviewed at once."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from bot.content import languages
from staff.accounts import roles
from staff.review import conversations, export, search
from staff.review.forms import BulkReviewForm
from staff.review.models import FIRST, Conversation, Message, Outcome, Status

PAGE_SIZE = 50
# The "Assigned" filter: to the nurse looking, or to nobody yet.
ASSIGNED = ("me", "nobody")
LIVE_LIMIT = 20
# Filters on what was said: a conversation is listed if one of its patient
# messages matches them all.
ABOUT_MESSAGES = ("since", "until", "outcome", "topic", "language", "q")


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def filtered(params, user=None) -> tuple[object, dict]:
    chosen = {
        "since": _date(params.get("since")),
        "until": _date(params.get("until")),
        "status": params.get("status") if params.get("status") in Status.values else "",
        "outcome": params.get("outcome") if params.get("outcome") in Outcome.values else "",
        "topic": (params.get("topic") or "")[:100],
        "language": params.get("language") if params.get("language") in languages.NAMES else "",
        "assigned": params.get("assigned") if params.get("assigned") in ASSIGNED else "",
        "q": (params.get("q") or "")[:200],
    }
    rows = Conversation.objects.filter(count__gt=0).select_related("assigned_to", "lead")
    if chosen["status"]:
        rows = rows.filter(status=chosen["status"])
    if chosen["assigned"] == "me" and user is not None:
        rows = rows.filter(assigned_to=user)
    elif chosen["assigned"] == "nobody":
        rows = rows.filter(assigned_to__isnull=True)
    if any(chosen[key] for key in ABOUT_MESSAGES):
        rows = rows.filter(name__in=_messages(chosen).values("conversation"))
    return rows, chosen


def _messages(chosen: dict):
    messages = Message.objects.filter(sender=Message.PATIENT)
    if chosen["since"]:
        messages = messages.filter(time__date__gte=chosen["since"])
    if chosen["until"]:
        messages = messages.filter(time__date__lte=chosen["until"])
    if chosen["outcome"]:
        messages = messages.filter(outcome=chosen["outcome"])
    if chosen["topic"]:
        messages = messages.filter(topic=chosen["topic"])
    if chosen["language"]:
        messages = messages.filter(language=chosen["language"])
    if chosen["q"]:
        messages = search.matching(messages, chosen["q"])
    return messages


def _newest_id() -> int:
    newest = Message.objects.filter(sender=Message.PATIENT).order_by("-id").first()
    return newest.id if newest else 0


@require_GET
def inbox(request):
    """Also where everyone lands after signing in: an editor goes on to the
    answers, a translator to the translations, a clinician to the answers to sign."""
    if not request.user.has_perm(roles.REVIEW):
        if request.user.has_perm(roles.EDIT):
            return redirect("editor:topics")
        if request.user.has_perm(roles.REVIEW_TRANSLATION):
            return redirect("editor:translations")
        if roles.may_sign(request.user):
            return redirect("editor:sign-off")
        raise PermissionDenied
    rows, chosen = filtered(request.GET, request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    topics = (
        Message.objects.filter(sender=Message.PATIENT)
        .exclude(topic="")
        .order_by("topic")
        .values_list("topic", flat=True)
        .distinct()
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/inbox.html",
        {
            "page": page,
            "chosen": chosen,
            "statuses": Status.choices,
            "outcomes": [c for c in Outcome.choices if c[0] != Outcome.PENDING],
            "topics": list(topics),
            "languages": [(code, languages.NAMES[code]) for code in languages.NAMES],
            "first": [o.value for o in FIRST],
            "newest_id": _newest_id(),
            "query": query.urlencode(),
            "preview_chars": conversations.PREVIEW_CHARS,
        },
    )


def row(conversation: Conversation) -> dict:
    """A conversation's row for the live update, with what it sorts by."""
    lead = conversation.lead
    return {
        "id": conversation.id,
        "name": conversation.name,
        "priority": conversation.priority,
        "last": conversation.last_time.isoformat(),
        "time": timezone.localtime(conversation.last_time).strftime("%Y-%m-%d %H:%M"),
        "text": conversations.preview(lead.text) if lead else "",
        "count": conversation.count,
        "language": lead.language_name if lead else "",
        "outcome": conversation.get_outcome_display(),
        "outcome_key": conversation.outcome,
        "first": conversation.outcome in FIRST,
        "topic": lead.topic if lead else "",
        "status": conversation.get_status_display(),
        "assigned": conversation.assigned_to.username if conversation.assigned_to else "",
        "url": reverse("review:conversation", args=[lead.pk]) if lead else "",
    }


@require_GET
@permission_required(roles.REVIEW, raise_exception=True)
def latest(request):
    """Conversations with patient messages newer than the page the nurse has
    open, under the page's filters, for the live update; the page places each
    row where the inbox's order puts it."""
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    new = Message.objects.filter(sender=Message.PATIENT, id__gt=after)
    rows, _ = filtered(request.GET, request.user)
    changed = rows.filter(name__in=new.values("conversation"))[:LIVE_LIMIT]
    return JsonResponse(
        {
            "newest": max(after, _newest_id()),
            "count": new.count(),
            "urgent": new.filter(outcome=Outcome.URGENT).count(),
            "conversations": [row(c) for c in changed],
        }
    )


@require_POST
@permission_required(roles.REVIEW, raise_exception=True)
def bulk_review(request):
    """The ticked conversations marked reviewed in one step; one audit entry each."""
    form = BulkReviewForm(request.POST)
    back = reverse("review:inbox")
    if not form.is_valid():
        flash.error(request, " ".join(m for ms in form.errors.values() for m in ms))
    else:
        chosen = form.cleaned_data["conversations"]
        marked = conversations.mark_reviewed(request.user, chosen, "from the inbox")
        plural = "s" if marked != 1 else ""
        flash.success(request, f"Marked {marked} conversation{plural} reviewed.")
        back += "?" + QueryDict(form.cleaned_data["query"]).urlencode()
    return redirect(back)


@require_GET
@permission_required(roles.REVIEW, raise_exception=True)
def export_csv(request):
    since = _date(request.GET.get("since"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="review-log.csv"'
    export.write_csv(response, since=since, by=request.user)
    return response
