"""The staff workspace as its browser tests use it: the shared assistant's
workspace behind nginx and HTTPS (deploy/nginx-staff.conf), its accounts, and
pages in Debian's chromium."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bot import paths
from tests.servers import Assistant

PASSWORD = "a-long-passphrase-9"
LAUNCHER = "Questions about your pump? Chat with us"
WAIT_MS = 60_000
expect.set_options(timeout=WAIT_MS)


@dataclass
class Workspace:
    url: str  # through nginx, HTTPS
    assistant: Assistant
    root: Path

    @property
    def staff_db(self) -> Path:
        return Path(self.assistant.env["HAIP_STAFF_DB"])

    def add_account(self, name: str, role: str) -> None:
        subprocess.run(
            [sys.executable, "-m", "staff", "users", "add", name, "--role", role],
            input=PASSWORD + "\n", text=True, env=self.assistant.env, cwd=paths.ROOT,
            check=True, capture_output=True,
        )  # fmt: skip

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
    page.goto(workspace.url + "/login/")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


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
