"""Reminders by e-mail or text, as the chat takes them: the offer, the address,
the code sent for real (to an SMTP server and to the SMS stand-in on 127.0.0.1)
and typed back, and stopping. rasa-sdk's real Tracker and CollectingDispatcher,
a real SQLite reminder store."""

import datetime as dt
import re

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions import contacts as contact_actions
from actions import reminders, replies
from actions.reminder_store import store
from bot.content.store import ContentStore
from bot.reminders import contacts
from tests.conftest import action_tracker as tracker
from tests.sms_provider import SmsProvider
from tests.smtp_server import Recorder, parsed, smtp_server

NUMBER_TYPED = "(202) 555-0143"
NUMBER = "+12025550143"
ADDRESS = "Jane.Doe@Example.org"


@pytest.fixture(autouse=True)
def setup(content_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(replies, "STORE", ContentStore(content_dir))
    monkeypatch.setenv("HAIP_REMINDERS_DB", str(tmp_path / "reminders.db"))
    for variable in ("HAIP_SMTP_HOST", "HAIP_TWILIO_ACCOUNT_SID"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture
def mailbox(monkeypatch):
    handler = Recorder()
    with smtp_server(handler) as port:
        monkeypatch.setenv("HAIP_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("HAIP_SMTP_PORT", str(port))
        monkeypatch.setenv("HAIP_SMTP_STARTTLS", "no")
        monkeypatch.setenv("HAIP_SMTP_SENDER", "refills@clinic.example.org")
        yield handler


@pytest.fixture
def phone(monkeypatch):
    with SmsProvider() as provider:
        for name, value in provider.env().items():
            monkeypatch.setenv(name, value)
        yield provider


def texts(dispatcher):
    return [m["text"] for m in dispatcher.messages if m.get("text")]


def give_address(kind, typed, sender="patient-7"):
    dispatcher = CollectingDispatcher()
    result = contact_actions.ValidateContactForm().validate_contact_address(
        typed, dispatcher, tracker({"contact_kind": kind}, sender), {}
    )
    return result, texts(dispatcher)


def give_code(code, sender="patient-7", kind=None):
    dispatcher = CollectingDispatcher()
    result = contact_actions.ValidateContactForm().validate_contact_code(
        code, dispatcher, tracker({"contact_kind": kind}, sender), {}
    )
    return result, texts(dispatcher)


def start_form(kind, sender="patient-7"):
    """The contact form's first step, as Rasa runs it: its validation with the
    loop active, nothing requested yet and nothing to validate."""
    import asyncio

    from rasa_sdk import Tracker

    dispatcher = CollectingDispatcher()
    latest = {"text": "/contact_by_email", "intent": {"name": "contact_by_email"}, "entities": []}
    earlier = [{"event": "session_started"}, {"event": "bot", "text": "earlier"}]
    starting = Tracker(
        sender,
        {"contact_kind": kind, "requested_slot": None},
        latest,
        earlier,
        False,
        None,
        {"name": "contact_form", "is_interrupted": False, "rejected": False},
        "action_listen",
    )
    events = asyncio.run(contact_actions.ValidateContactForm().run(dispatcher, starting, {}))
    return events, texts(dispatcher)


def set_reminder(sender="patient-7"):
    dispatcher = CollectingDispatcher()
    refill = (dt.date.today() + dt.timedelta(days=5)).isoformat()
    reminders.ActionSetReminder().run(dispatcher, tracker({"refill_date": refill}, sender), {})
    return dispatcher.messages


def the_code(text: str) -> str:
    return re.search(r"\b(\d{6})\b", text).group(1)


def test_no_offer_when_the_clinic_set_up_neither():
    messages = set_reminder()
    assert not any("e-mail or text" in (m.get("text") or "") for m in messages)


def test_the_offer_lists_only_what_the_clinic_set_up(mailbox):
    offer = set_reminder()[-1]
    assert "by e-mail or text message" in offer["text"]
    assert [b["payload"] for b in offer["buttons"]] == ["/contact_by_email", "/contact_decline"]


def test_an_address_gets_a_code_by_e_mail_and_the_code_confirms_it(mailbox):
    set_reminder()
    result, said = give_address("email", f"  {ADDRESS} ")
    assert result == {"contact_address": "given"}
    assert "j•••@example.org" in said[0] and ADDRESS.lower() not in said[0]
    message = parsed(mailbox.received[-1])
    assert message["To"] == ADDRESS.lower()
    code = the_code(message.get_body(("plain",)).get_content())
    assert contacts.active(store(), "patient-7") == []

    result, said = give_code(f"{code[:3]} {code[3:]}")
    assert result == {"contact_code": "ok"}
    assert "also come by e-mail to j•••@example.org" in said[0]
    [active] = contacts.active(store(), "patient-7")
    assert (active.kind, active.address) == ("email", ADDRESS.lower())
    # Offered once: a patient who gets them is not asked again.
    assert not any("e-mail or text" in (m.get("text") or "") for m in set_reminder())


def test_a_number_and_code_typed_on_a_phone_keyboard_in_odd_unicode(phone):
    # Fullwidth digits, a no-break space and a zero-width space, as phones send.
    result, _ = give_address("sms", "(２０２)\u00a0555-\u200b0143")
    assert result == {"contact_address": "given"}
    [sent] = phone.messages
    assert sent["To"] == NUMBER
    fullwidth = the_code(sent["Body"]).translate(
        str.maketrans("0123456789", "０１２３４５６７８９")
    )
    assert give_code(f"{fullwidth[:3]}\u2009{fullwidth[3:]}")[0] == {"contact_code": "ok"}


def test_a_number_typed_any_common_way_gets_a_code_by_text(phone):
    result, said = give_address("sms", NUMBER_TYPED)
    assert result == {"contact_address": "given"}
    [sent] = phone.messages
    assert sent["To"] == NUMBER and "+1 ••• ••• 0143" in said[0]
    result, said = give_code(the_code(sent["Body"]))
    assert result == {"contact_code": "ok"} and "Reply STOP" in said[0]


@pytest.mark.parametrize("typed", ["not an address", "jane@", "<script>@x.org", "😀", "a" * 300])
def test_what_is_not_an_address_is_asked_again(mailbox, typed):
    result, said = give_address("email", typed)
    assert result == {"contact_address": None}
    assert "does not look like an e-mail address" in said[0]
    assert mailbox.received == []


@pytest.mark.parametrize("typed", ["12", "555-0143", "call me", "+1 555 555 0100"])
def test_what_is_not_a_number_is_asked_again(phone, typed):
    result, said = give_address("sms", typed)
    assert result == {"contact_address": None} and "mobile number" in said[0]
    assert phone.messages == []


def test_a_wrong_code_is_asked_again_then_too_many_tries_end_it(phone):
    give_address("sms", NUMBER_TYPED)
    right = the_code(phone.messages[-1]["Body"])
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(contacts.MAX_TRIES - 1):
        result, said = give_code(wrong)
        assert result == {"contact_code": None} and "does not match" in said[0]
    result, said = give_code(wrong)
    assert result == {"contact_code": "gave_up"} and "no longer works" in said[0]
    # Even the right code no longer works.
    assert give_code(right)[0] == {"contact_code": "gave_up"}
    assert contacts.active(store(), "patient-7") == []


def test_a_code_that_cannot_be_sent_says_so_and_keeps_the_chat_reminder(monkeypatch, phone):
    phone.fail(500)
    set_reminder()
    result, said = give_address("sms", NUMBER_TYPED)
    assert result == {"contact_address": "gave_up", "contact_code": "gave_up"}
    assert "could not send the code" in said[0] and "still set" in said[0]
    assert store().current("patient-7") is not None


def test_a_kind_the_clinic_does_not_have_is_not_taken(mailbox):
    result, said = give_address("sms", NUMBER_TYPED)
    assert result["contact_address"] == "gave_up" and "not set up here" in said[0]


def test_stop_texting_me_stops_them_and_the_chat_reminder_stays(phone):
    set_reminder()
    give_address("sms", NUMBER_TYPED)
    give_code(the_code(phone.messages[-1]["Body"]))
    dispatcher = CollectingDispatcher()
    contact_actions.ActionStopContact().run(dispatcher, tracker(), {})
    assert "not send you reminders by e-mail or text" in texts(dispatcher)[0]
    assert contacts.active(store(), "patient-7") == []
    assert store().current("patient-7") is not None
    dispatcher = CollectingDispatcher()
    contact_actions.ActionStopContact().run(dispatcher, tracker(), {})
    assert "nothing to stop" in texts(dispatcher)[0]


def test_codes_to_one_stranger_s_address_stop_after_three_a_day(mailbox):
    # Three chat ids (as one person flooding a stranger would use) ask for codes.
    for n in range(3):
        result, said = give_address("email", "victim@example.org", f"flooder-{n}")
        assert result == {"contact_address": contact_actions.GIVEN}, said
    result, said = give_address("email", "victim@example.org", "flooder-3")
    assert result["contact_address"] == contact_actions.GAVE_UP
    assert "several codes" in said[0]
    assert len(mailbox.received) == 3


def test_one_chat_asking_for_many_codes_is_stopped_within_the_hour(mailbox):
    for n in range(3):
        give_address("email", f"someone{n}@example.org", "flooder")
    result, said = give_address("email", "someone9@example.org", "flooder")
    assert result["contact_address"] == contact_actions.GAVE_UP and "several codes" in said[0]
    assert len(mailbox.received) == 3


def test_an_address_whose_owner_said_stop_gets_no_code(mailbox):
    give_address("email", ADDRESS)
    assert len(mailbox.received) == 1
    # Its owner follows the unsubscribe link of the code e-mail.
    link = re.search(r"unsubscribe\?t=([\w-]+)", parsed(mailbox.received[0]).as_string())
    stopped = contacts.stop(store(), token=link[1], now=dt.datetime.now(dt.timezone.utc))
    assert stopped == 1
    result, said = give_address("email", ADDRESS, "someone-else")
    assert result["contact_address"] == contact_actions.GAVE_UP
    assert "asked us to stop" in said[0] and len(mailbox.received) == 1


@pytest.mark.parametrize("typed", ["аnna@example.org", "anna@exаmple.org"])
def test_a_look_alike_address_mixing_alphabets_is_asked_again(mailbox, typed):
    result, said = give_address("email", typed)
    assert result == {"contact_address": None} and mailbox.received == []


def test_an_international_domain_is_sent_as_mail_servers_need_it(mailbox):
    result, _ = give_address("email", "ana@bücher.example")
    assert result == {"contact_address": contact_actions.GIVEN}
    assert parsed(mailbox.received[-1])["To"] == "ana@xn--bcher-kva.example"


def test_e_mail_me_my_reminders_with_no_reminder_set_says_so_and_asks_nothing(mailbox):
    events, said = start_form("email")
    assert {(e["name"], e["value"]) for e in events if e["event"] == "slot"} == {
        ("contact_address", "gave_up"),
        ("contact_code", "gave_up"),
    }
    assert "no refill reminder set yet" in said[0] and mailbox.received == []
    # With a reminder, the form goes on to ask the address.
    set_reminder()
    events, said = start_form("email")
    assert said == [] and not any(e.get("value") == "gave_up" for e in events)


def test_a_new_address_typed_while_a_code_is_awaited_gets_the_code_instead(mailbox):
    set_reminder()
    give_address("email", "jane.doe@exmaple.org")
    first = the_code(parsed(mailbox.received[-1]).get_body(("plain",)).get_content())
    result, said = give_code("jane.doe@example.org", kind="email")
    assert result == {"contact_address": "given", "contact_code": None}
    assert "j•••@example.org" in said[0]
    message = parsed(mailbox.received[-1])
    assert message["To"] == "jane.doe@example.org"
    second = the_code(message.get_body(("plain",)).get_content())
    if first != second:
        # The code to the mistyped address no longer counts.
        assert give_code(first, kind="email")[0] == {"contact_code": None}
    assert give_code(second, kind="email")[0] == {"contact_code": "ok"}
    [active] = contacts.active(store(), "patient-7")
    assert active.address == "jane.doe@example.org"


@pytest.mark.parametrize("typed", ["wrong address", "I need to change the number", "me equivoqué"])
def test_saying_the_address_is_wrong_asks_for_it_again_without_using_a_try(phone, typed):
    give_address("sms", NUMBER_TYPED)
    result, said = give_code(typed, kind="sms")
    assert result == {"contact_address": None, "contact_code": None} and said == []
    [waiting] = contacts.waiting_for(store(), "patient-7")
    assert waiting.code_tries == 0


def test_words_while_a_code_is_awaited_say_how_and_use_no_try(phone):
    give_address("sms", NUMBER_TYPED)
    right = the_code(phone.messages[-1]["Body"])
    for typed in ["where is it?", "hmm", "I did not get it yet", "🙂"] * 2:
        result, said = give_code(typed, kind="sms")
        assert result == {"contact_code": None}
        assert "6-digit code I sent to" in said[0] and '"cancel"' in said[0]
    [waiting] = contacts.waiting_for(store(), "patient-7")
    assert waiting.code_tries == 0
    assert give_code(right, kind="sms")[0] == {"contact_code": "ok"}


@pytest.mark.parametrize("typed", ["cancel", "Stop.", "no thanks", "cancelar"])
def test_cancel_while_a_code_is_awaited_ends_the_form(phone, typed):
    give_address("sms", NUMBER_TYPED)
    result, said = give_code(typed, kind="sms")
    assert result == {"contact_address": "gave_up", "contact_code": "gave_up"}
    assert "only while this page is open" in said[0]
    assert contacts.active(store(), "patient-7") == []


def test_after_too_many_wrong_codes_only_the_clinic_s_channels_are_offered(phone):
    give_address("sms", NUMBER_TYPED)
    right = the_code(phone.messages[-1]["Body"])
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(contacts.MAX_TRIES):
        result, said = give_code(wrong, kind="sms")
    assert result == {"contact_code": "gave_up"}
    assert '"text me my reminders"' in said[0] and "e-mail" not in said[0]
