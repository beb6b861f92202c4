"""The inbox: patient messages, urgent, handoff and not-understood first, newest
first, with filters and search."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, Exists, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bot.content import languages
from staff.accounts import roles
from staff.review import export, search
from staff.review.models import FIRST, Message, Outcome, Status

PAGE_SIZE = 50
# The "Assigned" filter: to the nurse looking, or to nobody yet.
ASSIGNED = ("me", "nobody")
LIVE_LIMIT = 20


def _date(raw: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def filtered(params, user=None) -> tuple[object, dict]:
    messages = Message.objects.filter(sender=Message.PATIENT).select_related("assigned_to")
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
    if chosen["since"]:
        messages = messages.filter(time__date__gte=chosen["since"])
    if chosen["until"]:
        messages = messages.filter(time__date__lte=chosen["until"])
    if chosen["status"]:
        messages = messages.filter(status=chosen["status"])
    if chosen["outcome"]:
        messages = messages.filter(outcome=chosen["outcome"])
    if chosen["topic"]:
        messages = messages.filter(topic=chosen["topic"])
    if chosen["language"]:
        messages = messages.filter(language=chosen["language"])
    if chosen["assigned"] == "me" and user is not None:
        messages = messages.filter(assigned_to=user)
    elif chosen["assigned"] == "nobody":
        messages = messages.filter(assigned_to__isnull=True)
    if chosen["q"]:
        messages = search.matching(messages, chosen["q"])
    return messages, chosen


def grouped(messages):
    """One row for each conversation's urgent messages of one status: its newest,
    with how many more there are. A flood of urgent messages from one chat then
    takes one row, and other patients' urgent messages stay in sight; the
    conversation's page shows them all."""
    same = Message.objects.filter(
        sender=Message.PATIENT,
        outcome=Outcome.URGENT,
        conversation=OuterRef("conversation"),
        status=OuterRef("status"),
    )
    newer = same.filter(
        Q(time__gt=OuterRef("time")) | Q(time=OuterRef("time"), id__gt=OuterRef("id"))
    )
    older = same.filter(
        Q(time__lt=OuterRef("time")) | Q(time=OuterRef("time"), id__lt=OuterRef("id"))
    )
    count = older.order_by().values("conversation").annotate(n=Count("id")).values("n")
    return messages.exclude(Q(outcome=Outcome.URGENT) & Exists(newer)).annotate(
        more_urgent=Case(
            When(outcome=Outcome.URGENT, then=Coalesce(Subquery(count), Value(0))),
            default=Value(0),
        )
    )


@require_GET
def inbox(request):
    """Also where everyone lands after signing in: an editor goes on to the
    answers, a translator to the translations, a clinician to the answers to sign."""
    if not roles.has_role(request.user, roles.REVIEWERS):
        if roles.has_role(request.user, roles.EDITORS):
            return redirect("editor-topics")
        if roles.has_role(request.user, roles.TRANSLATORS):
            return redirect("editor-translations")
        if roles.has_role(request.user, roles.SIGNERS):
            return redirect("editor-sign-off")
        raise PermissionDenied
    messages, chosen = filtered(request.GET, request.user)
    page = Paginator(grouped(messages), PAGE_SIZE).get_page(request.GET.get("page"))
    topics = (
        Message.objects.filter(sender=Message.PATIENT)
        .exclude(topic="")
        .order_by("topic")
        .values_list("topic", flat=True)
        .distinct()
    )
    newest = Message.objects.filter(sender=Message.PATIENT).order_by("-id").first()
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
            "newest_id": newest.id if newest else 0,
            "query": query.urlencode(),
        },
    )


@require_GET
@roles.require(*roles.REVIEWERS)
def latest(request):
    """Messages newer than the page the nurse has open, for the live update."""
    try:
        after = int(request.GET.get("after", "0"))
    except ValueError:
        after = 0
    new = Message.objects.filter(sender=Message.PATIENT, id__gt=after).order_by("-id")
    rows = [
        {
            "id": m.id,
            "time": timezone.localtime(m.time).strftime("%Y-%m-%d %H:%M"),
            "text": m.text,
            "language": m.language_name,
            "outcome": m.get_outcome_display(),
            "urgent": m.outcome == Outcome.URGENT,
            "first": m.outcome in FIRST,
            "url": f"/messages/{m.id}/",
        }
        for m in new[:LIVE_LIMIT]
    ]
    return JsonResponse({"count": new.count(), "messages": rows})


@require_GET
@roles.require(*roles.REVIEWERS)
def export_csv(request):
    since = _date(request.GET.get("since"))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="review-log.csv"'
    export.write_csv(response, since=since, by=request.user)
    return response
