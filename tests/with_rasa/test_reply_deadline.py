"""The reply deadline on its own, with Rasa's real collecting output channel and
stand-ins for Rasa's processing (the whole path runs in tests/test_channels.py)."""

import asyncio
import time

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from bot.rasa.reply_deadline import ReplyDeadline

TROUBLE = "I'm having trouble right now."


def run(process, limit_s: float = 0.3):
    """Handles one message; returns what was sent when handle() returned, how
    long it took, and what was sent once the process had time to finish."""

    async def go():
        collector = CollectingOutputChannel()
        message = UserMessage("hello", collector, "someone")
        deadline = ReplyDeadline(limit_s, lambda: TROUBLE)
        started = time.monotonic()
        await deadline.handle(process, message, lambda: bool(collector.messages))
        took = time.monotonic() - started
        at_return = [m["text"] for m in collector.messages]
        await asyncio.sleep(1)
        return at_return, took, [m["text"] for m in collector.messages]

    return asyncio.run(go())


def test_a_prompt_answer_passes_unchanged():
    async def answer(message):
        await message.output_channel.send_response(message.sender_id, {"text": "Hi"})

    at_return, took, _ = run(answer)
    assert at_return == ["Hi"] and took < 0.3


def test_a_slow_answer_gets_the_trouble_message_at_the_deadline_and_is_not_cancelled():
    async def slow(message):
        await asyncio.sleep(0.6)
        await message.output_channel.send_response(message.sender_id, {"text": "late answer"})

    at_return, took, later = run(slow)
    assert at_return == [TROUBLE] and 0.3 <= took < 0.5
    assert later == [TROUBLE, "late answer"]


def test_no_answer_at_all_gets_the_trouble_message_at_once():
    async def nothing(message):
        return None

    at_return, took, _ = run(nothing)
    assert at_return == [TROUBLE] and took < 0.3


def test_a_failure_gets_the_trouble_message_and_is_not_raised():
    async def fails(message):
        raise RuntimeError("boom")

    at_return, _, _ = run(fails)
    assert at_return == [TROUBLE]


def test_a_partial_answer_by_the_deadline_is_not_followed_by_the_trouble_message():
    async def partial(message):
        await message.output_channel.send_response(message.sender_id, {"text": "first part"})
        await asyncio.sleep(0.6)

    at_return, _, _ = run(partial)
    assert at_return == ["first part"]
