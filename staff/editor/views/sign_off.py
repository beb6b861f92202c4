"""Answers to sign: every topic, then every red-flag symptom, red-flag level
and message, with where its clinician's sign-off stands (changed since
signing, expired and unsigned first, oldest first); and one topic's text as
patients read it beside its sources, with one button for a clinician to sign
it (the others: views/sign_entry.py). Signing is audited and goes into the
content history."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from bot import paths
from bot.content import editing, loader, sign_off, signing
from bot.content import sign_off_items as items
from staff.accounts import roles
from staff.audit import log
from staff.editor import common
from staff.editor.views.topics import _conflict

# Those that need a clinician first.
ORDER = items.ORDER
# Below the answers: what patients are always given, signed or not.
SECTIONS = {
    items.RED_FLAG: "Red flags: the symptoms",
    items.URGENT: "Red flags: the urgent messages",
    items.MESSAGE: "The assistant's messages",
}


def _ends(done: sign_off.SignOff | None, state: str, today, days: int) -> dict:
    """When a sign-off that holds ends, and whether that is soon."""
    holding = done is not None and state == sign_off.SIGNED
    return {
        "expires": sign_off.expires_on(done, days) if holding else None,
        "soon": holding and sign_off.expiring(done, today, days),
    }


@require_GET
@permission_required(roles.SIGN_OFF_PAGES, raise_exception=True)
def listing(request):
    content = loader.load(paths.CONTENT_DIR)
    today = timezone.localdate()
    days = content.clinic["sign_off_days"]
    rows = []
    for topic in content.topics.values():
        state = content.sign_off_state(topic, today)
        rows.append({"topic": topic, "state": state, **_ends(topic.sign_off, state, today, days)})
    # Oldest first: the longest-waiting sign-off, or the oldest review; one about
    # to lapse after those that need a clinician now, before the others signed.
    rows.sort(
        key=lambda r: (
            ORDER[r["state"]],
            not r["soon"],
            r["topic"].sign_off.on if r["topic"].sign_off else r["topic"].reviewed_on,
            r["topic"].title,
        )
    )
    signed = sum(r["state"] == sign_off.SIGNED for r in rows)
    sections = []
    for kind, heading in SECTIONS.items():
        found = [
            {"item": r, "state": r.state, **_ends(r.sign_off, r.state, today, days)}
            for r in items.items(content, kind, today)
        ]
        found.sort(key=lambda r: (ORDER[r["state"]], not r["soon"]))
        sections.append({"kind": kind, "heading": heading, "rows": found})
    for section in sections:
        section["signed"] = sum(r["state"] == sign_off.SIGNED for r in section["rows"])
    return render(
        request,
        "staff/editor/sign_off.html",
        {
            "rows": rows,
            "signed": signed,
            "total": len(rows),
            "only_signed": content.clinic["serve_only_signed"],
            "days": content.clinic["sign_off_days"],
            "sections": sections,
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(roles.SIGN_OFF_PAGES, raise_exception=True)
def sign(request, topic_id: str):
    content = loader.load(paths.CONTENT_DIR)
    topic = content.topics.get(topic_id)
    if topic is None:
        raise Http404("No such topic")
    may_sign = roles.may_sign(request.user)
    if request.method == "POST":
        if not may_sign:
            flash.error(request, "Only a clinician can sign an answer.")
            return redirect("editor:sign", topic_id=topic_id)
        clinician = common.author(request.user).name
        try:
            signing.sign(
                paths.CONTENT_DIR, topic_id, clinician, request.POST.get("base_version", ""),
                common.author(request.user), common.history(), timezone.localdate(),
            )  # fmt: skip
        except editing.Conflict as conflict:
            return _conflict(request, topic_id, conflict)
        except editing.Invalid as invalid:
            flash.error(request, "Not signed: " + "; ".join(
                m for ms in invalid.errors.values() for m in ms))  # fmt: skip
            return redirect("editor:sign", topic_id=topic_id)
        log.record(request.user, "signed topic", topic_id, f"version {topic.version}")
        flash.success(request, f"Signed “{topic.title}”. Patients get it as you read it.")
        return redirect("editor:sign-off")
    current = editing.load_topic(paths.CONTENT_DIR, topic_id)
    shown = editing.preview(paths.CONTENT_DIR, topic_id, current.fields)
    return render(
        request,
        "staff/editor/sign.html",
        {
            "topic": topic,
            "state": content.sign_off_state(topic, timezone.localdate()),
            "text": shown.text,
            "grade": shown.grade,
            "sources": [content.sources[key] for key in topic.sources if key in content.sources],
            "facts": topic.facts,
            "version": current.version,
            "may_sign": may_sign,
        },
    )
