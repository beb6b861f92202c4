"""Every workspace response carries a Content-Security-Policy that allows only
the workspace's own files (staff/headers.py), and the pages need nothing more:
no inline script, style or event handler. The patient site's HTTPS file sends
HSTS, as the staff one does."""

import re

import pytest

from bot import paths
from staff.accounts import accounts, roles

pytestmark = pytest.mark.django_db
DIRECTIVES = [
    "default-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
HSTS = 'add_header Strict-Transport-Security "max-age=31536000" always;'


def test_pages_send_a_content_security_policy(client):
    for response in (client.get("/login/"), client.get("/")):
        policy = response.headers.get("Content-Security-Policy", "")
        assert [d for d in DIRECTIVES if d not in policy.split("; ")] == [], policy
    client.force_login(accounts.add("nina", roles.NURSE, "a-long-passphrase-9"))
    assert client.get("/").headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_the_templates_have_nothing_inline_the_policy_would_block():
    inline = re.compile(r"<script(?![^>]*\ssrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|<style", re.I)
    found = [
        f"{path.name}: {match.group(0)}"
        for path in (paths.ROOT / "staff" / "templates").rglob("*.html")
        for match in inline.finditer(path.read_text())
    ]
    assert found == []


def test_both_https_files_send_hsts():
    for name in ("nginx-https.conf", "nginx-staff.conf"):
        assert HSTS in (paths.ROOT / "deploy" / name).read_text(), name
