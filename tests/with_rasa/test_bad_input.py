"""Input that is not a message gets a clear refusal from our channels
(bot/rasa/channels.py, bot/servers/rest_body.py): never a 500, a traceback
or silence, and nothing of it in the log."""

import logging
import threading

import pytest
import requests
import socketio

from bot import paths
from bot.content import answers, loader
from bot.rasa.channels import RestChannel, SocketIOChannel
from tests.with_rasa.test_sms_channel import FakeRasa, serving

SECRET = "Zebulon"
WEBHOOK = "/webhooks/twilio/webhook"  # where serving() mounts a channel


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[1,2]",
        b'{"sender": "p", "message": 12345}',
        b'{"sender": "p", "message": {}}',
        b'{"sender": "p", "message": null}',
        b'{"sender": "p"}',
        b'{"message": "hello"}',
        b'{"sender": 7, "message": "hello"}',
        b'{"sender": "p", "message": "hi", "metadata": [1]}',
        b'{"sender": "p", "message": "hi", "input_channel": {}}',
        b'{"sender": "p", "message": "' + SECRET.encode() + b'" ',
        b"\xff\xfe",
    ],
)
def test_rest_answers_a_body_that_is_not_a_message_with_a_400(body, caplog):
    rasa = FakeRasa(replies=[{"text": "ok"}])
    with caplog.at_level(logging.DEBUG), serving(RestChannel(), rasa) as base:
        answer = requests.post(
            f"{base}{WEBHOOK}",
            data=body,
            headers={"Content-Type": "application/json"},
            timeout=10,
        )
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error and SECRET not in error and "Traceback" not in answer.text
    assert rasa.received == []
    assert SECRET not in caplog.text and "Traceback" not in caplog.text


def test_rest_still_takes_a_message():
    rasa = FakeRasa(replies=[{"text": "ok"}])
    with serving(RestChannel(), rasa) as base:
        answer = requests.post(
            f"{base}{WEBHOOK}",
            json={"sender": "patient-a", "message": "", "metadata": {"a": 1}},
            timeout=10,
        )
    assert answer.status_code == 200 and [r["text"] for r in answer.json()] == ["ok"]
    [message] = rasa.received
    assert (message.sender_id, message.text, message.metadata) == ("patient-a", "", {"a": 1})


def socket_channel() -> SocketIOChannel:
    return SocketIOChannel.from_credentials({"session_persistence": True})


@pytest.mark.parametrize(
    "data",
    [12345, [1, 2], "hello", None, {"message": 12345}, {"message": {}}, {"message": [SECRET]}],
)
def test_socketio_answers_a_message_that_is_not_text(data, caplog):
    rasa = FakeRasa(replies=[{"text": "ok"}])
    expected = answers.message(loader.load(paths.CONTENT_DIR), "empty_message").text
    with caplog.at_level(logging.DEBUG), serving(socket_channel(), rasa) as base:
        client = socketio.Client()
        got = threading.Event()
        replies = []
        confirmed = threading.Event()
        chat_ids = []
        client.on("session_confirm", lambda chat_id: (chat_ids.append(chat_id), confirmed.set()))
        client.on("bot_uttered", lambda m: (replies.append(m), got.set()))
        client.connect(base, transports=["polling"])
        try:
            client.emit("session_request", {"session_id": None})
            assert confirmed.wait(10)
            if isinstance(data, dict):
                data = {**data, "session_id": chat_ids[0]}
            client.emit("user_uttered", data)
            assert got.wait(10), "no reply"
        finally:
            client.disconnect()
    assert replies[0]["text"] == expected.strip().split("\n\n")[0]
    assert rasa.received == []
    assert SECRET not in caplog.text and "Traceback" not in caplog.text
