"""Multi-factor sign-in as the Accounts page shows it: whether an account has
set it up, and resetting it (its owner sets it up again at the next sign-in).
Only where django-allauth's MFA app is installed and the sign-in code offers a
reset (staff/accounts/mfa.py); otherwise the page shows nothing about it."""

from __future__ import annotations

import importlib
import importlib.util

from django.conf import settings

MODULE = "staff.accounts.mfa"


def _module():
    if "allauth.mfa" not in settings.INSTALLED_APPS or importlib.util.find_spec(MODULE) is None:
        return None
    found = importlib.import_module(MODULE)
    return found if hasattr(found, "reset") and hasattr(found, "is_set_up") else None


def available() -> bool:
    return _module() is not None


def is_set_up(user) -> bool | None:
    """True or False; None where there is no multi-factor sign-in."""
    found = _module()
    return None if found is None else bool(found.is_set_up(user))


def reset(user, by) -> None:
    """Audited by the sign-in code, as done by `by`."""
    found = _module()
    if found is None:
        raise LookupError("multi-factor sign-in is not installed")
    found.reset(user, by=by)
