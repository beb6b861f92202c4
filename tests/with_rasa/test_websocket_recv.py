"""bot/rasa/websocket_recv.py: Sanic 21.12's websocket receive on Python 3.11,
where asyncio.wait refuses a coroutine. Sanic's own recv(), on its own frame
assembler, after install(); the chat widget's browser tests (tests/test_widget.py)
run it end to end."""

import asyncio

from sanic.server.websockets.frame import WebsocketFrameAssembler
from websockets.frames import OP_TEXT, Frame

from bot.rasa import websocket_recv


class Protocol:
    """What the assembler calls back on its websocket protocol."""

    def pause_frames(self):
        pass

    def resume_frames(self):
        pass


def test_a_message_is_received_whole_and_a_second_install_changes_nothing():
    websocket_recv.install()
    patched = WebsocketFrameAssembler.get
    websocket_recv.install()
    assert WebsocketFrameAssembler.get is patched

    async def receive():
        assembler = WebsocketFrameAssembler(Protocol())
        waiting = asyncio.get_running_loop().create_future()
        # What WebsocketImplProtocol.recv hands asyncio.wait, which Python 3.11
        # refuses for a coroutine.
        getting = assembler.get(timeout=5)
        assert isinstance(getting, asyncio.Task)
        done_waiting = asyncio.ensure_future(
            asyncio.wait((waiting, getting), return_when=asyncio.FIRST_COMPLETED)
        )
        await asyncio.sleep(0)
        await assembler.put(Frame(OP_TEXT, b"hola", fin=True))
        done, pending = await done_waiting
        waiting.cancel()
        return next(iter(done)).result()

    assert asyncio.run(receive()) == "hola"
