"""Our input channels (bot/rasa/channels.py) on the real servers: the trouble message
when the action server freezes, socket.io origins, and chat-id expiry."""

import os
import signal
import sqlite3
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import socketio

from bot.servers.trouble_log import TroubleLog
from harness.servers import Assistant, started_assistant
from tests.socket_patient import SocketPatient

pytestmark = pytest.mark.integration

CLINIC_SITE = "https://www.example-clinic.org"
TROUBLE = "I'm having trouble right now."
# A word no answer contains: if it is in the servers' output, a patient's text was logged.
SECRET = "Zebulon"
DAY_S = 24 * 60 * 60


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    # The reply deadline is the shipped default (5 s): empty means unset.
    with started_assistant(
        tmp_path_factory.mktemp("channels"),
        HAIP_CORS_ORIGINS=CLINIC_SITE,
        HAIP_REPLY_LIMIT_SECONDS="",
    ) as running:
        yield running


def action_server_pid(assistant: Assistant) -> int:
    """The supervisor's child that runs the action server."""
    pid = assistant.child_pid("action server")
    assert pid is not None, "no action server among the supervisor's children"
    return pid


@contextmanager
def frozen_action_server(assistant: Assistant):
    # The action server leads its own process group (the supervisor starts it
    # so): stopping the group also stops any worker it started.
    group = action_server_pid(assistant)
    os.killpg(group, signal.SIGSTOP)
    try:
        yield
    finally:
        os.killpg(group, signal.SIGCONT)


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_a_frozen_action_server_gets_the_trouble_message_not_silence(assistant):
    rest_sender = f"frozen-rest-{uuid.uuid4().hex[:8]}"
    with SocketPatient(assistant.rasa_port, None) as patient:
        with frozen_action_server(assistant):
            started = time.monotonic()
            replies = assistant.ask(rest_sender, f"{SECRET} asks how long is the hospital stay")
            rest_s = time.monotonic() - started
            assert TROUBLE in texts(replies) and "(555) 555-0100" in texts(replies), replies

            started = time.monotonic()
            patient.say(f"{SECRET} asks how long is the hospital stay")
            assert patient.wait_for(TROUBLE, timeout=15), patient.texts
            socket_s = time.monotonic() - started
            print(f"\ntrouble message after: REST {rest_s:.2f} s, socket.io {socket_s:.2f} s")
            assert rest_s < 8 and socket_s < 8
        # Rasa's processing was never cancelled: once the action server is back,
        # the real answer still reaches the socket.io patient.
        assert patient.wait_for("about 3 days", timeout=60), patient.texts

    # And the conversations go on as before.
    assert "about 3 days" in texts(assistant.ask(rest_sender, "how long is the hospital stay"))
    # The staff workspace's review log learns which messages got the trouble message.
    recorded = TroubleLog.from_settings(assistant.env).after(0, 100)
    assert {row[1] for row in recorded} >= {rest_sender, patient.chat_id}


def connect_from(assistant: Assistant, origin: str) -> None:
    with SocketPatient(assistant.rasa_port, None, origin=origin) as patient:
        assert patient.chat_id


def test_socketio_accepts_only_the_configured_origins(assistant):
    for allowed in [
        assistant.web_url,
        f"http://localhost:{assistant.web_port}",
        CLINIC_SITE,
    ]:
        connect_from(assistant, allowed)
    for foreign in ["https://evil.example", "http://127.0.0.1:1", "null"]:
        with pytest.raises(socketio.exceptions.ConnectionError):
            connect_from(assistant, foreign)


def history(assistant: Assistant, chat_id: str) -> list[dict]:
    response = requests.get(f"{assistant.web_url}/api/history/{chat_id}", timeout=30)
    response.raise_for_status()
    return response.json()["messages"]


def event_count(db: Path, sender: str) -> int:
    with sqlite3.connect(db) as connection:
        return connection.execute(
            "SELECT COUNT(*) FROM events WHERE sender_id = ?", (sender,)
        ).fetchone()[0]


