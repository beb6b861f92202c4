"""The workspace under gunicorn, a production server (never Django's
development server). The process becomes gunicorn (exec), so the supervisor's
signals and health checks reach it directly."""

from __future__ import annotations

import os
import sys

from bot import settings

# Two workers with threads: a slow export never blocks a nurse's inbox.
WORKERS = 2
THREADS = 4
# The path only: query strings may hold search words, which are patient text.
ACCESS_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(M)sms'


def command() -> list[str]:
    host = settings.get("HAIP_HOST") or "127.0.0.1"
    port = settings.port("HAIP_STAFF_PORT")
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "staff.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(WORKERS),
        "--threads",
        str(THREADS),
        "--worker-class",
        "gthread",
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        # One control socket per user by default: two workspaces would clash.
        "--no-control-socket",
        "--access-logfile",
        "-",
        "--access-logformat",
        ACCESS_FORMAT,
    ]


def run() -> int:
    os.chdir(settings.ROOT)
    argv = command()
    os.execv(argv[0], argv)
    return 1  # not reached
