"""Roles of people who sign on through the clinic's provider.

With HAIP_STAFF_OIDC_ROLES set ("haip-nurses=nurse haip-editors=editor"), the
provider decides: at every sign-on a person's roles become those their groups
(the HAIP_STAFF_OIDC_ROLES_CLAIM claim) map to, and no more, so taking someone
out of a group at the provider takes the role away at their next sign-on.
Without it, single sign-on gives no role: the account is made, and an admin
gives it one. Either way a person in no mapped group has no role, and sees no
patient message. Superuser (break-glass) rights never come from the provider."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from staff.accounts import roles, sign_in
from staff.audit import log

BY = "single sign-on"  # who the audit log says made the change


def _claims(extra_data: dict) -> dict:
    """The ID token's claims and the userinfo's, the userinfo's first."""
    extra_data = extra_data or {}
    merged: dict = {}
    for part in ("id_token", "userinfo"):
        if isinstance(extra_data.get(part), dict):
            merged.update(extra_data[part])
    if not merged:  # older allauth kept the claims themselves
        merged = dict(extra_data)
    return merged


def groups_in(extra_data: dict) -> set[str]:
    value = _claims(extra_data).get(sign_in.roles_claim())
    if isinstance(value, str):
        return set(value.split())
    if isinstance(value, (list, tuple)):
        return {str(v) for v in value}
    return set()


def mapped_roles(extra_data: dict) -> set[str] | None:
    """The roles the person's groups give; None when the provider gives none
    (no HAIP_STAFF_OIDC_ROLES)."""
    mapping = sign_in.role_map()
    if not mapping:
        return None
    return {mapping[g] for g in groups_in(extra_data) if g in mapping}


@transaction.atomic
def apply_roles(user, extra_data: dict) -> None:
    wanted = mapped_roles(extra_data)
    if wanted is None:
        return
    current = set(user.groups.filter(name__in=roles.ROLES).values_list("name", flat=True))
    if current == wanted:
        return
    user.groups.remove(*Group.objects.filter(name__in=current - wanted))
    user.groups.add(*(roles.group(r) for r in sorted(wanted - current)))
    log.record(
        BY,
        "roles from single sign-on",
        user.get_username(),
        f"roles {', '.join(sorted(wanted)) or '(none)'}",
    )


def account_made(user, extra_data: dict) -> None:
    log.record(BY, "account added by single sign-on", user.get_username())
    apply_roles(user, extra_data)