def test_the_web_chat_opens_only_an_id_of_its_own_making_for_its_own_conversation(assistant):
    rest_id = uuid.uuid4().hex  # a REST conversation under an id of the web chat's form
    reply = requests.post(
        f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/webhook",
        json={"sender": rest_id, "message": f"{SECRET} asks how long is the hospital stay"},
        timeout=60,
    )
    assert reply.ok and "about 3 days" in str(reply.json())
    for asked in [rest_id, "x" * 20_000, "patient-outage", rest_id.upper(), "../" + rest_id]:
        with SocketPatient(assistant.rasa_port, asked) as patient:
            assert patient.chat_id and patient.chat_id != asked, asked[:40]
            # A message under the asked id reaches nothing.
            patient.say("hello", as_id=asked)
            patient.say("how long is the hospital stay")
            assert patient.wait_for("about 3 days"), patient.texts
            assert not any(SECRET in t for t in patient.texts)
    with sqlite3.connect(assistant.env["HAIP_TRACKER_DB"]) as connection:
        texts = [row[0] for row in connection.execute(
            "SELECT json_extract(data, '$.text') FROM events"
            " WHERE sender_id = ? AND type_name = 'user'", (rest_id,),
        )]  # fmt: skip
    assert "hello" not in texts and len(texts) == 1
    assert history(assistant, rest_id) == []  # nor does the web page's history open it


def test_an_expired_chat_id_opens_nothing(assistant):
    db = Path(assistant.env["HAIP_TRACKER_DB"])
    old_id = uuid.uuid4().hex
    with SocketPatient(assistant.rasa_port, old_id) as patient:
        assert patient.chat_id == old_id  # a new id is taken as asked
        patient.say(f"{SECRET} wants to know how long is the hospital stay")
        assert patient.wait_for("about 3 days"), patient.texts
    assert any("about 3 days" in m["text"] for m in history(assistant, old_id))
    with SocketPatient(assistant.rasa_port, old_id) as patient:
        assert patient.chat_id == old_id  # recent: still the same conversation

    # 31 days of silence (the clinic allows 30). Rasa reads an event's time from
    # its JSON; the column is for queries.
    with sqlite3.connect(db) as connection:
        connection.execute(
            "UPDATE events SET timestamp = timestamp - :age, data = json_set(data,"
            " '$.timestamp', json_extract(data, '$.timestamp') - :age) WHERE sender_id = :id",
            {"age": 31 * DAY_S, "id": old_id},
        )
    assert history(assistant, old_id) == []

    events_before = event_count(db, old_id)
    with SocketPatient(assistant.rasa_port, old_id) as patient:
        assert patient.chat_id and patient.chat_id != old_id
        # Not even a message sent under the old id reaches the old conversation.
        patient.say(f"{SECRET} says hello", as_id=old_id)
        time.sleep(3)
        assert event_count(db, old_id) == events_before
        patient.say("hello")
        assert patient.wait_for("not a person"), patient.texts
    assert not any("about 3 days" in m["text"] for m in history(assistant, patient.chat_id))


def test_no_patient_text_reaches_the_servers_output(assistant):
    # Run last: the scenarios above all sent SECRET, with the action server
    # frozen, from a foreign origin and under an expired chat id.
    time.sleep(1)
    assert not any(SECRET in line for line in assistant.output)


def test_the_attack_replay_finds_every_defence_holding(assistant):
    """bench/attacks.py, as a clinic's IT would run it against `make run`."""
    import subprocess
    import sys

    from bot import paths

    replay = subprocess.run(
        [sys.executable, "bench/attacks.py",
         "--rasa", f"http://127.0.0.1:{assistant.rasa_port}", "--web", assistant.web_url,
         "--staff", assistant.staff_url, "--actions", f"http://127.0.0.1:{assistant.actions_port}"],
        cwd=paths.ROOT, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert "FAILED" not in replay.stdout and " held" in replay.stdout
