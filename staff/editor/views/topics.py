"""The answers section: every topic with its last review, overdue first; one
topic's editor with a live preview; saving; the red flags, read-only."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bot import paths
from bot.content import editing, languages, loader
from staff.accounts import roles
from staff.audit import log
from staff.editor import common, drafts, forms
from staff.editor.models import Approval, Draft
from staff.editor.views import training
from staff.review import waiting


@require_GET
@permission_required(roles.EDIT, raise_exception=True)
def topics(request):
    content = loader.load(paths.CONTENT_DIR)
    today = dt.date.today()
    rows = sorted(
        (
            {
                "id": t.id,
                "title": t.title,
                "reviewed_on": t.reviewed_on,
                "reviewed_by": t.reviewed_by,
                "overdue": (today - t.reviewed_on).days > loader.REVIEW_MAX_AGE_DAYS,
            }
            for t in content.topics.values()
        ),
        key=lambda r: (not r["overdue"], r["reviewed_on"], r["title"]),
    )
    return render(request, "staff/editor/topics.html", {"topics": rows, "model": training.panel()})


def _form(current: editing.Editable, data=None) -> forms.TopicForm:
    return forms.TopicForm(loader.load(paths.CONTENT_DIR), current.fields, data, current.topic_id)


def _load(topic_id: str) -> editing.Editable:
    try:
        return editing.load_topic(paths.CONTENT_DIR, topic_id)
    except editing.Invalid:
        raise Http404("No such topic") from None


@require_http_methods(["GET", "POST"])
@permission_required(roles.EDIT, raise_exception=True)
def edit(request, topic_id: str):
    current = _load(topic_id)
    if request.method == "GET":
        return _page(request, current, _form(current))
    form = _form(current, request.POST)
    form.is_valid()  # every field takes any text: the content's validator judges
    fields = form.topic_fields()
    if request.POST.get("refresh_preview"):
        return _refreshed(request, current, form, fields)
    if Approval.required():
        return _propose(request, current, form, fields)
    try:
        saved = editing.save_topic(
            paths.CONTENT_DIR,
            topic_id,
            fields,
            request.POST.get("base_version", ""),
            common.author(request.user),
            common.history(),
        )
    except editing.Invalid as invalid:
        form.add_invalid(invalid)
        return _page(request, current, form, status=400)
    except editing.Conflict as conflict:
        return _conflict(request, topic_id, conflict)
    log.record(request.user, "edited topic", topic_id, ", ".join(saved.changed_fields))
    changed = ", ".join(saved.changed_fields) or "nothing"
    # The model matches questions to the examples and to the answer's sentences.
    note = (
        " The example questions changed: retrain from the Answers page to teach them."
        if "examples" in saved.changed_fields
        else " Retrain from the Answers page so that questions are matched to the new answer."
        if "answer" in saved.changed_fields
        else ""
    )
    flash.success(request, f"Saved ({changed}). Patients get it from their next question.{note}")
    return redirect("editor:topic", topic_id=topic_id)


def _propose(request, current: editing.Editable, form: forms.TopicForm, fields: dict):
    """With approval on, an edit waits as a draft: content/ is not touched."""
    try:
        draft = drafts.propose_topic_edit(
            request.user, current, fields, request.POST.get("base_version", "")
        )
    except editing.Invalid as invalid:
        form.add_invalid(invalid)
        return _page(request, current, form, status=400)
    except editing.Conflict as conflict:
        return _conflict(request, current.topic_id, conflict)
    sent_for_approval(request, draft)
    return redirect("editor:topic", topic_id=current.topic_id)


def sent_for_approval(request, draft: Draft | None) -> None:
    if draft is None:
        flash.info(request, "Nothing changed.")
        return
    flash.success(
        request,
        "Sent for approval. Patients keep getting the current content until a second "
        "person approves the change.",
    )


def _conflict(request, topic_id: str, conflict: editing.Conflict):
    """Both texts side by side; nothing was written."""
    return render(
        request,
        "staff/editor/conflict.html",
        {"topic_id": topic_id, "theirs": conflict.theirs, "mine": conflict.mine},
        status=409,
    )


def _refreshed(request, current: editing.Editable, form: forms.TopicForm, fields: dict):
    """Without JavaScript, "Refresh preview" posts the form: the page comes back
    with the unsaved text kept and the patient's view beside it. Nothing is saved."""
    try:
        shown = editing.preview(paths.CONTENT_DIR, current.topic_id, fields)
    except editing.Invalid as invalid:
        shown = None
        form.add_invalid(invalid)
    return _page(
        request,
        current,
        form,
        status=400 if form.errors else 200,
        preview=shown,
        version=request.POST.get("base_version", ""),
    )


