"""The Accounts page: every account, its role in words, its state; adding one,
changing a role, deactivating, unlocking, a set-password link, resetting MFA."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from staff.accounts import accounts, mfa, roles
from staff.audit import log
from staff.people import invites, words
from staff.people.forms import AccountActionForm, NewAccountForm, RoleForm


def _row(user: User, locked: set[str]) -> dict:
    return {
        "user": user,
        "role": words.role_of(user),
        "locked": user.username in locked,
        "mfa": mfa.is_set_up(user),
    }


@require_GET
@permission_required(roles.MANAGE, raise_exception=True)
def listing(request):
    locked = accounts.locked_names()
    users = User.objects.order_by("-is_active", "username").prefetch_related("groups")
    return render(
        request,
        "staff/people/accounts.html",
        {"rows": [_row(u, locked) for u in users]},
    )


def _show_link(request, user: User, heading: str):
    """The link on its own page, never stored: not in a message, not in a cache."""
    return render(
        request,
        "staff/people/link.html",
        {"account": user, "link": invites.link(request, user), "heading": heading,
         "days": invites.days_valid()},
    )  # fmt: skip


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(roles.MANAGE, raise_exception=True)
def new(request):
    form = NewAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = accounts.add(
                data["username"], data["role"], None, by=request.user,
                full_name=data["full_name"], email=data["email"],
            )  # fmt: skip
        except accounts.AccountError as exc:
            form.add_error("username", str(exc))
        else:
            log.record(request.user, "set-password link made", user.username)
            return _show_link(request, user, f"Account {user.username} added")
    return render(
        request, "staff/people/new.html", {"form": form}, status=400 if form.errors else 200
    )


@require_GET
@permission_required(roles.MANAGE, raise_exception=True)
def account(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    mine = roles.roles_of(user)
    current = next((r for r in roles.ROLES if r in mine), None)
    return render(
        request,
        "staff/people/account.html",
        {
            **_row(user, accounts.locked_names()),
            "role_form": RoleForm(initial={"role": current}),
            "is_me": user.pk == request.user.pk,
        },
    )


@require_POST
@permission_required(roles.MANAGE, raise_exception=True)
def change_role(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        flash.error(request, "Choose one of the roles.")
    else:
        try:
            accounts.change_role(user.username, form.cleaned_data["role"], by=request.user)
        except accounts.AccountError as exc:
            flash.error(request, f"Not changed: {exc}")
        else:
            flash.success(request, f"{user.username} is now: {words.role_of(user)}.")
    return redirect("people:account", pk=pk)


@never_cache
@require_POST
@permission_required(roles.MANAGE, raise_exception=True)
def act(request, pk: int):
    user = get_object_or_404(User, pk=pk)
    form = AccountActionForm(request.POST)
    if not form.is_valid():
        flash.error(request, "That is not something this page does.")
        return redirect("people:account", pk=pk)
    action, name = form.cleaned_data["action"], user.username
    try:
        if action == form.DEACTIVATE:
            accounts.deactivate(name, by=request.user)
            flash.success(request, f"{name} is deactivated and can no longer sign in.")
        elif action == form.REACTIVATE:
            accounts.reactivate(name, by=request.user)
            flash.success(request, f"{name} can sign in again.")
        elif action == form.UNLOCK:
            accounts.unlock(name, by=request.user)
            flash.success(request, f"{name} is unlocked and can try to sign in again.")
        elif action == form.RESET_MFA:
            mfa.reset(user, by=request.user)
            flash.success(
                request, f"{name} sets up multi-factor sign-in again at the next sign-in."
            )
        elif user.is_active:  # form.LINK
            log.record(request.user, "set-password link made", name)
            return _show_link(request, user, f"A set-password link for {name}")
        else:
            flash.error(request, f"{name} is deactivated: reactivate the account first.")
    except accounts.AccountError as exc:
        flash.error(request, f"Not changed: {exc}")
    return redirect("people:account", pk=pk)
