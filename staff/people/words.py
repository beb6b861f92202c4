"""What each role may do, in the words the Accounts page uses."""

from __future__ import annotations

from staff.accounts import roles

ROLE_WORDS = {
    roles.NURSE: "Nurse: reviews patients' messages and reminders",
    roles.EDITOR: "Editor: keeps the answers up to date",
    roles.TRANSLATOR: "Translator: writes and checks the translations",
    roles.CLINICIAN: "Clinician: signs answers for patients",
    roles.ADMIN: "Admin: manages accounts, settings and the audit log, and may do what a nurse "
    "or an editor does",
}
ROLE_CHOICES = [(role, ROLE_WORDS[role]) for role in roles.ROLES]


def role_of(user) -> str:
    """An account's role in words ("no role" if it has none)."""
    mine = roles.roles_of(user)
    if user.is_superuser:
        return "Superuser: Django's admin pages, and everything an admin does"
    return "; ".join(ROLE_WORDS[r] for r in roles.ROLES if r in mine) or "No role: opens nothing"