def _page(
    request,
    current: editing.Editable,
    form: forms.TopicForm,
    status: int = 200,
    preview: editing.Preview | None = None,
    version: str | None = None,
):
    return render(
        request,
        "staff/editor/edit.html",
        {
            "topic_id": current.topic_id,
            "version": current.version if version is None else version,
            "preview": preview,
            "form": form,
            "errors": form.errors,
            "approval": Approval.required(),
            "translation_languages": [
                (code, languages.NAMES[code])
                for code in languages.SPOKEN
                if code != languages.ENGLISH
            ],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(roles.EDIT, raise_exception=True)
def new(request):
    """A new topic: patients can be matched to it after the next training."""
    blank = {"title": "", "answer": "", "examples": [], "facts": [], "sources": [],
             "follow_ups": None, "reviewed_by": "", "reviewed_on": dt.date.today()}  # fmt: skip
    content = loader.load(paths.CONTENT_DIR)
    if request.method == "GET":
        # From the questions waiting for an answer: those questions as its examples.
        asked = [int(i) for i in request.GET.getlist("from") if i.isdigit()]
        shown = {**blank, "examples": waiting.texts(asked) if asked else []}
        return _new_page(request, forms.NewTopicForm(content, shown))
    form = forms.NewTopicForm(content, blank, request.POST)
    form.is_valid()  # every field takes any text: the content's validator judges
    fields = form.topic_fields()
    try:
        if Approval.required():
            draft = drafts.propose(request.user, Draft.NEW, fields["id"], fields, "", "new topic")
            sent_for_approval(request, draft)
            return redirect("editor:topics")
        editing.new_topic(paths.CONTENT_DIR, fields, common.author(request.user), common.history())
    except editing.Invalid as invalid:
        form.add_invalid(invalid)
        return _new_page(request, form)
    log.record(request.user, "added topic", fields["id"])
    flash.success(
        request,
        "Topic added. The assistant can match questions to it after the next training "
        "(make run retrains when example questions changed).",
    )
    return redirect("editor:topic", topic_id=fields["id"])


def _new_page(request, form: forms.NewTopicForm):
    return render(
        request,
        "staff/editor/new.html",
        {"form": form, "errors": form.errors},
        status=400 if form.errors else 200,
    )


@require_POST
@permission_required(roles.EDIT, raise_exception=True)
def retire(request, topic_id: str):
    if request.POST.get("confirm") != "yes":
        flash.error(request, "Not retired: tick the box to confirm.")
        return redirect("editor:topic", topic_id=topic_id)
    base_version = request.POST.get("base_version") or ""
    try:
        if Approval.required():
            draft = drafts.propose(request.user, Draft.RETIRE, topic_id, {}, base_version, "retire")
            sent_for_approval(request, draft)
            return redirect("editor:topic", topic_id=topic_id)
        editing.retire_topic(
            paths.CONTENT_DIR,
            topic_id,
            common.author(request.user),
            common.history(),
            base_version=base_version or None,
        )
    except editing.Invalid as invalid:
        problems = "; ".join(m for ms in invalid.errors.values() for m in ms)
        flash.error(request, f"Not retired: {problems}")
        return redirect("editor:topic", topic_id=topic_id)
    except editing.Conflict:
        flash.error(request, "Not retired: someone changed the topic meanwhile. Look again.")
        return redirect("editor:topic", topic_id=topic_id)
    log.record(request.user, "retired topic", topic_id)
    flash.success(request, f"Retired {topic_id}: patients no longer get it (history keeps it).")
    return redirect("editor:topics")


@require_POST
@permission_required(roles.EDIT, raise_exception=True)
def preview(request, topic_id: str):
    current = _load(topic_id)
    form = _form(current, request.POST)
    form.is_valid()
    fields = form.topic_fields()
    try:
        shown = editing.preview(paths.CONTENT_DIR, topic_id, fields)
    except editing.Invalid as invalid:
        return JsonResponse({"errors": invalid.errors}, status=400)
    return JsonResponse(
        {
            "text": shown.text,
            "buttons": shown.buttons,
            "sources_line": shown.sources_line,
            "grade": shown.grade,
            "warnings": shown.warnings,
        }
    )


@require_GET
@permission_required(roles.EDIT, raise_exception=True)
def red_flags(request):
    """Read-only: a change to the red flags goes through the clinic's clinical
    review. Each symptom in a row: what patients are told, the words that
    bring it, in each language."""
    content = loader.load(paths.CONTENT_DIR)
    flags = content.red_flags
    if flags is None:
        return render(request, "staff/editor/red_flags.html", {"symptoms": [], "levels": []})
    languages_shown = flags.languages
    symptoms = [
        {
            "symptom": symptom,
            "wordings": [
                (code, languages.NAMES.get(code, code), symptom.wording(code))
                for code in languages_shown
            ],
            "topics": [content.topics[t].title for t in symptom.topics if t in content.topics],
            "sources": [content.sources[k] for k in symptom.sources if k in content.sources],
        }
        for symptom in flags.symptoms
    ]
    levels = [
        (level, [(code, flags.messages_in(code).get(level, "")) for code in languages_shown])
        for level in flags.messages
    ]
    return render(request, "staff/editor/red_flags.html", {"symptoms": symptoms, "levels": levels})
