"""The admins' own pages (staff/people/): accounts, settings and the audit log,
with Django's test client on pytest-django's test database; and sign-ins,
failed sign-ins and sign-outs in the audit log."""

from __future__ import annotations

import csv
import io
import re

import pytest
import yaml
from axes.models import AccessAttempt
from django.contrib.auth import get_user
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from staff.accounts import accounts, mfa, roles
from staff.audit.models import Entry
from staff.editor import common
from staff.editor.models import Approval, Draft
from tests.staff.workspace import PASSWORD, signed_in_client

pytestmark = pytest.mark.django_db
ADDRESS = "10.0.0.9"


@pytest.fixture
def admin() -> Client:
    return signed_in_client("ada", roles.ADMIN, "Ada Admin")


def sign_in(client: Client, name: str, password: str = PASSWORD) -> bool:
    """Through the sign-in page, as a person would; whether it signed them in.
    The name under both fields a sign-in form may use (Django's, allauth's)."""
    client.post(
        reverse("accounts:login"),
        {"username": name, "login": name, "password": password},
        REMOTE_ADDR=ADDRESS,
    )
    return signed_in_as(client) == name


def signed_in_as(client: Client) -> str:
    """Whom the client's session signs in now ("" for nobody), as every page asks."""
    request = HttpRequest()
    request.session = client.session
    return get_user(request).get_username()


ADMIN_PAGES = [
    ("get", "/people/"),
    ("get", "/people/new/"),
    ("get", "/people/1/"),
    ("post", "/people/1/role/"),
    ("post", "/people/1/action/"),
    ("get", "/people/settings/"),
    ("post", "/people/settings/approval/"),
    ("post", "/people/settings/sign-off/"),
    ("get", "/people/audit/"),
    ("get", "/people/audit.csv"),
]


@pytest.mark.parametrize("role", [roles.NURSE, roles.EDITOR, roles.CLINICIAN])
def test_only_an_admin_opens_the_admin_pages(role, admin):
    other = signed_in_client("someone", role)
    for method, path in ADMIN_PAGES:
        assert getattr(other, method)(path).status_code == 403, path
    assert admin.get("/people/").status_code == 200
    assert not Entry.objects.filter(action="export", target="audit log (CSV)").exists()


def test_an_admin_is_no_superuser_and_django_s_admin_is_for_superusers_only(admin):
    ada = User.objects.get(username="ada")
    assert roles.roles_of(ada) == {roles.ADMIN} and not (ada.is_staff or ada.is_superuser)
    response = admin.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert b'href="/admin/"' not in admin.get("/people/").content
    accounts.add("root", roles.ADMIN, PASSWORD)
    accounts.superuser("root")
    root = Client()
    root.force_login(User.objects.get(username="root"))
    assert root.get("/admin/").status_code == 200
    assert b'href="/admin/"' in root.get("/people/").content
    assert Entry.objects.filter(action="superuser granted", target="root").exists()
    # A role given to a superuser is all it may do from then on.
    accounts.change_role("root", roles.NURSE)
    assert root.get("/admin/").status_code == 302


def test_the_accounts_page_says_roles_in_words_and_the_state(admin):
    accounts.add("nina", roles.NURSE, PASSWORD, full_name="Nina Nurse, RN")
    accounts.add("gone", roles.EDITOR, PASSWORD)
    accounts.deactivate("gone")
    sign_in(Client(), "nina")
    for _ in range(5):
        sign_in(Client(), "gone")  # deactivated: refused, and counted
    body = admin.get("/people/").content.decode()
    nina_row = re.search(r"<tr>\s*<th scope=\"row\"><a [^>]*>nina</a>.*?</tr>", body, re.S)[0]
    assert "Nurse: reviews patients&#x27; messages" in nina_row and "Nina Nurse, RN" in nina_row
    assert "never" not in nina_row and "active" in nina_row
    gone_row = re.search(r"<tr>\s*<th scope=\"row\"><a [^>]*>gone</a>.*?</tr>", body, re.S)[0]
    assert "deactivated" in gone_row and "locked out" in gone_row and "never" in gone_row
    assert "Multi-factor sign-in" in body


