"""The Settings page: approval of edits, and the clinic's sign-off settings.
The sign-off settings are in content/clinic.yml and are saved as the clinic
details page saves them: through approval when it is required, into the
content history always."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from bot import paths
from bot.content import clinic_editing, editing, loader
from staff.accounts import roles
from staff.audit import log
from staff.editor import common, drafts
from staff.editor.models import Approval, Draft
from staff.editor.views.topics import sent_for_approval
from staff.people.forms import ApprovalForm, SignOffForm


def _sign_off_form(data=None) -> SignOffForm:
    current = clinic_editing.load_clinic(paths.CONTENT_DIR)
    initial = {
        "serve_only_signed": bool(current.values.get("serve_only_signed", False)),
        "sign_off_days": current.values.get(
            "sign_off_days", loader.CLINIC_NUMBERS["sign_off_days"][0]
        ),
        "base_version": current.version,
    }
    return SignOffForm(data, initial=initial)


def _page(request, approval_form=None, sign_off_form=None, status=200):
    return render(
        request,
        "staff/people/settings.html",
        {
            "approval_form": approval_form
            or ApprovalForm(initial={"require_approval": Approval.required()}),
            "sign_off_form": sign_off_form or _sign_off_form(),
        },
        status=status,
    )


@require_GET
@permission_required(roles.MANAGE, raise_exception=True)
def page(request):
    return _page(request)


@require_POST
@permission_required(roles.MANAGE, raise_exception=True)
def approval(request):
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        return _page(request, approval_form=form, status=400)
    wanted = form.cleaned_data["require_approval"]
    if wanted != Approval.required():
        row = Approval.objects.first() or Approval()
        row.require_approval = wanted
        row.save()
        log.record(request.user, f"approval of edits turned {'on' if wanted else 'off'}",
                   "settings")  # fmt: skip
    flash.success(
        request,
        "Approval of edits is on: a second person approves every change to the content."
        if wanted
        else "Approval of edits is off: changes reach patients when they are saved.",
    )
    return redirect("people:settings")


@require_POST
@permission_required(roles.MANAGE, raise_exception=True)
def sign_off(request):
    form = _sign_off_form(request.POST)
    if not form.is_valid():
        return _page(request, sign_off_form=form, status=400)
    values, base_version = form.clinic_values(), form.cleaned_data["base_version"]
    try:
        if Approval.required():
            current = clinic_editing.load_clinic(paths.CONTENT_DIR).values
            changed = [k for k in values if values[k] != str(current.get(k, "")).lower()]
            draft = drafts.propose(request.user, Draft.CLINIC, loader.CLINIC_FILE,
                                   values, base_version, ", ".join(changed))  # fmt: skip
            sent_for_approval(request, draft)
            return redirect("people:settings")
        saved = clinic_editing.save_clinic(
            paths.CONTENT_DIR, values, base_version, common.author(request.user), common.history()
        )
    except editing.Invalid as invalid:
        for problems in invalid.errors.values():
            for problem in problems:
                form.add_error(None, problem)
        return _page(request, sign_off_form=form, status=400)
    except editing.Conflict:
        flash.error(
            request,
            "Not saved: someone changed the clinic's settings since you opened this page. "
            "Here they are now; make your change again.",
        )
        return redirect("people:settings")
    if saved.changed_fields:
        log.record(request.user, "edited clinic details", "clinic.yml",
                   ", ".join(saved.changed_fields))  # fmt: skip
    flash.success(request, "Saved. Patients get it from their next question.")
    return redirect("people:settings")
