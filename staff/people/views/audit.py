"""The audit log page: filtered, a page at a time, and as CSV (the export audited)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from staff.accounts import roles
from staff.audit import log
from staff.people import audit_log
from staff.people.forms import AuditFilterForm

PAGE_SIZE = 50


def _chosen(request) -> tuple[AuditFilterForm, dict]:
    form = AuditFilterForm(request.GET or None, actions=audit_log.actions())
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data
    return form, {}


@require_GET
@permission_required(roles.MANAGE, raise_exception=True)
def page(request):
    form, chosen = _chosen(request)
    entries = Paginator(audit_log.filtered(chosen).select_related("user"), PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "staff/people/audit.html",
        {
            "form": form,
            "page": entries.get_page(request.GET.get("page")),
            "query": query.urlencode(),
        },
        status=400 if form.errors else 200,
    )


@require_GET
@permission_required(roles.MANAGE, raise_exception=True)
def export(request):
    _, chosen = _chosen(request)
    out = io.StringIO()
    count = audit_log.write_csv(out, audit_log.filtered(chosen))
    log.record(request.user, "export", "audit log (CSV)",
               f"{count} rows; {audit_log.described(chosen)}")  # fmt: skip
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="audit-log-{day}.csv"'
    return response
