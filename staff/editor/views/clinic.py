"""The clinic's details and the sources list, for editors: one form each, saved
the same way (or sent for approval), audited, refused beside the fields."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.shortcuts import redirect, render
from django.views import View

from bot import paths
from bot.content import clinic_editing, editing, loader
from staff.accounts import roles
from staff.audit import log
from staff.editor import common, drafts
from staff.editor.forms import ClinicForm, SourceFormSet
from staff.editor.models import Approval, Draft
from staff.editor.views.topics import _conflict, sent_for_approval


class ContentFileView(PermissionRequiredMixin, View):
    """A page with one form that replaces one content file."""

    permission_required = roles.EDIT
    raise_exception = True
    http_method_names = ["get", "post"]
    template_name = ""
    url_name = ""
    conflict_name = ""  # what the conflict page names
    draft_kind = ""
    file = ""
    audit_action = ""

    def load(self) -> clinic_editing.Values:
        raise NotImplementedError

    def form(self, current: clinic_editing.Values, data=None):
        raise NotImplementedError

    def values(self, form) -> dict:
        """What a draft keeps and a save writes."""
        raise NotImplementedError

    def draft_summary(self, form, current: clinic_editing.Values) -> str:
        raise NotImplementedError

    def save(self, form, base_version: str, author, history) -> editing.Saved:
        raise NotImplementedError

    def audit_detail(self, saved: editing.Saved) -> str:
        return ", ".join(saved.changed_fields)

    def get(self, request):
        current = self.load()
        return self.page(request, self.form(current), current)

    def post(self, request):
        current = self.load()
        form = self.form(current, request.POST)
        if not form.is_valid():
            return self.page(request, form, current)
        base_version = request.POST.get("base_version", "")
        try:
            if Approval.required():
                draft = drafts.propose(request.user, self.draft_kind, self.file, self.values(form),
                                       base_version, self.draft_summary(form, current))  # fmt: skip
                sent_for_approval(request, draft)
                return redirect(self.url_name)
            saved = self.save(form, base_version, common.author(request.user), common.history())
        except editing.Invalid as invalid:
            form.add_invalid(invalid)
            return self.page(request, form, current)
        except editing.Conflict as conflict:
            return _conflict(request, self.conflict_name, conflict)
        log.record(request.user, self.audit_action, self.file, self.audit_detail(saved))
        flash.success(request, "Saved. Patients get it from their next question.")
        return redirect(self.url_name)

    def page(self, request, form, current: clinic_editing.Values):
        refused = form.is_bound and not form.is_valid()
        return render(
            request,
            self.template_name,
            {"form": form, "version": current.version},
            status=400 if refused else 200,
        )


class ClinicView(ContentFileView):
    template_name = "staff/editor/clinic.html"
    url_name = "editor:clinic"
    conflict_name = "clinic"
    draft_kind = Draft.CLINIC
    file = loader.CLINIC_FILE
    audit_action = "edited clinic details"

    def load(self):
        return clinic_editing.load_clinic(paths.CONTENT_DIR)

    def form(self, current, data=None):
        return ClinicForm(current.values, data)

    def values(self, form):
        return form.values()

    def draft_summary(self, form, current):
        values = form.values()
        return ", ".join(k for k in values if values[k] != str(current.values.get(k, "")))

    def save(self, form, base_version, author, history):
        return clinic_editing.save_clinic(
            paths.CONTENT_DIR, form.values(), base_version, author, history
        )


class SourcesView(ContentFileView):
    template_name = "staff/editor/sources.html"
    url_name = "editor:sources"
    conflict_name = "sources"
    draft_kind = Draft.SOURCES
    file = loader.SOURCES_FILE
    audit_action = "edited sources"

    def load(self):
        return clinic_editing.load_sources(paths.CONTENT_DIR)

    def form(self, current, data=None):
        return SourceFormSet(data, initial=current.values["rows"], prefix="source")

    def values(self, form):
        return {"rows": form.rows()}

    def draft_summary(self, form, current):
        return "sources"

    def save(self, form, base_version, author, history):
        return clinic_editing.save_sources(
            paths.CONTENT_DIR, form.rows(), base_version, author, history
        )

    def audit_detail(self, saved):
        return super().audit_detail(saved)[:500]


clinic = ClinicView.as_view()
sources = SourcesView.as_view()
