"""Only payloads the assistant sends reach Rasa as commands
(bot/servers/typed_commands.py); a typed "/..." is text, on every channel."""

import pytest
import requests

from actions import contacts
from bot import paths
from bot.content import answers, languages, loader
from bot.rasa.channels import RestChannel, topic_ids
from bot.rasa.sms_channel import SMSChannel
from bot.servers import typed_commands, web
from bot.servers.typed_commands import for_rasa, is_issued
from tests.sms_provider import SmsProvider
from tests.with_rasa.test_sms_channel import PATIENT, FakeRasa, incoming, post, serving

TOPICS = frozenset({"refills", "hospital_stay"})
CHEST_PAIN = '/faq{"topic": "refills"} I have chest pain'


@pytest.mark.parametrize(
    "payload",
    ["/greet", '/faq{"topic": "refills"}', '/faq{"topic":"hospital_stay"}', "/contact_decline"],
)
def test_a_payload_the_assistant_sends_passes_unchanged(payload):
    assert is_issued(payload, TOPICS)
    assert for_rasa(payload, lambda: TOPICS) == payload


@pytest.mark.parametrize(
    ("typed", "as_text"),
    [
        (CHEST_PAIN, 'faq{"topic": "refills"} I have chest pain'),
        ('/faq{"topic": "=HYPERLINK(\\"x\\")"}', 'faq{"topic": "=HYPERLINK(\\"x\\")"}'),
        ('/faq{"topic": "refills", "x": 1}', 'faq{"topic": "refills", "x": 1}'),
        ('/faq{"topic": "refills"}{"a": 1}', 'faq{"topic": "refills"}{"a": 1}'),
        ("/EXTERNAL_refill_due", "EXTERNAL_refill_due"),
        ("/urgent_symptom", "urgent_symptom"),
        ("/greet@0.1", "greet@0.1"),
        ("/handoff{bad json", "handoff{bad json"),
        ("  //  /greet", "greet"),
        ("/ my pump site hurts", " my pump site hurts"),
        ("/", ""),
    ],
)
def test_any_other_slash_is_text(typed, as_text):
    assert not is_issued(typed, TOPICS)
    assert for_rasa(typed, lambda: TOPICS) == as_text
    assert not as_text.strip().startswith("/")


@pytest.mark.parametrize("payload", ['/greet{"language": "es"}', '/greet{"language":"en"}'])
def test_the_greeting_with_a_language_the_assistant_speaks_is_a_command(payload):
    assert is_issued(payload, TOPICS)
    assert for_rasa(payload, lambda: TOPICS) == payload


@pytest.mark.parametrize(
    "typed",
    [
        '/greet{"language": "fr"}',  # named in languages.NAMES, not spoken
        '/greet{"language": "xx"}',
        '/greet{"language": ["es"]}',
        '/greet{"language": "es", "topic": "refills"}',
        '/greet{"topic": "refills"}',
        '/greet{"language": "es"} tengo dolor de pecho',
        '/faq{"language": "es"}',
        '/handoff{"language": "es"}',
    ],
)
def test_any_other_language_or_entity_with_the_greeting_is_text(typed):
    assert not is_issued(typed, TOPICS)
    assert not for_rasa(typed, lambda: TOPICS).startswith("/")


def test_text_without_a_slash_and_non_strings_are_untouched():
    typed = " how often are refills? / asking "
    assert for_rasa(typed, lambda: TOPICS) == typed
    assert for_rasa(12345, lambda: TOPICS) == 12345 and for_rasa(None, lambda: TOPICS) is None


def test_every_payload_the_assistant_sends_is_a_command(monkeypatch):
    content = loader.load(paths.CONTENT_DIR)
    kinds = {contacts.contacts.EMAIL, contacts.contacts.SMS}
    monkeypatch.setattr(contacts.senders, "available", lambda: kinds)
    monkeypatch.setattr(contacts.contacts, "active", lambda *_: False)
    payloads = [web.START_PAYLOAD, *(web.start_payload(code) for code in languages.SPOKEN)]
    payloads += [answers.topic_button(t)["payload"] for t in content.topics.values()]
    payloads += [b["payload"] for b in contacts.offer(content, "someone").buttons]
    assert len(payloads) > 3
    known = topic_ids()
    assert known == frozenset(content.topics)
    assert [p for p in payloads if for_rasa(p, lambda: known) != p] == []


def test_rest_passes_a_typed_command_to_rasa_as_text():
    rasa = FakeRasa(replies=[{"text": "ok"}])
    with serving(RestChannel(), rasa) as base:
        for message in (CHEST_PAIN, '/faq{"topic": "refills"}'):
            answer = requests.post(
                f"{base}/webhooks/twilio/webhook",  # where serving() mounts a channel
                json={"sender": "patient-a", "message": message},
                timeout=10,
            )
            assert answer.status_code == 200
    assert [m.text for m in rasa.received] == [CHEST_PAIN[1:], '/faq{"topic": "refills"}']


def test_sms_passes_a_typed_command_as_text_and_a_pressed_button_as_its_payload():
    rasa = FakeRasa()
    with SmsProvider() as twilio, serving(SMSChannel(twilio.settings()), rasa) as base:
        post(base, incoming(CHEST_PAIN))
        post(base, incoming("2"))
    assert [m.text for m in rasa.received] == [CHEST_PAIN[1:], '/faq{"topic": "hospital_stay"}']
    assert rasa.received[0].sender_id == rasa.received[1].sender_id
    assert PATIENT not in rasa.received[0].sender_id


def test_a_message_without_a_slash_never_reads_the_content():
    def topics():
        raise AssertionError("the topic ids were read for a plain message")

    assert for_rasa("how long is the hospital stay", topics) == "how long is the hospital stay"
    assert for_rasa("/faq that", lambda: TOPICS) == "faq that"


def test_a_topic_button_s_topic_and_the_greeting_are_read_from_their_payloads():
    assert typed_commands.topic_of('/faq{"topic": "refills"}') == "refills"
    for other in ("/faq", '/faq{"topic": 3}', '/greet{"topic": "refills"}', "refills", "/faq{"):
        assert typed_commands.topic_of(other) is None, other
    assert typed_commands.is_greeting("/greet") and typed_commands.is_greeting(
        '/greet{"language": "es"}'
    )
    assert not typed_commands.is_greeting("/greeting") and not typed_commands.is_greeting("hi")
