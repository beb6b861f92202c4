"""Translations: every topic's translation with where it stands (out of date
and missing first), and one topic's English beside its translation, to write a
draft or, for a translator, to mark it reviewed."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from bot import paths
from bot.content import editing, languages, loader, translation_editing, translations
from staff.accounts import roles
from staff.audit import log
from staff.editor import common, drafts
from staff.editor.models import Approval, Draft
from staff.editor.views.topics import _conflict, sent_for_approval

# Those that need a translator's work come first.
ORDER = {translation_editing.OUT_OF_DATE: 0, translation_editing.MISSING: 1,
         translations.DRAFT: 2, translations.REVIEWED: 3}  # fmt: skip


def _languages() -> list[str]:
    return [code for code in languages.SPOKEN if code != languages.ENGLISH]


@require_GET
@permission_required(roles.TRANSLATE, raise_exception=True)
def listing(request):
    content = loader.load(paths.CONTENT_DIR)
    rows = []
    for topic in content.topics.values():
        for language in _languages():
            try:
                found = translation_editing.load(paths.CONTENT_DIR, topic.id, language)
            except editing.Invalid:
                continue  # a file the editor cannot read: the topic list names it
            name = languages.NAMES.get(language, language)
            rows.append({"topic": topic, "language": language, "name": name, "t": found})
    rows.sort(key=lambda r: (ORDER.get(r["t"].status, 9), r["topic"].title))
    return render(request, "staff/editor/translations.html", {"rows": rows})


def _load(topic_id: str, language: str) -> translation_editing.Translation:
    try:
        return translation_editing.load(paths.CONTENT_DIR, topic_id, language)
    except editing.Invalid:
        raise Http404("No such topic or language") from None


@require_http_methods(["GET", "POST"])
@permission_required(roles.TRANSLATE, raise_exception=True)
def translation(request, topic_id: str, language: str):
    current = _load(topic_id, language)
    may_review = request.user.has_perm(roles.REVIEW_TRANSLATION)
    if request.method == "GET":
        return _page(request, current, current.title, current.variants, {}, may_review)
    title = request.POST.get("title", "")
    variants = {k: request.POST.get(f"answer-{k}", "") for k in current.pump_types}
    reviewing = request.POST.get("action") == "reviewed"
    if reviewing and not may_review:
        flash.error(request, "Only a translator can mark a translation reviewed.")
        return _page(request, current, title, variants, {}, may_review, status=403)
    reviewer = common.author(request.user).name if reviewing else None
    fields = {"language": language, "title": title, "answer": variants,
              "reviewed_by": reviewer, "reviewed_on": dt.date.today()}  # fmt: skip
    base_version = request.POST.get("base_version", "")
    state = "reviewed" if reviewing else "draft"
    try:
        if Approval.required():
            draft = drafts.propose(request.user, Draft.TRANSLATION, topic_id, fields,
                                   base_version, f"{language} translation ({state})")  # fmt: skip
            sent_for_approval(request, draft)
            return redirect("editor:translation", topic_id=topic_id, language=language)
        saved = drafts.save_translation(
            paths.CONTENT_DIR, topic_id, fields, base_version,
            common.author(request.user), common.history(),
        )  # fmt: skip
    except editing.Invalid as invalid:
        return _page(request, current, title, variants, invalid.errors, may_review, status=400)
    except editing.Conflict as conflict:
        return _conflict(request, topic_id, conflict)
    if saved.commit or saved.changed_fields:
        log.record(request.user, f"saved {language} translation ({state})", topic_id)
        flash.success(request, f"Saved ({state}). Patients get it from their next question.")
    else:
        flash.info(request, "Nothing changed.")
    return redirect("editor:translation", topic_id=topic_id, language=language)


def _page(request, current, title, variants, errors, may_review, status=200):
    answers = [
        {"key": k, "english": current.english_variants[k], "text": variants.get(k, "")}
        for k in current.pump_types
    ]
    return render(
        request,
        "staff/editor/translation.html",
        {
            "t": current,
            "language_name": languages.NAMES.get(current.language, current.language),
            "title": title,
            "answers": answers,
            "errors": errors,
            "may_review": may_review,
            "any_pump": translations.ANY_PUMP,
        },
        status=status,
    )
