"""Fixtures of the staff workspace's tests: the browser tests' workspace,
shared by their modules so the accounts are made and nginx started once; the
clinic's clock for every test."""

import shutil
import zoneinfo
from pathlib import Path

import pytest
from django.utils import timezone

from harness.nginx import certificate_names, nginx, nginx_config
from tests.browser import chromium
from tests.ports import STAFF_HTTPS_PORT, STAFF_PUBLIC_URL
from tests.staff.workspace import Workspace


@pytest.fixture(autouse=True)
def force_login_passes_the_second_step():
    """Django's test client's force_login skips signing in altogether, and so
    the second step too (staff/accounts/mfa.py): its sessions count as having
    passed it, as a real sign-in's do. Only force_login's, whose request is a
    bare HttpRequest; sign-ins through the pages (tests/staff/test_staff_sign_in.py)
    pass it for real, or not."""
    from allauth.account.internal.flows.login import record_authentication
    from django.contrib.auth.signals import user_logged_in
    from django.http import HttpRequest

    def mark(sender, request, user, **kwargs):
        if type(request) is HttpRequest:
            record_authentication(request, user, "mfa", type="test-client force_login")

    user_logged_in.connect(mark, dispatch_uid="test-force-login-second-step")
    yield
    user_logged_in.disconnect(dispatch_uid="test-force-login-second-step")


@pytest.fixture(autouse=True)
def clinic_clock():
    """Tests reckon days and times on the clinic's clock, as every staff page
    does (staff/clinic_time.py)."""
    from staff.clinic_time import zone_name

    with timezone.override(zoneinfo.ZoneInfo(zone_name())):
        yield


ACCOUNTS = [("nina", "nurse"), ("nora", "nurse"), ("ada", "admin"), ("lockme", "nurse"),
            ("eddie", "editor"), ("edna", "editor"), ("tina", "translator"),
            ("cleo", "clinician")]  # fmt: skip


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
            ("/var/log/nginx/haip-staff.access.log", str(root / "staff-access.log")),
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


# The editor's client tests (test_staff_editor.py, test_staff_training.py).
@pytest.fixture
def content(tmp_path, monkeypatch) -> Path:
    """A private copy of the content, with its own history and trainings."""
    from bot import paths

    shutil.copytree(paths.ROOT / "content", tmp_path / "content")
    monkeypatch.setattr(paths, "CONTENT_DIR", tmp_path / "content")
    monkeypatch.setenv("HAIP_CONTENT_HISTORY", str(tmp_path / "content.git"))
    monkeypatch.setenv("HAIP_TRAINING_DIR", str(tmp_path / "training"))
    return tmp_path / "content"


@pytest.fixture
def editor(client, content):
    """Django's test client, logged in as an editor."""
    from staff.accounts import accounts, roles
    from tests.staff.workspace import PASSWORD

    client.force_login(accounts.add("eddie", roles.EDITOR, PASSWORD))
    return client
