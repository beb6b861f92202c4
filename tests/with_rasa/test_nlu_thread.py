"""bot/rasa/nlu_thread.py with the trained model loaded as the Rasa server
loads it: the same parse as Rasa's own, made on the NLU threads while the event
loop goes on with other work, and two messages at a time each parsed as alone."""

import asyncio
import sys
import threading

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

from bot.nlu import embedding_process, minilm
from bot.rasa import nlu_thread
from bot.training import evaluate, train

MESSAGES = [
    "how long will I stay in the hospital after the pump is placed?",
    "I have a fever and my belly hurts a lot",
    "remind me about my refill",
    "🙂🙂🙂",
    "¿qué es la bomba?",
    "what is the pump " * 40,
]


@pytest.fixture(scope="module")
def processor():
    agent = Agent.load(str(train.model_path()))
    return agent.processor


def parse(processor, text: str, how) -> dict:
    return asyncio.run(how(processor, UserMessage(text, sender_id="patient")))


@pytest.mark.parametrize("text", MESSAGES)
def test_the_same_parse_as_rasas(processor, text):
    assert parse(processor, text, nlu_thread.parse_message) == parse(
        processor, text, nlu_thread._original
    )


def loop_turns_during(processor, how) -> int:
    """How often the event loop ran another task while one message was parsed."""

    async def main() -> int:
        turns = 0
        parsing = True

        async def other_patient() -> None:
            nonlocal turns
            while parsing:
                turns += 1
                await asyncio.sleep(0)

        other = asyncio.create_task(other_patient())
        await asyncio.sleep(0)
        before = turns
        await how(processor, UserMessage(MESSAGES[-1], sender_id="patient"))
        during = turns - before
        parsing = False
        await other
        return during

    return asyncio.run(main())


def test_the_loop_serves_others_while_a_message_is_parsed(processor):
    assert loop_turns_during(processor, nlu_thread._original) == 0  # Rasa's: blocked
    assert loop_turns_during(processor, nlu_thread.parse_message) > 10


def test_the_graph_runs_on_the_nlu_thread(processor, monkeypatch):
    threads = []
    graph = processor._parse_message_with_graph

    def recorded(*args, **kwargs):
        threads.append(threading.current_thread().name)
        return graph(*args, **kwargs)

    monkeypatch.setattr(processor, "_parse_message_with_graph", recorded)
    parse(processor, MESSAGES[0], nlu_thread.parse_message)
    parse(processor, MESSAGES[1], nlu_thread.parse_message)
    assert len(threads) == 2
    assert all(name.startswith("nlu") for name in threads)
    assert threading.current_thread().name not in threads


async def at_once(processor, texts: list[str]) -> list[dict]:
    """Each text from a patient of its own, all sent together."""
    return await asyncio.gather(
        *(nlu_thread.parse_message(processor, UserMessage(t, sender_id=t)) for t in texts)
    )


def test_two_messages_are_parsed_at_once(processor, monkeypatch):
    # Each parse waits here for the other: with one NLU thread the second never
    # comes, and the wait ends in BrokenBarrierError.
    both = threading.Barrier(2, timeout=30)
    graph = processor._parse_message_with_graph

    def meet(*args, **kwargs):
        both.wait()
        return graph(*args, **kwargs)

    monkeypatch.setattr(processor, "_parse_message_with_graph", meet)

    assert [p["text"] for p in asyncio.run(at_once(processor, MESSAGES[:2]))] == MESSAGES[:2]


@pytest.fixture
def embedding_child():
    """MiniLM in its child process, as in the Rasa server: each parse then waits
    on the pipe while the other thread's spaCy and classifier steps run."""
    child = embedding_process.EmbeddingProcess()
    minilm.use(child)
    yield child
    minilm.use(None)
    child.stop()


def test_two_at_a_time_each_parse_is_the_one_it_gets_alone(processor, embedding_child):
    texts = [e.text for e in evaluate.load_test_set()[::6]] + MESSAGES
    alone = {t: parse(processor, t, nlu_thread._original) for t in texts}

    # Python's lock handed over every few microseconds, so that the two threads
    # take turns inside each other's steps, not only at the pipe.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        together = asyncio.run(at_once(processor, texts))
    finally:
        sys.setswitchinterval(interval)
    assert embedding_child.pid() is not None
    assert len(texts) > 40
    for text, parse_data in zip(texts, together, strict=True):
        assert parse_data == alone[text], text
