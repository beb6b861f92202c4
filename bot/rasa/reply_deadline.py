"""A patient never meets silence.

Rasa answers an empty reply when the action server is down, and with a frozen
action server it waits up to its fixed 5-minute action timeout before giving
one; Rasa 3.6 has no setting for either. Our input channels hand every message
to `ReplyDeadline.handle`: if Rasa has sent nothing by the deadline (or ends,
or fails, having sent nothing) the patient gets content/messages.yml's
`trouble` message instead.

Rasa's processing is never cancelled: it runs on as its own task, so the
conversation in the tracker store stays whole, and on a channel that can push
(socket.io) a late answer still reaches the patient.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage

logger = logging.getLogger(__name__)


class ReplyDeadline:
    def __init__(
        self,
        limit_s: float,
        trouble_text: Callable[[], str],
        on_trouble: Callable[[str, str], None] | None = None,
    ):
        self.limit_s = limit_s
        self.trouble_text = trouble_text
        # Told (sender id, message id) of each message that got the trouble message.
        self.on_trouble = on_trouble
        # asyncio keeps only weak references to tasks: these must not vanish
        # while they run on past the deadline.
        self._running: set[asyncio.Task] = set()

    async def handle(
        self,
        process: Callable[[UserMessage], Awaitable[Any]],
        message: UserMessage,
        anything_sent: Callable[[], bool],
    ) -> None:
        """Runs process(message) and returns when it is done or the deadline
        has passed, whichever is first; never raises for a failed process."""
        task = asyncio.ensure_future(process(message))
        self._running.add(task)
        task.add_done_callback(self._finished)
        # asyncio.wait, not wait_for: on a timeout, or if this handler itself is
        # cancelled (the patient closed the page), the task runs on untouched.
        await asyncio.wait({task}, timeout=self.limit_s)
        if anything_sent():
            return
        if task.done():
            # Rasa ended with nothing to say: the action server is down, say.
            logger.warning("A message got no reply; sent the trouble message.")
        else:
            logger.warning(
                "No reply within %.1f s; sent the trouble message (the answer is "
                "still being worked on).",
                self.limit_s,
            )
        await message.output_channel.send_response(message.sender_id, {"text": self.trouble_text()})
        if self.on_trouble is not None:
            # A file write: off the event loop, which serves every other patient.
            await asyncio.to_thread(self.on_trouble, message.sender_id, message.message_id)

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if task.cancelled() or task.exception() is None:
            return
        # The exception's text or traceback could quote the patient's message:
        # the type only at the normal levels, the details at debug.
        error = task.exception()
        logger.error("Processing a message failed (%s).", type(error).__name__)
        logger.debug("Processing a message failed", exc_info=error)
