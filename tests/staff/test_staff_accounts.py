"""Roles and the account commands, on pytest-django's test database."""

import pytest
from django.contrib.auth.models import User

from staff.accounts import accounts, roles
from staff.audit.models import Entry

pytestmark = pytest.mark.django_db
GOOD = "a-long-passphrase-9"


def test_added_accounts_get_their_role_and_a_hashed_password():
    accounts.add("nina", roles.NURSE, GOOD)
    accounts.add("ed", roles.EDITOR, GOOD)
    accounts.add("ada", roles.ADMIN, GOOD)
    nina, ed, ada = (User.objects.get(username=n) for n in ("nina", "ed", "ada"))
    assert roles.roles_of(nina) == {roles.NURSE} and not nina.is_staff
    assert roles.roles_of(ed) == {roles.EDITOR}
    # Django's admin pages are for superusers (break-glass), not the admin role.
    assert roles.roles_of(ada) == {roles.ADMIN} and not (ada.is_staff or ada.is_superuser)
    assert nina.password.startswith("argon2$") and GOOD not in nina.password
    assert Entry.objects.filter(action="account added").count() == 3


@pytest.mark.parametrize("password", ["short", "password1234", "12345678901"])
def test_weak_passwords_are_refused(password):
    with pytest.raises(accounts.AccountError, match="Password not accepted"):
        accounts.add("nina", roles.NURSE, password)
    assert not User.objects.filter(username="nina").exists()


def test_a_name_is_taken_once_and_roles_change():
    accounts.add("nina", roles.NURSE, GOOD)
    with pytest.raises(accounts.AccountError, match="already"):
        accounts.add("nina", roles.ADMIN, GOOD)
    accounts.change_role("nina", roles.ADMIN)
    assert roles.roles_of(User.objects.get(username="nina")) == {roles.ADMIN}
    with pytest.raises(accounts.AccountError, match="last admin"):
        accounts.change_role("nina", roles.NURSE)
    accounts.add("ada", roles.ADMIN, GOOD)
    accounts.change_role("nina", roles.NURSE)
    nina = User.objects.get(username="nina")
    assert roles.roles_of(nina) == {roles.NURSE} and not nina.is_superuser
    with pytest.raises(accounts.AccountError, match="no account"):
        accounts.change_role("nobody", roles.NURSE)


def test_the_migration_makes_each_role_a_group_holding_its_permissions():
    import importlib

    from django.apps import apps
    from django.contrib.auth.models import Group

    made = importlib.import_module("staff.accounts.migrations.0002_access_roles")
    Group.objects.all().delete()
    made.make_groups(apps, None)
    for role in roles.ROLES:
        held = Group.objects.get(name=role).permissions.all()
        assert {f"accounts.{p.codename}" for p in held} == set(roles.PERMISSIONS[role]), role


def test_a_superuser_may_open_every_page_but_signs_only_as_a_clinician():
    accounts.add("root", roles.ADMIN, GOOD)
    accounts.superuser("root")
    root = User.objects.get(username="root")
    assert root.has_perm(roles.MANAGE) and root.has_perm(roles.SIGN_OFF_PAGES)
    assert not roles.may_sign(root)
    accounts.add("cleo", roles.CLINICIAN, GOOD)
    cleo = User.objects.get(username="cleo")
    assert roles.may_sign(cleo) and not cleo.has_perm(roles.EDIT)
