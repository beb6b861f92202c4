"""nginx with a file of deploy/ as shipped, on this machine's loopback: for the
browser tests (HTTPS in front of the staff workspace, a clinic's site) and the
scaled-out assistant (harness/scale_out.py)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot import paths
from harness.servers import port_open

NGINX = os.environ.get("HAIP_NGINX", "/usr/sbin/nginx")


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
