"""Signing in the clinic's way, in a real headless Chromium: single sign-on
with a real OpenID Connect provider (django-oauth-toolkit, tests/oidc_provider/,
its own server process on 127.0.0.1), and a local account's password and
second step (an authenticator app's code, a passkey through Chromium's virtual
authenticator). A workspace of its own (`python -m staff serve`, gunicorn) set
up for single sign-on, at http://localhost: a secure context for passkeys, and
another site than the provider's, as a clinic's are."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Page, expect

from bot import paths
from harness.servers import free_port, port_open, wait_until
from tests.browser import axe_violations
from tests.staff.workspace import PASSWORD, WAIT_MS, totp_code

pytestmark = pytest.mark.integration
CLIENT_ID = "haip-staff"
PROVIDER_NAME = "Example Clinic"
# The provider's people: a nurse by group, someone in no mapped group, a nurse who leaves.
PEOPLE = [
    {"username": "olga", "password": "olga-pass-123", "groups": ["haip-nurses"],
     "name": "Olga Ortiz", "email": "olga@example-clinic.org"},
    {"username": "uma", "password": "uma-pass-123", "groups": ["marketing"], "name": "Uma Ueda"},
    {"username": "dora", "password": "dora-pass-123", "groups": ["haip-nurses"],
     "name": "Dora Diaz"},
]  # fmt: skip


@contextmanager
def running(command: list[str], env: dict, port: int, log: Path, ready_path: str = "/"):
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=paths.ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        started = wait_until(
            lambda: process.poll() is None and port_open(port) and _answers(port, ready_path), 90
        )
        assert started, f"{command} did not start:\n{log.read_text()[-3000:]}"
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()


def _answers(port: int, path: str) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}{path}", timeout=5).status_code < 500
    except requests.RequestException:
        return False


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """The clinic's identity provider: issuer http://127.0.0.1:PORT/o."""
    root = tmp_path_factory.mktemp("oidc-provider")
    port, staff_port = free_port(), free_port()
    key = subprocess.run(
        ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    (root / "key.pem").write_text(key)
    secret = os.urandom(16).hex()
    staff_url = f"http://localhost:{staff_port}"
    config = {
        "port": port,
        "client_id": CLIENT_ID,
        "client_secret": secret,
        "redirect_uri": f"{staff_url}/accounts/oidc/clinic/login/callback/",
        "people": PEOPLE,
    }
    (root / "config.json").write_text(json.dumps(config))
    issuer = f"http://127.0.0.1:{port}/o"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "OIDC_TEST_SECRET_KEY": os.urandom(16).hex(),
        "OIDC_TEST_DB": str(root / "provider.db"),
        "OIDC_TEST_KEY_FILE": str(root / "key.pem"),
        "OIDC_TEST_ISSUER": issuer,
    }
    command = [sys.executable, "-m", "tests.oidc_provider", str(root / "config.json")]
    with running(command, env, port, root / "provider.log", "/o/.well-known/openid-configuration"):
        yield {"issuer": issuer, "secret": secret, "staff_port": staff_port, "root": root}


