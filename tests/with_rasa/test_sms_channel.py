"""The text-message channel (bot/rasa/sms_channel.py) in a real Sanic server,
mounted as Rasa mounts it (/webhooks/twilio/...), with Twilio's REST API played
by the local stand-in (tests/sms_provider.py) and a Rasa of our own: a callback
that records the message and answers through the message's output channel."""

import asyncio
import logging
import threading
import uuid
from contextlib import contextmanager

import pytest
import requests
from sanic import Sanic
from twilio.request_validator import RequestValidator

from bot.outreach import sms
from bot.rasa import sms_channel
from bot.rasa.reply_deadline import ReplyDeadline
from bot.rasa.sms_channel import SMSChannel, short_form, split_body
from harness.servers import free_port, wait_until
from tests.sms_provider import AUTH_TOKEN, SmsProvider

PATIENT = "+12025550143"
PUBLIC = "https://assistant.example-clinic.org"
PATH = "/webhooks/twilio/webhook"
ANSWER = {
    "text": "Refills are every **14 days**.\n\nSources: [Penn Medicine](https://www.pennmedicine.org/pump)",
    "buttons": [
        {"title": "Refill visits", "payload": '/faq{"topic": "refills"}'},
        {"title": "Hospital stay", "payload": '/faq{"topic": "hospital_stay"}'},
    ],
}
SHORT_ANSWER = (
    "Refills are every 14 days.\n"
    "Sources: Penn Medicine: https://www.pennmedicine.org/pump\n"
    "1. Refill visits\n"
    "2. Hospital stay"
)


class FakeRasa:
    """Stands in for Rasa's agent: records what reaches it and answers."""

    def __init__(self, replies=(ANSWER, {"image": "https://example.org/pump.png"}), delay_s=0):
        self.received: list = []
        self.replies = list(replies)
        self.delay_s = delay_s

    async def __call__(self, message) -> None:
        self.received.append(message)
        await asyncio.sleep(self.delay_s)
        for reply in self.replies:
            await message.output_channel.send_response(message.sender_id, dict(reply))


@contextmanager
def serving(channel: SMSChannel, on_new_message):
    """The channel in a Sanic app on a free port, in a thread of its own."""
    # Sanic 21.12 rewrites some of its own methods when an app starts, and fails
    # on a second app in the same process unless in test mode (as sanic-testing
    # sets it).
    Sanic.test_mode = True
    app = Sanic(f"sms_test_{uuid.uuid4().hex[:8]}")
    app.config.KEEP_ALIVE = False  # no idle connection left at the end
    app.blueprint(channel.blueprint(on_new_message), url_prefix="/webhooks/twilio")
    port = free_port()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder = {}

    async def start():
        server = await app.create_server(
            host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
        )
        await server.startup()
        await server.before_start()
        await server.after_start()
        return server

    def run():
        asyncio.set_event_loop(loop)
        holder["server"] = loop.run_until_complete(start())
        started.set()
        loop.run_forever()
        loop.run_until_complete(stop(holder["server"]))
        loop.close()

    async def stop(server):
        await server.before_stop()
        server.close()
        await server.wait_closed()
        # Answers still running on past the reply deadline.
        running = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
        await server.after_stop()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10), "the Sanic app did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)


def post(base: str, form: dict, signed_url: str | None = None, token: str = AUTH_TOKEN):
    """POSTs as Twilio does, signed for signed_url (default: the URL posted to)."""
    url = f"{base}{PATH}"
    signature = RequestValidator(token).compute_signature(signed_url or url, form)
    return requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)


def incoming(body: str, number: str = PATIENT) -> dict:
    return {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "5" * 32,
        "From": number,
        "To": "+12025550100",
        "Body": body,
        "NumMedia": "0",
    }


@pytest.fixture
def twilio():
    with SmsProvider() as provider:
        yield provider


def test_a_signed_text_reaches_rasa_and_the_reply_is_texted_back_short(twilio):
    rasa = FakeRasa()
    with serving(SMSChannel(twilio.settings()), rasa) as base:
        answer = post(base, incoming("how often are refills?"))
    assert answer.status_code == 200 and "<Response>" in answer.text
    [message] = rasa.received
    assert message.text == "how often are refills?"
    assert message.input_channel == "twilio"
    # The conversation's id is the number's, but not the number.
    assert message.sender_id == sms.conversation_id(twilio.settings(), PATIENT)
    assert "0143" not in message.sender_id
    # One text for the answer; the image is dropped.
    assert twilio.bodies(PATIENT) == [SHORT_ANSWER]
    assert twilio.messages[0]["From"] == twilio.settings().number


