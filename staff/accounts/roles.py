"""Roles are Django groups, each holding the permissions of what that role may
do (staff/accounts/models.py Access; its groups are made by a migration), and
views ask for a permission. An admin manages accounts, settings and the audit
log on the workspace's own pages (staff/people/). Django's admin pages are for
superusers alone, a break-glass account made from the command line (`python -m
staff users superuser NAME`)."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission, User
from django.db import transaction

NURSE, EDITOR, TRANSLATOR, CLINICIAN, ADMIN = (
    "nurse", "editor", "translator", "clinician", "admin"
)  # fmt: skip
ROLES = (NURSE, EDITOR, TRANSLATOR, CLINICIAN, ADMIN)

# What a view asks for (app label "accounts", staff/accounts/models.py).
REVIEW = "accounts.review_messages"
EDIT = "accounts.edit_content"
# Editors may write a draft translation; only a translator marks one reviewed
# (a qualified human translator signs what patients read in their language).
TRANSLATE = "accounts.write_translations"
REVIEW_TRANSLATION = "accounts.review_translations"
SIGN_OFF_PAGES = "accounts.open_sign_off"
# Only a clinician signs an answer for patients: an admin is not one by role.
SIGN = "accounts.sign_content"
MANAGE = "accounts.manage_people"

# Each role's permissions; an admin may do everything the others may but sign.
PERMISSIONS = {
    NURSE: (REVIEW,),
    EDITOR: (EDIT, TRANSLATE, SIGN_OFF_PAGES),
    TRANSLATOR: (TRANSLATE, REVIEW_TRANSLATION),
    CLINICIAN: (SIGN_OFF_PAGES, SIGN),
    ADMIN: (REVIEW, EDIT, TRANSLATE, REVIEW_TRANSLATION, SIGN_OFF_PAGES, MANAGE),
}


def roles_of(user) -> set[str]:
    if not user.is_authenticated:
        return set()
    return set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))


def may(user, permission: str) -> bool:
    return bool(user.is_authenticated and user.has_perm(permission))


def may_sign(user) -> bool:
    """Signing for patients comes with the clinician's role alone: Django lets
    a superuser do everything, but a superuser is no clinician."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.groups.filter(permissions__codename=SIGN.split(".")[1]).exists()
    )


def group(role: str) -> Group:
    """The role's group with its permissions (made by the migration; made again
    here if it has gone, e.g. from a test database emptied between tests)."""
    found, made = Group.objects.get_or_create(name=role)
    if made:
        codes = [p.split(".")[1] for p in PERMISSIONS[role]]
        found.permissions.set(
            Permission.objects.filter(content_type__app_label="accounts", codename__in=codes)
        )
    return found


@transaction.atomic
def set_role(user: User, role: str) -> None:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    user.groups.set([group(role)])
    # A role is all an account may do: a superuser given one is a superuser no more.
    user.is_staff = user.is_superuser = False
    user.save()


def context(request) -> dict:
    """What every template may ask: what the signed-in user may open."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {
        "is_reviewer": may(user, REVIEW),
        "is_editor": may(user, EDIT),
        "is_translating": may(user, TRANSLATE),
        "is_signing": may(user, SIGN_OFF_PAGES),
        "is_admin": may(user, MANAGE),
    }
