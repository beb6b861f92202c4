"""bot/servers/nlu_thread.py with the trained model loaded as the Rasa server
loads it: the same parse as Rasa's own, made on the NLU thread while the event
loop goes on with other work."""

import asyncio
import threading

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

from bot.servers import nlu_thread
from bot.training import train

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
