"""Each message's NLU on threads of their own, beside Rasa's event loop.

Rasa 3.6 runs the NLU pipeline inside its event loop (MessageProcessor.
parse_message calls the graph directly), so while a message is parsed the Rasa
server does nothing else. Most of that time is MiniLM, which now runs in a
process of its own (bot/nlu/embedding_process.py): on an NLU thread the parse
waits for it without holding up the loop, which meanwhile saves, predicts and
answers other patients' messages. (MiniLM itself on such a thread did not help:
see embedding_process.)

Two threads, sharing the one MiniLM process: while one message waits for its
sentence embedding, the other's spaCy, count and classifier steps run, so the
child and the Rasa server work at the same time. With one thread the thread
itself was the bound at 20 clients (its Python steps and the child's turn in
series); with two, `bench/profile.py --measure --clients 20 --duration 30` went
from 20.4 to 23.6 messages/s, and a third thread gave no more (22.6). Two
messages of one conversation never meet here (Rasa's lock store lets a
conversation handle one message at a time), and our components keep no state
between messages: tests/with_rasa/test_nlu_thread.py parses messages two at a time and
gets the parse each one gets alone. A model's graph is shared with the loop,
which runs only the dialogue policies' part of it meanwhile. Parsing by an NLU
server over HTTP (Rasa's `nlu` endpoint) is left as Rasa does it.

Like action_results, install() swaps the one method on the class, in every
process that runs Rasa (bot/rasa/__init__.py's install()).
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
THREADS = 2
_threads = ThreadPoolExecutor(max_workers=THREADS, thread_name_prefix="nlu")


async def parse_message(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker | None = None,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    """MessageProcessor.parse_message, with the graph run on an NLU thread.
    Rasa's version also writes the parse (the patient's text) to its debug log;
    this does not."""
    if self.http_interpreter:
        return await _original(self, message, tracker, only_output_properties)
    if tracker is None:
        tracker = DialogueStateTracker.from_events(message.sender_id, [])
    parse = partial(self._parse_message_with_graph, message, tracker, only_output_properties)
    parse_data = await asyncio.get_running_loop().run_in_executor(_threads, parse)
    self._update_full_retrieval_intent(parse_data)
    self._check_for_unseen_features(parse_data)
    return parse_data


def install() -> None:
    MessageProcessor.parse_message = parse_message