@pytest.fixture(scope="module")
def sso_workspace(provider, tmp_path_factory):
    """The staff workspace with single sign-on, and local accounts: lena and pia,
    and a nurse uma who is not the provider's uma; lena has olga's e-mail address."""
    root = tmp_path_factory.mktemp("sso-workspace")
    secret_file = root / "oidc-secret"
    secret_file.write_text(provider["secret"] + "\n")
    secret_file.chmod(0o600)
    port = provider["staff_port"]
    env = {
        **os.environ,
        "HAIP_HOST": "127.0.0.1",
        "HAIP_STAFF_PORT": str(port),
        "HAIP_STAFF_DB": str(root / "staff.db"),
        "HAIP_TRACKER_DB": str(root / "tracker.db"),
        "HAIP_CONTENT_HISTORY": str(root / "content.git"),
        "HAIP_TRAINING_DIR": str(root / "training"),
        "HAIP_STAFF_OIDC_SERVER_URL": provider["issuer"],
        "HAIP_STAFF_OIDC_CLIENT_ID": CLIENT_ID,
        "HAIP_STAFF_OIDC_CLIENT_SECRET_FILE": str(secret_file),
        "HAIP_STAFF_OIDC_NAME": PROVIDER_NAME,
        "HAIP_STAFF_OIDC_ROLES": "haip-nurses=nurse haip-editors=editor",
    }
    # Migrated once, as a deploy does before the workspace starts.
    subprocess.run([sys.executable, "-m", "staff", "migrate"], env=env, cwd=paths.ROOT,
                   check=True, capture_output=True)  # fmt: skip
    for name in ("lena", "pia", "uma"):
        subprocess.run(
            [sys.executable, "-m", "staff", "users", "add", name, "--role", "nurse"],
            input=PASSWORD + "\n", text=True, env=env, cwd=paths.ROOT, check=True,
            capture_output=True,
        )  # fmt: skip
    with sqlite3.connect(root / "staff.db") as db:
        db.execute("UPDATE auth_user SET email = 'olga@example-clinic.org' WHERE username = 'lena'")
    command = [sys.executable, "-m", "staff", "serve"]
    with running(command, env, port, root / "staff.log", "/health/"):
        yield {"url": f"http://localhost:{port}", "db": root / "staff.db", "env": env}


@pytest.fixture
def page(browser):
    # The page's own Content-Security-Policy applies (no bypass): the sign-on
    # button's redirect to the provider must be allowed by it.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    yield page
    context.close()


def checked_by_axe(browser, url: str, storage_state) -> None:
    """axe-core on a copy of the page (axe is injected, so without the CSP)."""
    context = browser.new_context(bypass_csp=True, storage_state=storage_state)
    try:
        copy = context.new_page()
        copy.goto(url)
        assert axe_violations(copy) == [], url
    finally:
        context.close()


def sign_on(page: Page, workspace: dict, name: str) -> None:
    person = next(p for p in PEOPLE if p["username"] == name)
    page.goto(workspace["url"] + "/login/")
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(page.get_by_role("heading", name="Example Clinic sign-in")).to_be_visible()
    page.get_by_label("Clinic user name").fill(name)
    page.get_by_label("Clinic password").fill(person["password"])
    page.get_by_role("button", name="Sign in to the clinic").click()


