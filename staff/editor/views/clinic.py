"""The clinic's details and the sources list, for editors: one form each."""

from __future__ import annotations

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from bot import paths
from bot.content import clinic_editing, editing, loader
from staff.accounts import roles
from staff.audit import log
from staff.editor import common, drafts
from staff.editor.models import Approval, Draft
from staff.editor.views.topics import _conflict, sent_for_approval

NEW_SOURCE_ROWS = 3
MAX_SOURCE_ROWS = 1000
SOURCE_PARTS = clinic_editing.SOURCE_PARTS


@require_http_methods(["GET", "POST"])
@roles.require(*roles.EDITORS)
def clinic(request):
    current = clinic_editing.load_clinic(paths.CONTENT_DIR)
    values, errors = current.values, {}
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in clinic_editing.CLINIC_KEYS
                  if k in request.POST}  # fmt: skip
        base_version = request.POST.get("base_version", "")
        try:
            if Approval.required():
                changed = [k for k in values if values[k] != str(current.values.get(k, ""))]
                draft = drafts.propose(request.user, Draft.CLINIC, loader.CLINIC_FILE,
                               values, base_version, ", ".join(changed))  # fmt: skip
                sent_for_approval(request, draft)
                return redirect("editor:clinic")
            saved = clinic_editing.save_clinic(
                paths.CONTENT_DIR, values, base_version,
                common.author(request.user), common.history(),
            )  # fmt: skip
        except editing.Invalid as invalid:
            errors = invalid.errors
        except editing.Conflict as conflict:
            return _conflict(request, "clinic", conflict)
        else:
            log.record(request.user, "edited clinic details", "clinic.yml",
                       ", ".join(saved.changed_fields))  # fmt: skip
            flash.success(request, "Saved. Patients get it from their next question.")
            return redirect("editor:clinic")
    rows = [(k, values.get(k, ""), errors.get(k, [])) for k in clinic_editing.CLINIC_KEYS]
    return render(
        request,
        "staff/editor/clinic.html",
        {"rows": rows, "version": current.version, "errors": errors},
        status=400 if errors else 200,
    )


def _row_count(raw: str) -> int:
    """The form's row count; anything but a small whole number (a tampered or
    broken form) means no rows, never an error page."""
    return min(int(raw), MAX_SOURCE_ROWS) if raw.isdigit() else 0


@require_http_methods(["GET", "POST"])
@roles.require(*roles.EDITORS)
def sources(request):
    current = clinic_editing.load_sources(paths.CONTENT_DIR)
    rows, errors = current.values["rows"], {}
    if request.method == "POST":
        rows = [
            {
                part: request.POST.get(f"{part}-{n}", "")
                for part in ("key", "name", "citation", "url")
            }
            for n in range(_row_count(request.POST.get("rows", "")))
        ]
        base_version = request.POST.get("base_version", "")
        try:
            if Approval.required():
                draft = drafts.propose(request.user, Draft.SOURCES, loader.SOURCES_FILE,
                               {"rows": rows}, base_version, "sources")  # fmt: skip
                sent_for_approval(request, draft)
                return redirect("editor:sources")
            saved = clinic_editing.save_sources(
                paths.CONTENT_DIR, rows, base_version,
                common.author(request.user), common.history(),
            )  # fmt: skip
        except editing.Invalid as invalid:
            errors = invalid.errors
        except editing.Conflict as conflict:
            return _conflict(request, "sources", conflict)
        else:
            log.record(request.user, "edited sources", "sources.yml",
                       ", ".join(saved.changed_fields)[:500])  # fmt: skip
            flash.success(request, "Saved. Patients get it from their next question.")
            return redirect("editor:sources")
    shown = [*rows, *({"key": "", "name": "", "citation": "", "url": ""}
                      for _ in range(NEW_SOURCE_ROWS))]  # fmt: skip
    listed = [
        (n, row, [m for k, ms in errors.items() if k.split(".")[0] == row["key"] for m in ms])
        for n, row in enumerate(shown)
    ]
    other = [m for k, ms in errors.items()
             if k.split(".")[0] not in {r["key"] for r in shown} for m in ms]  # fmt: skip
    return render(
        request,
        "staff/editor/sources.html",
        {"rows": listed, "count": len(shown), "version": current.version, "other": other},
        status=400 if errors else 200,
    )
