"""The overview: how many patients wrote, how often the assistant was not sure,
urgent guidance, handoffs, the topics most answered and the refill reminders,
over the last 7, 30 or 90 days. Counts only: no message text. Every role may
see it."""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from bot.content import sign_off_items
from bot.content.loader import ContentError
from staff.editor import common
from staff.review import stats


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.0f}%"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def summaries(data: dict) -> dict[str, str]:
    """One sentence per chart, for its aria-label."""
    span = f"from {data['first']} to {data['last']}"
    days = data["daily"]
    total = data["totals"]["messages"]
    if total:
        busiest = max(days, key=lambda d: d["messages"])
        messages = (
            f"Bar chart of patient messages per day {span}: {total} in all, "
            f"most on {busiest['day']} ({busiest['messages']})."
        )
        missed = data["totals"]["not_understood"]
        worst = max(days, key=lambda d: d["not_understood_share"] or 0)
        share = (
            f"Line chart of the share of patient messages the assistant was not sure "
            f"about, per day {span}: {missed} of {total} in all "
            f"({_percent(missed / total)}), highest on {worst['day']} "
            f"({_percent(worst['not_understood_share'])})."
        )
    else:
        messages = f"Bar chart of patient messages per day {span}: no messages."
        share = f"Line chart of the share not understood per day {span}: no messages."
    topics = data["top_topics"]
    if topics:
        named = ", ".join(f"{t['topic']} ({t['count']})" for t in topics[:3])
        topic_text = (
            f"Bar chart of the {_plural(len(topics), 'topic')} answered most often {span}; "
            f"the most: {named}."
        )
    else:
        topic_text = f"Bar chart of the topics answered most often {span}: none."
    r = data["reminders"]
    reminders = (
        f"Bar chart of refill reminders {span}: {r['delivered']} delivered, "
        f"{r['failed']} failed, {r['missed']} missed."
    )
    return {"messages": messages, "share": share, "topics": topic_text, "reminders": reminders}


@require_GET
def dashboard(request):
    data = stats.overview(stats.days_from(request.GET.get("days")))
    totals = data["totals"]
    return render(
        request,
        "staff/dashboard.html",
        {
            "data": data,
            "periods": stats.PERIODS,
            "summaries": summaries(data),
            "days": [dict(d, share=_percent(d["not_understood_share"])) for d in data["daily"]],
            "overall_share": _percent(
                totals["not_understood"] / totals["messages"] if totals["messages"] else None
            ),
            "signed": signed_answers(),
        },
    )


def signed_answers() -> list[dict] | None:
    """How many answers, red flags, urgent messages and messages a clinician
    has signed as of today; None without valid content."""
    try:
        content = common.content()  # read again only when a file changed
    except ContentError:
        return None
    rows = sign_off_items.counts(content, timezone.localdate())
    for row in rows:
        row["share"] = _percent(row["count"] / row["total"] if row["total"] else None)
    return rows


@require_GET
def figures(request):
    """The same figures as JSON (?days=7|30|90)."""
    return JsonResponse(stats.overview(stats.days_from(request.GET.get("days"))))