def staff_db(workspace: dict, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(workspace["db"], timeout=30) as db:
        return db.execute(sql, args).fetchall()


def test_a_nurse_signs_on_with_the_clinics_provider_and_reaches_the_inbox(
    browser, sso_workspace, page
):
    page.goto(sso_workspace["url"] + "/login/")
    checked_by_axe(browser, page.url, page.context.storage_state())
    sign_on(page, sso_workspace, "olga")
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    assert page.url.startswith(sso_workspace["url"])
    # No second step of ours: the clinic's provider is responsible for it.
    expect(page.get_by_text("olga", exact=True)).to_be_visible()
    assert staff_db(
        sso_workspace,
        "SELECT g.name FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id"
        " JOIN auth_group g ON g.id = ug.group_id WHERE u.username = 'olga'",
    ) == [("nurse",)]
    actions = {
        a
        for (a,) in staff_db(sso_workspace, "SELECT action FROM audit_entry WHERE target = 'olga'")
    }
    assert {"account added by single sign-on", "roles from single sign-on"} <= actions


def test_someone_in_no_mapped_group_signs_on_with_no_role_and_sees_no_patient_message(
    browser, sso_workspace, page
):
    sign_on(page, sso_workspace, "uma")
    expect(page.get_by_role("heading", name="You are signed in, with no role yet")).to_be_visible()
    checked_by_axe(browser, page.url, page.context.storage_state())
    for path in ["/", "/api/inbox/", "/reminders/", "/export.csv"]:
        assert page.goto(sso_workspace["url"] + path).status == 403, path
    # The workspace's own nurse uma is someone else: never joined by the name.
    [(name,)] = staff_db(
        sso_workspace,
        "SELECT u.username FROM auth_user u JOIN socialaccount_socialaccount s ON s.user_id = u.id"
        " WHERE json_extract(s.extra_data, '$.userinfo.preferred_username') = 'uma'",
    )
    assert name != "uma"
    page.goto(sso_workspace["url"] + "/dashboard/")  # the Overview: counts only
    expect(page.get_by_text(name, exact=True)).to_be_visible()
    assert staff_db(
        sso_workspace,
        "SELECT g.name FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id"
        " JOIN auth_group g ON g.id = ug.group_id WHERE u.username = 'uma'",
    ) == [("nurse",)]


def test_a_deactivated_account_cannot_sign_on_and_its_session_ends(sso_workspace, page):
    sign_on(page, sso_workspace, "dora")
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    staff_db(sso_workspace, "UPDATE auth_user SET is_active = 0 WHERE username = 'dora'")
    page.reload()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    # Still signed in at the provider, she comes straight back: the workspace says no.
    page.get_by_role("button", name=f"Sign in with {PROVIDER_NAME}").click()
    expect(page.get_by_role("heading", name="Account deactivated")).to_be_visible()
    page.goto(sso_workspace["url"] + "/")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()


def password_step(page: Page, workspace: dict, name: str) -> None:
    page.goto(workspace["url"] + "/login/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_local_account_sets_up_an_authenticator_app_then_signs_in_with_a_code(
    browser, sso_workspace, page
):
    password_step(page, sso_workspace, "lena")
    # Sent to set up the second step before any staff page.
    expect(page.get_by_role("heading", name="Set up your second step")).to_be_visible()
    page.goto(sso_workspace["url"] + "/reminders/")
    expect(page.get_by_role("heading", name="Set up your second step")).to_be_visible()
    checked_by_axe(browser, page.url, page.context.storage_state())
    page.reload()  # each showing of the page makes a new key (axe's copy did too)
    secret = page.locator("#totp-secret").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    page.get_by_label("Code from the app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    checked_by_axe(browser, page.url, page.context.storage_state())
    page.get_by_role("link", name="Continue to the workspace").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    # Next time: password, then a code; a wrong code is refused.
    password_step(page, sso_workspace, "lena")
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()
    checked_by_axe(browser, page.url, page.context.storage_state())
    page.get_by_label("Code").fill("00000" + ("1" if totp_code(secret).endswith("0") else "0"))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("That code is not right")
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()
    # The next 30-second step's code (the workspace allows one step of clock
    # drift), so as not to reuse the one that set the app up.
    page.get_by_label("Code").fill(totp_code(secret, int(time.time()) // 30 + 1))
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()


def test_a_passkey_as_the_second_step(sso_workspace, page):
    """Chromium's virtual authenticator (CDP WebAuthn) plays the security key."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "usb",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    password_step(page, sso_workspace, "pia")
    expect(page.get_by_role("heading", name="Set up your second step")).to_be_visible()
    page.get_by_role("link", name="Add a passkey or security key instead").click()
    page.get_by_label("Name").fill("Pia's key")
    page.locator("#mfa_webauthn_add").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    page.get_by_role("link", name="Continue to the workspace").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    page.get_by_role("button", name="Log out").click()

    password_step(page, sso_workspace, "pia")
    expect(page.get_by_role("heading", name="Second step")).to_be_visible()
    page.get_by_role("button", name="Use a passkey or security key").click()
    expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
    assert staff_db(
        sso_workspace,
        "SELECT a.type FROM mfa_authenticator a JOIN auth_user u ON u.id = a.user_id"
        " WHERE u.username = 'pia' ORDER BY a.type",
    ) == [("recovery_codes",), ("webauthn",)]
