"""How a Rasa server tells the supervisor that it takes connections: the
supervisor passes the write end of a pipe in this variable, and the server
writes one line to it. With two servers on one port (a model switch), the pipe
says which of the two is ready, which a health URL on the shared port cannot."""

from __future__ import annotations

import os

VARIABLE = "HAIP_READY_FD"


def say_ready() -> None:
    if fd := os.environ.pop(VARIABLE, None):
        os.write(int(fd), b"ready\n")
        os.close(int(fd))
