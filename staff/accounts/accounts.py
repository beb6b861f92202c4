"""Adding, changing and unlocking staff accounts (the CLI and the Accounts page).
Accounts are deactivated, never deleted: the audit log refers to them."""

from __future__ import annotations

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from staff.accounts import roles
from staff.audit import log


class AccountError(Exception):
    pass


@transaction.atomic
def add(
    name: str,
    role: str,
    password: str | None,
    by=None,
    full_name: str = "",
    email: str = "",
) -> User:
    """A new account; with no password, one its owner sets from a link (staff/people/invites.py)."""
    name = name.strip()
    if not name or len(name) > 150:
        raise AccountError("An account name needs 1 to 150 characters.")
    if User.objects.filter(username=name).exists():
        raise AccountError(f"There is already an account {name!r}.")
    user = User(username=name, email=email.strip())
    user.first_name, _, user.last_name = " ".join(full_name.split()).partition(" ")
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise AccountError("Password not accepted: " + " ".join(exc.messages)) from None
        user.set_password(password)
    user.save()
    roles.set_role(user, role)
    log.record(by, "account added", name, f"role {role}")
    return user


def _get(name: str) -> User:
    try:
        return User.objects.get(username=name)
    except User.DoesNotExist:
        raise AccountError(f"There is no account {name!r}.") from None


def admins() -> int:
    """Active accounts that may manage the others."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=roles.ADMIN) | Q(is_superuser=True))
        .distinct()
        .count()
    )


def _keep_an_admin(user: User) -> None:
    """Refuses a change that would leave no active admin (call it within the change's
    transaction)."""
    if user.is_active and roles.ADMIN in roles.roles_of(user) and admins() <= 1:
        raise AccountError(f"{user.username} is the last admin: make another admin first.")


@transaction.atomic
def change_role(name: str, role: str, by=None) -> None:
    user = _get(name)
    if role != roles.ADMIN:
        _keep_an_admin(user)
    roles.set_role(user, role)
    log.record(by, "role changed", name, f"role {role}")


@transaction.atomic
def deactivate(name: str, by=None) -> None:
    """The account can no longer sign in, and its open sessions end at their next request."""
    user = _get(name)
    if by is not None and getattr(by, "pk", None) == user.pk:
        raise AccountError("You cannot deactivate your own account.")
    _keep_an_admin(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    log.record(by, "account deactivated", name)


@transaction.atomic
def reactivate(name: str, by=None) -> None:
    user = _get(name)
    user.is_active = True
    user.save(update_fields=["is_active"])
    log.record(by, "account reactivated", name)


@transaction.atomic
def superuser(name: str, on: bool = True, by=None) -> None:
    """Django's admin pages (break-glass): from the command line only."""
    user = _get(name)
    user.is_staff = user.is_superuser = on
    user.save(update_fields=["is_staff", "is_superuser"])
    log.record(by, "superuser granted" if on else "superuser removed", name)


def unlock(name: str, by=None) -> None:
    _get(name)
    reset(username=name)
    log.record(by, "account unlocked", name)


def locked_names() -> set[str]:
    """Accounts locked out after failed logins (at one address or more)."""
    return set(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
            attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME,
        ).values_list("username", flat=True)
    )


def listing() -> list[tuple[str, str, bool]]:
    locked = locked_names()
    return [
        (u.username, ", ".join(sorted(roles.roles_of(u))) or "(none)", u.username in locked)
        for u in User.objects.order_by("username")
    ]
