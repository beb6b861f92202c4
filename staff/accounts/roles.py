"""Roles are Django groups. An admin manages accounts, settings and the audit
log on the workspace's own pages (staff/people/); Django's admin pages are for
superusers alone, a break-glass account made from the command line
(`python -m staff users superuser NAME`), who may do what an admin may."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.db import transaction

NURSE, EDITOR, TRANSLATOR, CLINICIAN, ADMIN = (
    "nurse", "editor", "translator", "clinician", "admin"
)  # fmt: skip
ROLES = (NURSE, EDITOR, TRANSLATOR, CLINICIAN, ADMIN)
# Who may open what. An admin may do everything the others may.
REVIEWERS = (NURSE, ADMIN)
EDITORS = (EDITOR, ADMIN)
# Editors may write a draft translation; only a translator marks one reviewed
# (a qualified human translator signs what patients read in their language).
TRANSLATION_PAGES = (TRANSLATOR, EDITOR, ADMIN)
TRANSLATORS = (TRANSLATOR, ADMIN)
# Only a clinician signs an answer for patients: an admin is not one by role.
SIGNERS = (CLINICIAN,)
SIGN_OFF_PAGES = (CLINICIAN, EDITOR, ADMIN)


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    if user.is_superuser:
        return {ADMIN}
    return set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


def has_role(user, allowed: tuple[str, ...]) -> bool:
    return bool(roles_of(user) & set(allowed))


def require(*allowed: str) -> Callable:
    """A view only these roles may open: the others get 403, not a login loop."""

    def decorate(view):
        @wraps(view)
        def checked(request, *args, **kwargs):
            if not has_role(request.user, allowed):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return checked

    return decorate


@transaction.atomic
def set_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    user.groups.set([Group.objects.get_or_create(name=role)[0]])
    # A role is all an account may do: a superuser given one is a superuser no more.
    user.is_staff = user.is_superuser = False
    user.save()


def context(request) -> dict:
    """What every template may ask: the signed-in user's roles."""
    mine = roles_of(getattr(request, "user", None)) if hasattr(request, "user") else set()
    return {
        "is_reviewer": bool(mine & set(REVIEWERS)),
        "is_editor": bool(mine & set(EDITORS)),
        "is_translating": bool(mine & set(TRANSLATION_PAGES)),
        "is_signing": bool(mine & set(SIGN_OFF_PAGES)),
        "is_admin": ADMIN in mine,
    }