def test_an_admin_resets_multi_factor_sign_in(admin):
    nina = accounts.add("nina", roles.NURSE, PASSWORD)
    assert b"Reset multi-factor" not in admin.get(f"/people/{nina.pk}/").content  # none set up
    from allauth.mfa.totp.internal.auth import TOTP

    TOTP.activate(nina, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
    assert mfa.is_set_up(nina)
    page = admin.get(f"/people/{nina.pk}/").content.decode()
    assert "Reset multi-factor sign-in" in page and "set up" in page
    admin.post(f"/people/{nina.pk}/action/", {"action": "reset-mfa"})
    assert not mfa.is_set_up(nina)
    assert Entry.objects.filter(target="nina", username="ada", action__icontains="MFA").exists()


def test_an_admin_adds_an_account_and_the_person_sets_the_password_from_a_link(admin):
    response = admin.post(
        "/people/new/",
        {"username": "nora", "full_name": "Nora Night, RN", "email": "nora@example.org",
         "role": roles.NURSE},
    )  # fmt: skip
    assert response.status_code == 200 and response["Cache-Control"].startswith("max-age=0")
    link = re.search(r'value="(http://testserver/password/[^"]+)"', response.content.decode())[1]
    nora = User.objects.get(username="nora")
    assert roles.roles_of(nora) == {roles.NURSE} and not nora.has_usable_password()
    assert nora.get_full_name() == "Nora Night, RN"
    person = Client()
    assert not sign_in(person, "nora", "")  # no password works yet
    form = person.get(link, follow=True)
    assert b"Set your password" in form.content and form.context["validlink"]
    done = person.post(
        form.redirect_chain[-1][0],
        {"new_password1": "another-long-phrase-4", "new_password2": "another-long-phrase-4"},
        follow=True,
    )
    assert b"Your password is set" in done.content
    assert sign_in(Client(), "nora", "another-long-phrase-4")
    # Once only.
    assert not person.get(link, follow=True).context["validlink"]
    actions = list(Entry.objects.filter(target="nora").values_list("username", "action"))
    assert ("ada", "account added") in actions and ("ada", "set-password link made") in actions
    assert ("nora", "password set from a link") in actions
    # A taken name is refused by field, and nothing changes.
    again = admin.post("/people/new/", {"username": "nora", "role": roles.ADMIN})
    assert again.status_code == 400 and b"already an account" in again.content
    assert roles.roles_of(User.objects.get(username="nora")) == {roles.NURSE}


def test_a_deactivated_account_cannot_sign_in_and_its_session_ends(admin):
    nina = accounts.add("nina", roles.NURSE, PASSWORD)
    hers = Client()
    assert sign_in(hers, "nina")
    response = admin.post(f"/people/{nina.pk}/action/", {"action": "deactivate"}, follow=True)
    assert b"nina is deactivated" in response.content
    assert signed_in_as(hers) == ""  # signed out at her next request
    assert not sign_in(Client(), "nina")
    failed = Entry.objects.filter(action="sign-in failed", target="nina").last()
    assert failed.detail == f"account deactivated from {ADDRESS}"
    assert User.objects.filter(username="nina").exists()  # never deleted
    admin.post(f"/people/{nina.pk}/action/", {"action": "reactivate"})
    assert sign_in(Client(), "nina")
    assert [e.action for e in Entry.objects.filter(username="ada", target="nina")] == [
        "account reactivated", "account deactivated"
    ]  # fmt: skip
    # A set-password link is not made for a deactivated account, nor does an old one work.
    admin.post(f"/people/{nina.pk}/action/", {"action": "deactivate"})
    refused = admin.post(f"/people/{nina.pk}/action/", {"action": "link"}, follow=True)
    assert b"reactivate the account first" in refused.content


def test_an_admin_cannot_deactivate_themselves_nor_remove_the_last_admin(admin):
    ada = User.objects.get(username="ada")
    response = admin.post(f"/people/{ada.pk}/action/", {"action": "deactivate"}, follow=True)
    assert b"cannot deactivate your own account" in response.content
    response = admin.post(f"/people/{ada.pk}/role/", {"role": roles.NURSE}, follow=True)
    assert b"last admin" in response.content
    assert User.objects.get(username="ada").is_active
    assert roles.roles_of(User.objects.get(username="ada")) == {roles.ADMIN}
    # With a second admin, either may step down; the last one may not be deactivated.
    bea = accounts.add("bea", roles.ADMIN, PASSWORD)
    admin.post(f"/people/{ada.pk}/role/", {"role": roles.EDITOR})
    assert roles.roles_of(User.objects.get(username="ada")) == {roles.EDITOR}
    with pytest.raises(accounts.AccountError, match="last admin"):
        accounts.deactivate("bea")
    assert User.objects.get(pk=bea.pk).is_active
    assert Entry.objects.filter(action="role changed", target="ada", username="ada").exists()


def test_an_unknown_action_or_role_changes_nothing(admin):
    nina = accounts.add("nina", roles.NURSE, PASSWORD)
    admin.post(f"/people/{nina.pk}/action/", {"action": "delete"})
    admin.post(f"/people/{nina.pk}/role/", {"role": "superuser"})
    nina.refresh_from_db()
    assert nina.is_active and roles.roles_of(nina) == {roles.NURSE}
    assert admin.post("/people/999/action/", {"action": "unlock"}).status_code == 404


def test_unlock_clears_the_lock_out(admin):
    nina = accounts.add("nina", roles.NURSE, PASSWORD)
    for _ in range(5):
        sign_in(Client(), "nina", "wrong")
    assert not sign_in(Client(), "nina")
    assert "locked out" in admin.get(f"/people/{nina.pk}/").content.decode()
    admin.post(f"/people/{nina.pk}/action/", {"action": "unlock"})
    assert not AccessAttempt.objects.filter(username="nina").exists()
    assert sign_in(Client(), "nina")
    assert Entry.objects.filter(action="account unlocked", target="nina", username="ada").exists()
    assert Entry.objects.filter(action="sign-in failed", target="nina",
                                detail__startswith="locked out").exists()  # fmt: skip


def test_sign_ins_failed_sign_ins_and_sign_outs_are_audited_never_a_password():
    accounts.add("nina", roles.NURSE, PASSWORD)
    client = Client()
    sign_in(client, "nina", "wrong-password-typed")
    sign_in(client, "a-secret-typed-as-the-name")
    sign_in(client, "nina")
    client.post(reverse("accounts:logout"), REMOTE_ADDR=ADDRESS)
    rows = list(Entry.objects.order_by("id").values_list("username", "action", "target", "detail"))
    assert rows[-4:] == [
        ("(not signed in)", "sign-in failed", "nina", f"wrong password from {ADDRESS}"),
        ("(not signed in)", "sign-in failed", "", f"no account of that name from {ADDRESS}"),
        ("nina", "signed in", "nina", f"from {ADDRESS}"),
        ("nina", "signed out", "nina", f"from {ADDRESS}"),
    ]
    everything = " ".join(str(v) for row in Entry.objects.values_list() for v in row)
    assert "wrong-password-typed" not in everything and "a-secret-typed" not in everything
    assert Entry.objects.get(action="signed in").user.username == "nina"


def test_the_audit_log_filters_by_person_action_and_clinic_days(admin, settings):
    import datetime as dt

    from django.utils import timezone

    accounts.add("nina", roles.NURSE, PASSWORD)
    sign_in(Client(), "nina", "wrong")
    sign_in(Client(), "nina")
    # An entry at 01:30 UTC is the evening before on the clinic's clock (New York).
    late = Entry.objects.create(username="nina", action="export", target="review log (CSV)")
    Entry.objects.filter(pk=late.pk).update(
        time=dt.datetime(2031, 3, 4, 1, 30, tzinfo=dt.timezone.utc)
    )
    assert timezone.get_current_timezone_name() == "America/New_York"
    page = admin.get("/people/audit/", {"person": "nina"})
    assert {e.action for e in page.context["page"]} == {
        "account added", "sign-in failed", "signed in", "export"
    }  # fmt: skip
    logins = admin.get("/people/audit/", {"person": "nina", "action": "signed in"})
    assert [e.action for e in logins.context["page"]] == ["signed in"]
    day = admin.get("/people/audit/", {"since": "2031-03-03", "until": "2031-03-03"})
    assert [e.pk for e in day.context["page"]] == [late.pk]
    assert "2031-03-03 20:30:00" in day.content.decode()
    assert not admin.get("/people/audit/", {"since": "2031-03-04"}).context["page"]
    # Filters not understood: the whole log, and a message.
    odd = admin.get("/people/audit/", {"since": "yesterday", "action": "nonsense"})
    assert odd.status_code == 400 and len(odd.context["page"]) >= 5


def test_the_audit_log_pages(admin):
    Entry.objects.bulk_create(
        [Entry(username="bot", action="viewed conversation", target=str(n)) for n in range(120)]
    )
    first = admin.get("/people/audit/", {"action": "viewed conversation"})
    assert len(first.context["page"]) == 50 and first.context["page"].paginator.num_pages == 3
    third = admin.get("/people/audit/", {"action": "viewed conversation", "page": 3})
    assert len(third.context["page"]) == 20
    assert "action=viewed+conversation&amp;page=2" in third.content.decode()


def test_the_audit_export_is_filtered_guarded_and_audited(admin):
    Entry.objects.create(username="=cmd|' /C calc'!A0", action="sign-in failed", target="@SUM(1)")
    Entry.objects.create(username="nina", action="export", target="review log (CSV)")
    response = admin.get("/people/audit.csv", {"action": "sign-in failed"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="audit-log-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 1
    assert rows[0]["person"] == "'=cmd|' /C calc'!A0" and rows[0]["about"] == "'@SUM(1)"
    assert rows[0]["time_clinic"].endswith(("-05:00", "-04:00"))
    entry = Entry.objects.filter(action="export", username="ada").get()
    assert entry.target == "audit log (CSV)" and entry.detail == "1 rows; action sign-in failed"


def test_approval_of_edits_is_a_switch_audited(admin):
    assert not Approval.required()
    admin.post("/people/settings/approval/", {"require_approval": "on"})
    assert Approval.required() and Approval.objects.count() == 1
    page = admin.get("/people/settings/").content.decode()
    assert re.search(r'role="switch" name="require_approval"[^>]* checked', page)
    admin.post("/people/settings/approval/", {})
    assert not Approval.required() and Approval.objects.count() == 1
    assert [e.action for e in Entry.objects.filter(target="settings").order_by("id")] == [
        "approval of edits turned on", "approval of edits turned off"
    ]  # fmt: skip


def sign_off_settings(content) -> tuple:
    data = yaml.safe_load((content / "clinic.yml").read_text(encoding="utf-8"))
    return data["serve_only_signed"], data["sign_off_days"]


def test_the_sign_off_settings_are_saved_as_clinic_details_are(admin, content):
    form = admin.get("/people/settings/").context["sign_off_form"]
    version = form.initial["base_version"]
    assert sign_off_settings(content) == (False, 365)
    too_short = admin.post("/people/settings/sign-off/",
                           {"sign_off_days": "7", "base_version": version})  # fmt: skip
    assert too_short.status_code == 400 and sign_off_settings(content) == (False, 365)
    on = {"serve_only_signed": "on", "sign_off_days": "180", "base_version": version}
    admin.post("/people/settings/sign-off/", on)
    assert sign_off_settings(content) == (True, 180)
    assert "# Answers a clinician has signed" in (content / "clinic.yml").read_text()
    entry = Entry.objects.get(action="edited clinic details")
    assert entry.username == "ada" and set(entry.detail.split(", ")) == {
        "serve_only_signed", "sign_off_days"
    }  # fmt: skip
    latest = common.history().log(content / "clinic.yml", limit=1)[0]
    assert latest.author == "Ada Admin" and "sign_off_days" in latest.message
    # A stale page saves nothing.
    stale = admin.post("/people/settings/sign-off/",
                       {"sign_off_days": "400", "base_version": version}, follow=True)  # fmt: skip
    assert b"someone changed the clinic" in stale.content and sign_off_settings(content) == (
        True, 180
    )  # fmt: skip


def test_with_approval_on_the_sign_off_settings_wait_for_a_second_person(admin, content):
    Approval.objects.create(require_approval=True)
    version = admin.get("/people/settings/").context["sign_off_form"].initial["base_version"]
    response = admin.post("/people/settings/sign-off/",
                          {"serve_only_signed": "on", "sign_off_days": "365",
                           "base_version": version}, follow=True)  # fmt: skip
    assert b"Sent for approval" in response.content
    assert sign_off_settings(content) == (False, 365)
    draft = Draft.objects.get()
    assert draft.kind == Draft.CLINIC and draft.changed == "serve_only_signed"
