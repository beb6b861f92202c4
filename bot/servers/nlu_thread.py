"""Each message's NLU on a thread of its own, beside Rasa's event loop.

Rasa 3.6 runs the NLU pipeline inside its event loop (MessageProcessor.
parse_message calls the graph directly), so while a message is parsed the Rasa
server does nothing else. Most of that time is MiniLM, which now runs in a
process of its own (bot/nlu/embedding_process.py): on this thread the parse
waits for it without holding up the loop, which meanwhile saves, predicts and
answers other patients' messages. (MiniLM itself on this thread did not help:
see embedding_process.)

One thread, so our NLU components never run two messages at once (as in
Rasa), and a message's parse waits its turn rather than competing with the
next. A model's graph is shared with the loop, which runs only the dialogue
policies' part of it meanwhile. Parsing by an NLU server over HTTP (Rasa's
`nlu` endpoint) is left as Rasa does it.

Like action_results, install() swaps the one method on the class, in the Rasa
server's process only (bot/servers/rasa_server.py).
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

_original = MessageProcessor.parse_message
_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nlu")


async def parse_message(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker | None = None,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    """MessageProcessor.parse_message, with the graph run on the NLU thread.
    Rasa's version also writes the parse (the patient's text) to its debug log;
    this does not."""
    if self.http_interpreter:
        return await _original(self, message, tracker, only_output_properties)
    if tracker is None:
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
    parse = partial(self._parse_message_with_graph, message, tracker, only_output_properties)
    parse_data = await asyncio.get_running_loop().run_in_executor(_thread, parse)
    self._update_full_retrieval_intent(parse_data)
    self._check_for_unseen_features(parse_data)
    return parse_data


def install() -> None:
    MessageProcessor.parse_message = parse_message
