"""Signing in through the pages (Django's test client, no force_login): the
password, then the second step (staff/accounts/mfa.py); a local account without
one is sent to set one up before any staff page; wrong codes count toward the
lock-out; an admin resets someone's second step; local accounts can be turned
off; Django's sign-in signals still come. Single sign-on against a real
provider is in test_staff_sign_in_browser.py."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.test import Client, override_settings

from staff.accounts import accounts, mfa, roles, sso
from staff.audit.models import Entry
from tests.staff.workspace import PASSWORD, new_totp_secret, totp_code

pytestmark = pytest.mark.django_db
TWO_FA = "/accounts/2fa/authenticate/"
SET_UP = "/accounts/2fa/totp/activate/"


def locked(response) -> bool:
    """django-axes' page (429)."""
    return response.status_code in (403, 429) and b"locked" in response.content


def password_step(client: Client, name: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": name, "password": password}, **extra)


def with_totp(name: str, role: str = roles.NURSE) -> tuple:
    user = accounts.add(name, role, PASSWORD)
    secret = new_totp_secret()
    TOTP.activate(user, secret)
    return user, secret


# allauth records a new authenticator once its transaction commits.
@pytest.mark.django_db(transaction=True)
def test_a_new_account_sets_up_its_second_step_before_any_page_and_gets_recovery_codes():
    accounts.add("nina", roles.NURSE, PASSWORD)
    client = Client()
    response = password_step(client, "nina")
    assert response.status_code == 302
    for page in ["/", "/dashboard/", "/reminders/", "/api/inbox/", "/signed-in/"]:
        assert client.get(page)["Location"] == SET_UP, page

    setup = client.get(SET_UP)
    assert setup.status_code == 200 and b"Set up your second step" in setup.content
    assert (
        b"<svg" in setup.content and b"data:image" not in setup.content
    )  # the CSP allows no data: images
    secret = re.search(rb'id="totp-secret"[^>]*>([A-Z2-7]+)<', setup.content).group(1).decode()

    wrong = client.post(SET_UP, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert b"That code is not right" in wrong.content
    done = client.post(SET_UP, {"code": totp_code(secret)})
    assert done["Location"] == "/accounts/2fa/recovery-codes/"
    codes = client.get(done["Location"])
    assert len(re.findall(rb"<li><code>\d{8}</code></li>", codes.content)) == 10
    assert client.get("/").status_code == 200  # the inbox, in the same session
    assert mfa.is_set_up(accounts._get("nina"))
    assert Entry.objects.filter(action="MFA added", target="nina", detail="totp").exists()


def test_password_then_a_code_and_a_wrong_code_is_refused():
    _, secret = with_totp("nina")
    client = Client()
    assert password_step(client, "nina")["Location"] == TWO_FA
    assert client.get("/")["Location"].startswith("/login/")  # not signed in yet
    wrong = client.post(TWO_FA, {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and b"That code is not right" in wrong.content
    assert client.get("/")["Location"].startswith("/login/")
    right = client.post(TWO_FA, {"code": totp_code(secret)})
    assert right["Location"] == "/signed-in/"
    assert client.get("/signed-in/")["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_code_works_once_and_a_recovery_code_works_in_its_place():
    user, secret = with_totp("nina")
    code = totp_code(secret)
    first = Client()
    password_step(first, "nina")
    assert first.post(TWO_FA, {"code": code}).status_code == 302
    second = Client()
    password_step(second, "nina")
    assert second.post(TWO_FA, {"code": code}).status_code == 200  # used: refused
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    recovery = RecoveryCodes.activate(user).get_unused_codes()[0]
    assert second.post(TWO_FA, {"code": recovery})["Location"] == "/signed-in/"


def test_five_wrong_codes_lock_the_account_at_that_address_as_wrong_passwords_do():
    _, secret = with_totp("nina")
    client = Client()
    for _ in range(5):
        password_step(client, "nina", REMOTE_ADDR="10.0.0.9")
        response = client.post(TWO_FA, {"code": "00000x"}, REMOTE_ADDR="10.0.0.9")
    assert locked(response)
    # A right code no longer helps, nor does the password, at that address ...
    assert locked(client.post(TWO_FA, {"code": totp_code(secret)}, REMOTE_ADDR="10.0.0.9"))
    assert client.get("/", REMOTE_ADDR="10.0.0.9")["Location"].startswith("/login/")
    assert locked(password_step(Client(), "nina", REMOTE_ADDR="10.0.0.9"))
    # ... and elsewhere she signs in as usual.
    elsewhere = Client()
    assert password_step(elsewhere, "nina", REMOTE_ADDR="10.0.0.7")["Location"] == TWO_FA
    assert (
        elsewhere.post(TWO_FA, {"code": totp_code(secret)}, REMOTE_ADDR="10.0.0.7").status_code
        == 302
    )


def test_allauth_sends_djangos_sign_in_signals():
    _, secret = with_totp("nina")
    seen = []

    def ok(sender, request, user, **kwargs):
        seen.append(("in", user.username))

    def failed(sender, credentials, request=None, **kwargs):
        seen.append(("failed", credentials.get("username"), "second_step" in credentials))

    def out(sender, request, user, **kwargs):
        seen.append(("out", user.username))

    user_logged_in.connect(ok, dispatch_uid="t-ok")
    user_login_failed.connect(failed, dispatch_uid="t-failed")
    user_logged_out.connect(out, dispatch_uid="t-out")
    try:
        client = Client()
        password_step(client, "nina", "wrong-password-123")
        password_step(client, "nina")
        assert seen == [("failed", "nina", False)]  # the password alone signs nobody in
        client.post(TWO_FA, {"code": "00000x"})
        client.post(TWO_FA, {"code": totp_code(secret)})
        client.post("/logout/")
    finally:
        user_logged_in.disconnect(dispatch_uid="t-ok")
        user_login_failed.disconnect(dispatch_uid="t-failed")
        user_logged_out.disconnect(dispatch_uid="t-out")
    assert seen == [
        ("failed", "nina", False),
        ("failed", "nina", True),
        ("in", "nina"),
        ("out", "nina"),
    ]
    assert Entry.objects.filter(detail__startswith="wrong second-step code").count() == 1


def test_an_admin_resets_someones_second_step_and_they_set_it_up_again():
    user, secret = with_totp("nina")
    admin = accounts.add("ada", roles.ADMIN, PASSWORD)
    assert mfa.reset(user, by=admin) == 1
    entry = Entry.objects.get(action="MFA reset", target="nina")
    assert entry.username == "ada" and "totp" in entry.detail
    assert not mfa.is_set_up(user) and not Authenticator.objects.filter(user=user).exists()
    client = Client()
    password_step(client, "nina")
    assert client.get("/")["Location"] == SET_UP


def test_a_session_that_skipped_the_second_step_is_ended(client):
    user, _ = with_totp("nina")
    client.force_login(user)
    session = client.session
    session["account_authentication_methods"] = [{"method": "password", "at": 0}]
    session.save()
    assert client.get("/")["Location"].startswith("/login/")
    assert client.get("/")["Location"].startswith("/login/")  # signed out


def test_djangos_admin_pages_sign_in_through_the_workspaces_page():
    response = Client().get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@override_settings(STAFF_LOCAL_ACCOUNTS=False)
def test_with_local_accounts_off_only_a_superuser_signs_in_with_a_password():
    with_totp("nina")
    _, root_secret = with_totp("root")
    accounts.superuser("root")
    client = Client()
    refused = password_step(client, "nina")
    assert refused.status_code == 200 and b"did not match" in refused.content
    page = client.get("/login/").content
    assert b"Emergency sign-in (break-glass account)" in page
    assert password_step(client, "root")["Location"] == TWO_FA
    assert client.post(TWO_FA, {"code": totp_code(root_secret)}).status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_turning_local_accounts_off_ends_open_password_sessions():
    _, secret = with_totp("nina")
    client = Client()
    password_step(client, "nina")
    client.post(TWO_FA, {"code": totp_code(secret)})
    assert client.get("/dashboard/").status_code == 200
    with override_settings(STAFF_LOCAL_ACCOUNTS=False):
        assert client.get("/dashboard/")["Location"].startswith("/login/")


def test_new_accounts_cannot_be_signed_up():
    client = Client()
    assert client.get("/accounts/signup/").status_code in (302, 404)
    assert client.post(
        "/accounts/signup/", {"username": "eve", "password1": "x" * 12}
    ).status_code in (
        302,
        404,
    )
    assert not accounts.User.objects.filter(username="eve").exists()


def test_roles_from_the_providers_groups(monkeypatch):
    user = accounts.add("olga", roles.NURSE, None)
    claims = {"userinfo": {"sub": "1", "groups": ["haip-editors", "other"]}}
    # No mapping: the provider gives no role, and takes none away.
    sso.apply_roles(user, claims)
    assert roles.roles_of(user) == {roles.NURSE}
    monkeypatch.setenv("HAIP_STAFF_OIDC_ROLES", "haip-nurses=nurse haip-editors=editor")
    sso.apply_roles(user, claims)
    assert roles.roles_of(user) == {roles.EDITOR}
    sso.apply_roles(user, {"id_token": {"groups": []}})
    assert roles.roles_of(user) == set()  # out of every mapped group: no role
    assert Entry.objects.filter(action="roles from single sign-on", target="olga").count() == 2
    monkeypatch.setenv("HAIP_STAFF_OIDC_ROLES", "haip-nurses=surgeon")
    with pytest.raises(SystemExit, match="HAIP_STAFF_OIDC_ROLES"):
        sso.apply_roles(user, claims)


def test_the_client_secret_comes_from_a_file_or_the_environment(tmp_path, monkeypatch):
    from staff.accounts import sign_in

    monkeypatch.setenv("HAIP_STAFF_OIDC_CLIENT_SECRET", "from-env")
    assert sign_in.client_secret() == "from-env"
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-file\n")
    monkeypatch.setenv("HAIP_STAFF_OIDC_CLIENT_SECRET_FILE", str(secret_file))
    assert sign_in.client_secret() == "from-file"
    secret_file.write_text("")
    with pytest.raises(SystemExit, match="is empty"):
        sign_in.client_secret()
    monkeypatch.setenv("HAIP_STAFF_OIDC_SERVER_URL", "https://idp.example-clinic.org/realms/staff/")
    monkeypatch.setenv("HAIP_STAFF_OIDC_CLIENT_ID", "haip")
    secret_file.write_text("s3cret")
    [app] = sign_in.oidc_apps()
    assert app["settings"]["server_url"] == "https://idp.example-clinic.org/realms/staff"
    assert sign_in.provider_origin() == "https://idp.example-clinic.org"


@override_settings(STAFF_OIDC_ORIGIN="https://idp.example-clinic.org")
def test_the_sign_on_button_may_send_the_browser_on_to_the_provider():
    from staff import headers

    assert "form-action 'self' https://idp.example-clinic.org;" in headers.policy()
