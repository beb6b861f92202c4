"""Fixtures of the staff workspace's browser tests, shared by their modules so
the accounts are made and nginx started once."""

from pathlib import Path

import pytest

from tests.browser import certificate_names, chromium, nginx, nginx_config
from tests.ports import STAFF_HTTPS_PORT, STAFF_PUBLIC_URL
from tests.staff.workspace import Workspace

ACCOUNTS = [("nina", "nurse"), ("nora", "nurse"), ("ada", "admin"), ("lockme", "nurse"),
            ("eddie", "editor"), ("edna", "editor")]  # fmt: skip


@pytest.fixture(scope="session")
def workspace(browser_assistant, tmp_path_factory):
    """The workspace of the assistant the widget's tests share (tests/conftest.py),
    behind nginx with the shipped server block."""
    running = browser_assistant
    root = tmp_path_factory.mktemp("staff-nginx")
    work = Workspace(STAFF_PUBLIC_URL, running, Path(running.env["HAIP_CONTENT_DIR"]).parent)
    for name, role in ACCOUNTS:
        work.add_account(name, role)
    config = nginx_config(
        root,
        "nginx-staff.conf",
        [
            ("listen 443 ssl;", f"listen 127.0.0.1:{STAFF_HTTPS_PORT} ssl;"),
            ("server_name staff.example-clinic.org;", "server_name localhost;"),
            *certificate_names("staff.example-clinic.org", root),
            ("http://127.0.0.1:8001", running.staff_url),
        ],
    )
    with nginx(config, STAFF_HTTPS_PORT):
        yield work


# Per module, not per session: a Playwright left open keeps its event loop in
# this thread, and later tests that run asyncio (or their own Playwright) fail.
@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched
