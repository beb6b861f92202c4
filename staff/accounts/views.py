"""The sign-in page (django-allauth's, in the workspace's look) and where
everyone lands after signing in."""

from __future__ import annotations

from allauth.account.views import LoginView
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from staff.accounts import roles, sign_in


class StaffLoginView(LoginView):
    template_name = "staff/login.html"

    def get_context_data(self, **kwargs) -> dict:
        context = super().get_context_data(**kwargs)
        context["local_accounts"] = settings.STAFF_LOCAL_ACCOUNTS
        if sign_in.oidc_configured():
            context["sso_name"] = sign_in.provider_name()
            context["sso_url"] = reverse(
                "openid_connect_login", kwargs={"provider_id": sign_in.PROVIDER_ID}
            )
        return context


@login_not_required
def to_login(request):
    """allauth's own sign-in address (its views send people there): the one page."""
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("accounts:login") + (f"?{query}" if query else ""))


@require_GET
def signed_in(request):
    """The inbox, which sends each role on to its own page; an account with no
    role yet (someone's first single sign-on) learns whom to ask."""
    if not roles.roles_of(request.user):
        return render(request, "staff/no_role.html")
    return redirect("review:inbox")