def test_the_same_number_is_the_same_conversation_and_a_number_presses_a_button(twilio):
    rasa = FakeRasa()
    with serving(SMSChannel(twilio.settings()), rasa) as base:
        post(base, incoming("refills"))
        post(base, incoming("2"))
        post(base, incoming("2"))  # the buttons counted for one message only
        post(base, incoming("hello", number="+12025550199"))
    first, second, third, other = rasa.received
    assert first.sender_id == second.sender_id == third.sender_id != other.sender_id
    assert second.text == '/faq{"topic": "hospital_stay"}'
    assert third.text == '/faq{"topic": "hospital_stay"}'  # the second answer offered them again
    assert len(twilio.bodies(PATIENT)) == 3 and len(twilio.bodies("+12025550199")) == 1


def test_a_number_with_no_buttons_offered_is_just_text(twilio):
    rasa = FakeRasa(replies=[{"text": "What day was your last refill?"}])
    with serving(SMSChannel(twilio.settings()), rasa) as base:
        post(base, incoming("remind me"))
        post(base, incoming("2"))
    assert rasa.received[1].text == "2"


def test_a_wrong_or_missing_signature_is_refused(twilio):
    rasa = FakeRasa()
    with serving(SMSChannel(twilio.settings()), rasa) as base:
        assert post(base, incoming("hi"), token="not-the-token").status_code == 403
        assert post(base, incoming("hi"), signed_url=f"{base}/elsewhere").status_code == 403
        unsigned = requests.post(f"{base}{PATH}", data=incoming("hi"), timeout=10)
        assert unsigned.status_code == 403
        # Signed, then changed on the way.
        form = incoming("hi")
        signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{base}{PATH}", form)
        form["Body"] = "something else"
        changed = requests.post(
            f"{base}{PATH}", data=form, headers={"X-Twilio-Signature": signature}, timeout=10
        )
        assert changed.status_code == 403
    assert rasa.received == [] and twilio.messages == []


def test_behind_https_the_signature_is_for_the_public_url(twilio):
    rasa = FakeRasa(replies=[])
    with serving(SMSChannel(twilio.settings(), public_url=PUBLIC + "/"), rasa) as base:
        assert post(base, incoming("hi"), signed_url=f"{PUBLIC}{PATH}").status_code == 200
        assert post(base, incoming("hi")).status_code == 403
    assert len(rasa.received) == 1


def test_with_text_messages_off_the_webhook_is_not_there(monkeypatch):
    monkeypatch.delenv("HAIP_TWILIO_ACCOUNT_SID", raising=False)
    channel = SMSChannel.from_credentials(None)
    rasa = FakeRasa()
    with serving(channel, rasa) as base:
        assert post(base, incoming("hi")).status_code == 404
        assert requests.get(f"{base}/webhooks/twilio/", timeout=10).status_code == 404
    assert rasa.received == []
    assert channel.get_output_channel().name() == "collector"


def test_settings_come_from_the_environment_not_credentials(twilio, monkeypatch, tmp_path):
    for variable, value in twilio.env().items():
        monkeypatch.setenv(variable, value)
    monkeypatch.setenv("HAIP_PUBLIC_URL", PUBLIC)
    monkeypatch.setenv("HAIP_TRACKER_DB", str(tmp_path / "tracker.db"))
    channel = SMSChannel.from_credentials({})
    assert channel.twilio == twilio.settings()
    assert channel.public_url == PUBLIC and channel.deadline is not None
    with pytest.raises(ValueError, match="auth_token"):
        SMSChannel.from_credentials({"auth_token": "in-the-yml"})


@pytest.mark.parametrize("keyword", ["STOP", "stop", "  Unsubscribe ", "QUIT", "stopall"])
def test_stop_stops_reminders_and_reaches_neither_rasa_nor_twilio(twilio, monkeypatch, keyword):
    stopped = []
    monkeypatch.setattr(sms_channel, "stop_texts", stopped.append)
    rasa = FakeRasa()
    with serving(SMSChannel(twilio.settings()), rasa) as base:
        answer = post(base, incoming(keyword))
    assert answer.status_code == 200
    assert stopped == [PATIENT]
    assert rasa.received == [] and twilio.messages == []


def test_stop_inside_a_sentence_is_a_message(twilio, monkeypatch):
    stopped = []
    monkeypatch.setattr(sms_channel, "stop_texts", stopped.append)
    rasa = FakeRasa()
    with serving(SMSChannel(twilio.settings()), rasa) as base:
        post(base, incoming("can I stop the pump?"))
    assert stopped == [] and len(rasa.received) == 1


