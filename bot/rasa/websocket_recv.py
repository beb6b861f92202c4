"""Sanic 21.12's websocket receive, working on Python 3.11.

The socket.io channel (the chat widget's) reads each websocket message through
Sanic's `WebsocketImplProtocol.recv`, which waits with
`asyncio.wait((cancel_future, self.assembler.get(timeout)))`: a coroutine
among the awaitables. Python 3.10 wraps it in a task (deprecated since 3.8);
Python 3.11 refuses it with a TypeError, the socket closes and the widget says
it cannot reach the assistant. Sanic fixed it after 21.12, which Rasa 3.6
pins.

install() makes `WebsocketFrameAssembler.get` return that task itself, which
is what 3.10's asyncio.wait made of it; a caller that awaits get() gets the
same result as before. Checked against the one Sanic version the lock pins.
"""

from __future__ import annotations

import asyncio

from bot import pins


def install() -> None:
    from sanic import __version__ as running
    from sanic.server.websockets.frame import WebsocketFrameAssembler

    if running != pins.pinned("sanic"):
        raise RuntimeError(
            f"bot/rasa/websocket_recv.py replaces a method of Sanic {pins.pinned('sanic')} "
            f"(requirements/rasa.lock), but this is Sanic {running}."
        )
    get = WebsocketFrameAssembler.get
    if getattr(get, "returns_a_task", False):
        return

    def get_as_task(self, timeout=None):
        return asyncio.ensure_future(get(self, timeout))

    get_as_task.returns_a_task = True
    WebsocketFrameAssembler.get = get_as_task
