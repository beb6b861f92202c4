"""The staff workspace as its browser tests use it: the shared assistant's
workspace behind nginx and HTTPS (deploy/nginx-staff.conf), its accounts, and
pages in Debian's chromium."""

from __future__ import annotations

import base64
import secrets
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot import paths
from harness.servers import Assistant

PASSWORD = "a-long-passphrase-9"
LAUNCHER = "Questions about your pump? Chat with us"
WAIT_MS = 60_000
expect.set_options(timeout=WAIT_MS)
# Every account signs in with a second step (staff/accounts/mfa.py): the browser
# tests' accounts get an authenticator app's secret when they are made, and
# log_in computes the code from it, as the person's phone would.
SET_UP_TOTP = """
import sys
import django
django.setup()
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import User
name, secret = sys.stdin.read().split()
TOTP.activate(User.objects.get(username=name), secret)
"""


def new_totp_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


def totp_code(secret: str, counter: int | None = None) -> str:
    """The code an authenticator app shows now (or for that 30-second step),
    by allauth's own function."""
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    if counter is None:
        counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(secret, counter))


@dataclass
class Workspace:
    url: str  # through nginx, HTTPS
    assistant: Assistant
    root: Path
    totp_secrets: dict[str, str] = field(default_factory=dict)
    # A code works once: the 30-second steps each account has used.
    used_steps: dict[str, set[int]] = field(default_factory=dict)
    # Each account's cookies once signed in (log_in).
    sessions: dict[str, list] = field(default_factory=dict)

    @property
    def staff_db(self) -> Path:
        return Path(self.assistant.env["HAIP_STAFF_DB"])

    def add_account(self, name: str, role: str) -> None:
        """A local account with its password and an authenticator app set up."""
        subprocess.run(
            [sys.executable, "-m", "staff", "users", "add", name, "--role", role],
            input=PASSWORD + "\n", text=True, env=self.assistant.env, cwd=paths.ROOT,
            check=True, capture_output=True,
        )  # fmt: skip
        secret = new_totp_secret()
        subprocess.run(
            [sys.executable, "-c", SET_UP_TOTP], input=f"{name} {secret}", text=True,
            env={**self.assistant.env, "DJANGO_SETTINGS_MODULE": "staff.settings"},
            cwd=paths.ROOT, check=True, capture_output=True,
        )  # fmt: skip
        self.totp_secrets[name] = secret

    def next_code(self, name: str) -> str:
        """A code the workspace takes now and this account has not used: the
        current step's, or the one either side (MFA_TOTP_TOLERANCE), else the
        next step's once it comes."""
        used = self.used_steps.setdefault(name, set())
        while True:
            now = time.time()
            step, into = divmod(now, 30)
            step = int(step)
            for candidate in (step, step + 1, *([step - 1] if into < 20 else [])):
                if candidate not in used:
                    used.add(candidate)
                    return totp_code(self.totp_secrets[name], candidate)
            time.sleep(30 - into + 0.5)

    def logged(self, where: str = "text LIKE ?", *args) -> list[tuple]:
        with sqlite3.connect(self.staff_db, timeout=30) as db:
            return db.execute(
                # The status is the conversation's.
                f"SELECT m.text, m.outcome, COALESCE(c.status, '') FROM review_message m"
                f" LEFT JOIN review_conversation c ON c.name = m.conversation"
                f" WHERE m.sender = 'patient' AND {where} ORDER BY m.id",
                args,
            ).fetchall()


def new_page(browser, width: int = 1280, height: int = 900) -> Page:
    # bypass_csp: axe is injected in some tests.
    context = browser.new_context(
        viewport={"width": width, "height": height}, ignore_https_errors=True, bypass_csp=True,
        accept_downloads=True,
    )  # fmt: skip
    context.set_default_timeout(WAIT_MS)
    page = context.new_page()
    page.on("dialog", lambda d: pytest.fail(f"a dialog opened: {d.message}"))
    return page


def log_in(page: Page, workspace: Workspace, name: str, password: str = PASSWORD) -> None:
    """The password, then, if the workspace asks for it, the second step with
    a code from the account's authenticator app.

    An account signed in before keeps its session: a new window gets its
    cookies, as a second tab of the same browser would. A code works once, so
    signing in afresh each time would wait for the next 30-second step."""
    saved = workspace.sessions.get(name) if password == PASSWORD else None
    if saved:
        page.context.add_cookies(saved)
        page.goto(workspace.url + "/")
        if "/login/" not in page.url and "/accounts/" not in page.url:
            return
        page.context.clear_cookies()
    page.goto(workspace.url + "/login/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Log in").click()
    if "/accounts/2fa/authenticate/" in page.url and name in workspace.totp_secrets:
        page.get_by_label("Code").fill(workspace.next_code(name))
        with page.expect_navigation():
            page.get_by_role("button", name="Continue").click()
    if password == PASSWORD and "/login/" not in page.url and "/accounts/" not in page.url:
        workspace.sessions[name] = page.context.cookies()


def signed_in(browser, workspace: Workspace, name: str, heading: str):
    """A new page with `name` signed in, on the page whose heading says so; a
    generator for fixtures (the page closes after the test)."""
    page = new_page(browser)
    log_in(page, workspace, name)
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    yield page
    page.context.close()


def signed_in_client(name: str, role: str, full_name: str = ""):
    """Django's test client, signed in as a new account of this role; its full
    name is what the content history and a sign-off record."""
    from django.test import Client

    from staff.accounts import accounts

    user = accounts.add(name, role, PASSWORD)
    if full_name:
        user.first_name, _, user.last_name = full_name.partition(" ")
        user.save()
    client = Client()
    client.force_login(user)
    return client