def test_a_reply_refused_for_stop_stops_reminders_too(twilio):
    stopped = []
    twilio.fail(400, sms.UNSUBSCRIBED_CODE)
    with serving(SMSChannel(twilio.settings(), on_stop=stopped.append), FakeRasa()) as base:
        post(base, incoming("hello"))
    assert stopped == [PATIENT]


def test_a_slow_answer_gets_the_trouble_message_first_then_the_answer(twilio):
    deadline = ReplyDeadline(0.3, lambda: "Trouble: call (202) 555-0100.")
    rasa = FakeRasa(replies=[{"text": "The late answer."}], delay_s=1.5)
    with serving(SMSChannel(twilio.settings(), deadline=deadline), rasa) as base:
        answer = post(base, incoming("hi"))
        assert answer.status_code == 200
        assert twilio.bodies(PATIENT) == ["Trouble: call (202) 555-0100."]
        assert wait_until(lambda: len(twilio.bodies(PATIENT)) == 2, 5)
    assert twilio.bodies(PATIENT)[1] == "The late answer."


def test_no_number_or_message_text_in_the_logs(twilio, caplog):
    caplog.set_level(logging.DEBUG)
    twilio.fail(500, 20500)  # every reply fails: the failure is logged

    async def failing(message):
        await message.output_channel.send_response(message.sender_id, {"text": "Zebulon"})
        raise RuntimeError(f"broke on {message.text}")

    with serving(SMSChannel(twilio.settings()), failing) as base:
        assert post(base, incoming("Quixotic question")).status_code == 200
        post(base, incoming("hi"), token="not-the-token")
    assert "A reply by text was not sent" in caplog.text
    assert "RuntimeError" in caplog.text
    for secret in ("Quixotic", "Zebulon", PATIENT, "2025550143", AUTH_TOKEN):
        assert secret not in caplog.text


def test_rasa_writing_first_reaches_a_number_seen_and_no_other(twilio):
    channel = SMSChannel(twilio.settings())
    with serving(channel, FakeRasa(replies=[])) as base:
        post(base, incoming("hi"))
    seen = sms.conversation_id(twilio.settings(), PATIENT)
    output = channel.get_output_channel()
    asyncio.run(output.send_response(seen, {"text": "Your refill is tomorrow."}))
    asyncio.run(output.send_response("sms-unknown", {"text": "Your refill is tomorrow."}))
    assert twilio.bodies() == ["Your refill is tomorrow."]


def test_a_reminder_for_a_number_the_outbox_texts_is_not_texted_twice(
    twilio, tmp_path, monkeypatch
):
    import datetime as dt

    from bot.reminders import contacts
    from bot.reminders.store import ReminderStore

    monkeypatch.setenv("HAIP_REMINDERS_DB", str(tmp_path / "reminders.db"))
    store = ReminderStore(tmp_path / "reminders.db")
    now = dt.datetime.now(dt.timezone.utc)
    channel = SMSChannel(twilio.settings())
    with serving(channel, FakeRasa(replies=[])) as base:
        post(base, incoming("hi"))
    seen = sms.conversation_id(twilio.settings(), PATIENT)
    output = channel.get_output_channel()
    contacts.offer(store, "web-chat", None, "sms", PATIENT, "123456", now)
    contacts.confirm(store, "web-chat", "123456", now)
    asyncio.run(output.send_response(seen, {"text": "Reminder: your pump refill is tomorrow."}))
    assert twilio.bodies() == []  # the scheduler's own text goes instead
    contacts.stop(store, kind="sms", address=PATIENT, now=now)
    asyncio.run(output.send_response(seen, {"text": "Reminder: your pump refill is tomorrow."}))
    assert twilio.bodies() == ["Reminder: your pump refill is tomorrow."]


def test_the_short_form():
    assert short_form(ANSWER["text"], ANSWER["buttons"]) == SHORT_ANSWER
    assert short_form("Call [the line](tel:+12025550100) now.") == (
        "Call the line: tel:+12025550100 now."
    )
    assert short_form("", []) == ""
    assert short_form("", [{"title": "Refills"}]) == "1. Refills"


def test_a_long_reply_is_cut_between_lines():
    body = "\n".join(["x" * 700, "y" * 700, "z" * 700])
    assert split_body(body) == ["x" * 700 + "\n" + "y" * 700, "z" * 700]
    assert split_body("w" * 3300) == ["w" * 1600, "w" * 1600, "w" * 100]
    assert split_body("short") == ["short"]
