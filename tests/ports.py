"""Ports the shared browser assistant (tests/conftest.py) is started with, which
the tests that use it must know too. A module of its own, imported once: pytest
may load conftest.py a second time under another name, which would pick new ports."""

from harness.servers import free_port

# A clinic's own site that embeds the widget: another origin, on loopback too,
# because Chromium keeps other sites from loading anything from 127.0.0.1
# (Local Network Access); a real clinic serves the widget over HTTPS instead.
CLINIC_PORT = free_port()
CLINIC_SITE = f"http://localhost:{CLINIC_PORT}"
# Where nginx serves the staff workspace over HTTPS (deploy/nginx-staff.conf).
STAFF_HTTPS_PORT = free_port()
STAFF_PUBLIC_URL = f"https://localhost:{STAFF_HTTPS_PORT}"
