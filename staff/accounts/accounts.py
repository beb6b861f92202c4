"""Adding, changing and unlocking staff accounts (the CLI and the admin pages)."""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from staff.accounts import roles
from staff.audit import log


class AccountError(Exception):
    pass


@transaction.atomic
def add(name: str, role: str, password: str) -> User:
    name = name.strip()
    if not name or len(name) > 150:
        raise AccountError("An account name needs 1 to 150 characters.")
    if User.objects.filter(username=name).exists():
        raise AccountError(f"There is already an account {name!r}.")
    user = User(username=name)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise AccountError("Password not accepted: " + " ".join(exc.messages)) from None
    user.set_password(password)
    user.save()
    roles.set_role(user, role)
    log.record(None, "account added", name, f"role {role}")
    return user


def _get(name: str) -> User:
    try:
        return User.objects.get(username=name)
    except User.DoesNotExist:
        raise AccountError(f"There is no account {name!r}.") from None


@transaction.atomic
def change_role(name: str, role: str) -> None:
    roles.set_role(_get(name), role)
    log.record(None, "role changed", name, f"role {role}")


def unlock(name: str) -> None:
    _get(name)
    reset(username=name)
    log.record(None, "account unlocked", name)


def listing() -> list[tuple[str, str, bool]]:
    locked = set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
        ).values_list("username", flat=True)
    )
    return [
        (u.username, ", ".join(sorted(roles.roles_of(u))) or "(none)", u.username in locked)
        for u in User.objects.order_by("username")
    ]
