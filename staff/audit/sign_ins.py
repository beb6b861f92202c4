"""Sign-ins, failed sign-ins and sign-outs in the audit log, from Django's own
signals, so every way in (the sign-in page, Django's admin, single sign-on) is
recorded.

A failed sign-in names the account only when the typed name is one: people
type their password into the name field, and the log must never hold one.
django-axes keeps what was typed, for the lock-out, until an admin unlocks.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

from staff.accounts import client_address
from staff.audit import log

SIGNED_IN, FAILED, SIGNED_OUT = "signed in", "sign-in failed", "signed out"
NOT_SIGNED_IN = "(not signed in)"


def _where(request) -> str:
    return f"from {client_address.address(request)}" if request is not None else ""


def _account_named(credentials: dict):
    """The account the typed name (or e-mail address) is, or None."""
    model = get_user_model()
    typed = str(credentials.get(model.USERNAME_FIELD) or credentials.get("email") or "")
    if not typed or len(typed) > 254:
        return None
    account = model.objects.filter(**{model.USERNAME_FIELD: typed}).first()
    if account is None and "@" in typed:
        account = model.objects.filter(email__iexact=typed).order_by("pk").first()
    return account


def signed_in(sender, request, user, **kwargs) -> None:
    log.record(user, SIGNED_IN, user.get_username(), _where(request))


def signed_out(sender, request, user, **kwargs) -> None:
    if user is not None:  # a sign-out without a session signs nobody out
        log.record(user, SIGNED_OUT, user.get_username(), _where(request))


def failed(sender, credentials, request=None, **kwargs) -> None:
    account = _account_named(credentials)
    if getattr(request, "axes_locked_out", False):
        why = "locked out"
    elif account is None:
        why = "no account of that name"
    elif not account.is_active:
        why = "account deactivated"
    else:
        why = "wrong second-step code" if credentials.get("second_step") else "wrong password"
    name = account.get_username() if account else ""
    log.record(NOT_SIGNED_IN, FAILED, name, " ".join(filter(None, [why, _where(request)])))


def connect() -> None:
    user_logged_in.connect(signed_in, dispatch_uid="audit-signed-in")
    user_logged_out.connect(signed_out, dispatch_uid="audit-signed-out")
    user_login_failed.connect(failed, dispatch_uid="audit-sign-in-failed")
