"""The second step of signing in (django-allauth's MFA): an authenticator app
(TOTP), a passkey or security key (WebAuthn), or a recovery code.

Every local account must have one: until it does, every staff page sends its
owner to set one up. A session counts as signed in only once it has passed the
second step (allauth records that in the session), or came through the
clinic's single sign-on, whose provider is responsible for its own second step
(unless HAIP_STAFF_SSO_REQUIRE_MFA asks for ours as well: docs/staff-sign-in.md).

For other code: `is_set_up(user)` and `reset(user, by=admin)`, which removes the
account's authenticators (audited) so that its owner sets one up again at the
next sign-in.
"""

from __future__ import annotations

from allauth.account.internal.flows.login import (
    AUTHENTICATION_METHODS_SESSION_KEY,
    record_authentication,
)
from allauth.core import context
from allauth.mfa import signals
from allauth.mfa.base.forms import AuthenticateForm as AllauthAuthenticateForm
from allauth.mfa.models import Authenticator
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect

from staff.audit import log

SECOND_STEPS = (Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN)
# What someone who still has to set up their second step may open.
SETTING_UP = frozenset(
    {
        "mfa_index",
        "mfa_activate_totp",
        "mfa_add_webauthn",
        "mfa_list_webauthn",
        "mfa_view_recovery_codes",
        "mfa_download_recovery_codes",
        "mfa_generate_recovery_codes",
        "account_reauthenticate",
        "mfa_reauthenticate",
        "mfa_reauthenticate_webauthn",
        "account_inactive",
        "account_logout",
        "logout",
        "health",
    }
)


def is_set_up(user) -> bool:
    """Whether the account has an authenticator app or a passkey."""
    return Authenticator.objects.filter(user_id=user.pk, type__in=SECOND_STEPS).exists()


@transaction.atomic
def reset(user, by=None) -> int:
    """Remove every authenticator of the account (app, passkeys, recovery
    codes): its owner sets a new one up at the next sign-in. Audited; `by` is
    the admin who asked (None: the command line). Returns how many went."""
    gone = Authenticator.objects.filter(user_id=user.pk)
    kinds = sorted(set(gone.values_list("type", flat=True)))
    count, _ = gone.delete()
    log.record(
        by,
        "MFA reset",
        user.get_username(),
        f"removed: {', '.join(kinds)}" if kinds else "nothing was set up",
    )
    return count


def _methods(request) -> set[str]:
    records = request.session.get(AUTHENTICATION_METHODS_SESSION_KEY) or []
    return {r.get("method") for r in records if isinstance(r, dict)}


def second_step_passed(request) -> bool:
    methods = _methods(request)
    if "mfa" in methods:
        return True
    return "socialaccount" in methods and not settings.STAFF_SSO_REQUIRE_MFA


class SecondStepMiddleware:
    """After Django's LoginRequiredMiddleware: signed-in sessions that have not
    passed the second step reach no staff page."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        methods = _methods(request)
        if "password" in methods and not settings.STAFF_LOCAL_ACCOUNTS and not user.is_superuser:
            # Local accounts were turned off while this session was open.
            logout(request)
            messages.error(request, "Sign in with the clinic's single sign-on.")
            return redirect(settings.LOGIN_URL)
        if second_step_passed(request):
            return None
        if is_set_up(user):
            # Signed in some way that skipped the second step: not good enough.
            logout(request)
            return redirect(settings.LOGIN_URL)
        name = getattr(request.resolver_match, "url_name", None)
        if name in SETTING_UP:
            return None
        return redirect("mfa_activate_totp")


class AuthenticateForm(AllauthAuthenticateForm):
    """allauth's code form at sign-in, refused while django-axes has the
    account locked at this address: wrong codes count as failed sign-ins
    (`code_failed` below), so five of them lock the account as five wrong
    passwords do, and a locked account cannot go on guessing codes."""

    def clean_code(self) -> str:
        request = context.request
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            request.axes_locked_out = True  # AxesMiddleware answers with its page
            request.axes_credentials = credentials
            raise ValidationError("This account is locked here.")
        return super().clean_code()


def code_failed(sender, request, user, reauthentication=False, **kwargs) -> None:
    """A wrong second-step code is a failed sign-in for Django, so django-axes
    counts it and the audit log records it."""
    if request is None or reauthentication:
        return
    user_login_failed.send(
        sender=__name__,
        credentials={"username": user.get_username(), "second_step": True},
        request=request,
    )


def authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    # Setting one up proves it is in hand (a code from the app, or the key's
    # signature): this session has passed the second step.
    if request is not None and authenticator.type in SECOND_STEPS:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    log.record(user, "MFA added", user.get_username(), authenticator.type)


def authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    log.record(user, "MFA removed", user.get_username(), authenticator.type)


def connect() -> None:
    signals.authentication_failed.connect(code_failed, dispatch_uid="staff-mfa-code-failed")
    signals.authenticator_added.connect(authenticator_added, dispatch_uid="staff-mfa-added")
    signals.authenticator_removed.connect(authenticator_removed, dispatch_uid="staff-mfa-removed")
