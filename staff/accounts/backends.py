"""Passwords of local accounts, through django-allauth's backend (after
django-axes' lock-out check). With local accounts turned off
(HAIP_STAFF_LOCAL_ACCOUNTS=no) only superusers, the break-glass accounts, may
still sign in with a password, and they too pass the second step."""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend
from django.conf import settings


def may_use_password(user) -> bool:
    return settings.STAFF_LOCAL_ACCOUNTS or bool(user.is_superuser)


class StaffBackend(AuthenticationBackend):
    def authenticate(self, request, **credentials):
        user = super().authenticate(request, **credentials)
        if user is not None and not may_use_password(user):
            return None  # a failed sign-in: Django's user_login_failed, axes counts it
        return user
