"""A link for a person to set their own password: for a new account, or when a
password is forgotten. Django's password-reset token: it works once (it
depends on the password it replaces), for PASSWORD_RESET_TIMEOUT (3 days by
default), and never for a deactivated account. The admin passes it on; the
admin never knows the password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages as flash
from django.contrib.auth import views as auth_views
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from staff.audit import log


def link(request, user) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    where = reverse("people:set-password", args=[uid, token])
    # The workspace's public address (HAIP_STAFF_URL) where it has one: behind
    # nginx the request's own host may lack the port people use.
    return settings.PUBLIC_URL + where if settings.PUBLIC_URL else request.build_absolute_uri(where)


def days_valid() -> int:
    return max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)


class SetPasswordView(auth_views.PasswordResetConfirmView):
    """Django's view (no sign-in needed), for active accounts only, audited."""

    template_name = "staff/people/set_password.html"
    success_url = reverse_lazy("accounts:login")

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        response = super().form_valid(form)
        log.record(form.user, "password set from a link", form.user.get_username())
        flash.success(self.request, "Your password is set. Sign in with it now.")
        return response
