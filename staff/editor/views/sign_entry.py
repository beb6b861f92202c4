"""One red-flag symptom, red-flag level or message to sign: what the patient
reads beside its sources (a symptom's) and the words that bring it, with one
button for a clinician to sign it. Signing writes into its entry of
red_flags.yml or messages.yml (bot/content/entry_signing.py), is audited and
goes into the content history. Like a topic's sign-off, it is written at once
even when the clinic requires approval of edits: it changes no text patients
read, and is itself the clinical review."""

from __future__ import annotations

from django import forms
from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from bot import paths
from bot.content import editing, entry_signing, loader, placeholders, urgent
from bot.content import sign_off_items as items
from staff.accounts import roles
from staff.audit import log
from staff.editor import common

KINDS = {
    items.RED_FLAG: "red flag",
    items.URGENT: "urgent message",
    items.MESSAGE: "message",
}
LEVELS = {
    "emergency": "Emergency: call 911",
    "call_now": "Call the 24-hour line now",
}
# Where a level's message names the patient's symptoms.
SYMPTOMS_SHOWN = "[the symptoms the patient mentioned]"


class SignForm(forms.Form):
    base_version = forms.CharField(max_length=64)


def _shown(content: loader.Content, kind: str, key: str, signed) -> dict:
    """What the patient reads from the entry, and what the clinician reads beside it."""
    if kind == items.RED_FLAG:
        return {
            "text": "\n\n".join(urgent.guidance(content, [key])),
            "sources": [content.sources[k] for k in signed.sources if k in content.sources],
            "level": LEVELS.get(signed.level, signed.level),
            "phrases": signed.phrases,
            "combinations": [" + ".join("/".join(g) for g in c) for c in signed.combinations],
        }
    if kind == items.URGENT:
        values = {**content.clinic, "symptoms": SYMPTOMS_SHOWN}
        return {"text": placeholders.fill(signed.message, values)}
    return {"text": content.render(signed.text)}


def _page(request, content, kind: str, key: str, status: int = 200):
    try:
        signed = entry_signing.entry(content, kind, key)
    except editing.Invalid as missing:
        raise Http404("Nothing to sign here") from missing
    title = next((i.title for i in items.items(content, kind, timezone.localdate())
                  if i.key == key), key)  # fmt: skip
    return render(
        request,
        "staff/editor/sign_entry.html",
        {
            "kind": kind,
            "kind_name": KINDS[kind],
            "key": key,
            "title": title,
            "signed": signed,
            "state": content.sign_off_state(signed, timezone.localdate()),
            "version": signed.version,
            "may_sign": roles.may_sign(request.user),
            **_shown(content, kind, key, signed),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(roles.SIGN_OFF_PAGES, raise_exception=True)
def sign(request, kind: str, key: str):
    if kind not in KINDS:
        raise Http404("No such kind of content")
    content = loader.load(paths.CONTENT_DIR)
    if request.method == "GET":
        return _page(request, content, kind, key)
    if not roles.may_sign(request.user):
        flash.error(request, "Only a clinician can sign.")
        return redirect("editor:sign-entry", kind=kind, key=key)
    form = SignForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Not signed: open the page again and sign what it shows.")
        return redirect("editor:sign-entry", kind=kind, key=key)
    base = form.cleaned_data["base_version"]
    try:
        entry_signing.sign(
            paths.CONTENT_DIR, kind, key, common.author(request.user).name, base,
            common.author(request.user), common.history(), timezone.localdate(),
        )  # fmt: skip
    except editing.Conflict:
        flash.error(request, "The text changed since you opened it. Read it again, then sign.")
        return _page(request, loader.load(paths.CONTENT_DIR), kind, key, status=409)
    except editing.Invalid as invalid:
        flash.error(request, "Not signed: " + "; ".join(
            m for ms in invalid.errors.values() for m in ms))  # fmt: skip
        return redirect("editor:sign-entry", kind=kind, key=key)
    log.record(request.user, f"signed {KINDS[kind]}", key, f"version {base}")
    flash.success(request, f"Signed the {KINDS[kind]} “{key}”.")
    return redirect("editor:sign-off")
