"""What the browser tests share: Debian's chromium under Playwright, axe-core,
and nginx in front of the real servers with a self-signed certificate."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from bot import paths
from tests.servers import port_open

CHROMIUM = os.environ.get("HAIP_CHROMIUM", "/usr/bin/chromium")
NGINX = os.environ.get("HAIP_NGINX", "/usr/sbin/nginx")
# Without the networking flags Chromium keeps calling home, which this
# machine's closed network refuses.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = paths.ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(os.environ.get("HAIP_SCREENSHOT_DIR") or paths.ROOT / "results" / "screenshots")


@contextmanager
def chromium() -> Iterator:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: `make system-packages` installs it"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def axe_violations(page: Page) -> list[dict]:
    """Serious and critical WCAG 2.1 A/AA problems axe-core finds on the page."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => (await axe.run(document, {
            runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}
        })).violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                  nodes: v.nodes.map(n => n.target.join(' '))}))"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def nginx_config(
    root: Path,
    site_file: str,
    replacements: list[tuple[str, str]],
    *,
    certificate: bool = True,
    leave_out: tuple[str, ...] = (),
    log_format: str | None = None,
) -> Path:
    """A file of deploy/ as shipped, with this test's ports, inside a minimal
    nginx.conf of its own; with a self-signed certificate for localhost unless
    certificate is False. Lines that still mention a string of leave_out after
    the replacements are left out (servers the shipped file has and the test
    does not run). With log_format, each request is logged to root/access.log
    in that format, for tests that check where nginx sent it."""
    if certificate:
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
             "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
             "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
            check=True, capture_output=True,
        )  # fmt: skip
    site = (paths.ROOT / "deploy" / site_file).read_text()
    for shipped, here in replacements:
        assert shipped in site, f"deploy/{site_file} no longer has {shipped!r}"
        site = site.replace(shipped, here)
    if leave_out:
        kept = (line for line in site.splitlines() if not any(s in line for s in leave_out))
        site = "\n".join(kept)
    (root / "site.conf").write_text(site)
    kinds = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    temp = " ".join(f"{kind}_temp_path {root}/{kind};" for kind in kinds)
    if log_format is None:
        access_log = "access_log off;"
    else:
        access_log = f"log_format test '{log_format}'; access_log {root}/access.log test;"
    main = root / "nginx.conf"
    main.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off; pid {root}/nginx.pid; error_log {root}/error.log;\n"
        f"events {{}}\nhttp {{ {access_log} {temp} include {root}/site.conf; }}\n"
    )
    return main


def certificate_names(domain: str, root: Path) -> list[tuple[str, str]]:
    return [
        (f"/etc/letsencrypt/live/{domain}/fullchain.pem", f"{root}/cert.pem"),
        (f"/etc/letsencrypt/live/{domain}/privkey.pem", f"{root}/key.pem"),
    ]


def start_nginx(config: Path, port: int) -> subprocess.Popen:
    """nginx with config, once it takes connections on port."""
    assert Path(NGINX).exists(), f"{NGINX} is missing: `make system-packages` installs it"
    proxy = subprocess.Popen(
        [NGINX, "-p", str(config.parent), "-c", str(config)], stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while not port_open(port):
            assert proxy.poll() is None, proxy.stderr.read().decode()
            assert time.monotonic() < deadline, "nginx did not start"
            time.sleep(0.2)
    except BaseException:  # one that never took connections is not left running
        proxy.terminate()
        proxy.wait(timeout=30)
        raise
    return proxy


@contextmanager
def nginx(config: Path, port: int) -> Iterator[None]:
    proxy = start_nginx(config, port)
    try:
        yield
    finally:
        proxy.terminate()
        proxy.wait(timeout=30)
