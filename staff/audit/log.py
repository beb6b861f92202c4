"""Writing the audit trail. The detail must never hold patient text."""

from __future__ import annotations

from staff.audit.models import Entry


def record(user, action: str, target: str = "", detail: str = "") -> Entry:
    account = user if getattr(user, "is_authenticated", False) else None
    name = account.get_username() if account else str(user or "command line")
    return Entry.objects.create(
        user=account, username=name, action=action, target=target[:200], detail=detail
    )
