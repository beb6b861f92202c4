""" "End chat and forget this device" with a refill reminder set: the assistant
asks what should happen to it before the widget forgets the chat
(actions/forget.py). rasa-sdk's real Tracker and CollectingDispatcher, a real
SQLite reminder store."""

import datetime as dt

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import forget, replies
from actions.reminder_store import store
from bot.content.store import ContentStore
from bot.reminders import contacts

NOW = dt.datetime.now(dt.timezone.utc)
SENDER = "patient-forget"


@pytest.fixture(autouse=True)
def setup(content_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(replies, "STORE", ContentStore(content_dir))
    monkeypatch.setenv("HAIP_REMINDERS_DB", str(tmp_path / "reminders.db"))


def press(intent: str):
    """The widget's payload (or a button of the question) reaching the action."""
    tracker = Tracker(
        SENDER,
        {},
        {"text": f"/{intent}", "intent": {"name": intent}, "entities": []},
        [{"event": "session_started"}, {"event": "bot", "text": "earlier"}],
        False,
        None,
        {},
        "action_listen",
    )
    dispatcher = CollectingDispatcher()
    forget.ActionForgetDevice().run(dispatcher, tracker, {})
    return dispatcher.messages


def forgets(messages) -> str | None:
    """What the widget shows as it forgets the chat, or None if it is not told to."""
    for message in messages:
        custom = message.get("custom") or {}
        if custom.get("type") == forget.FORGET_NOW:
            return custom["text"]
    return None


def set_reminder(days: int = 20):
    refill = (NOW + dt.timedelta(days=days)).date()
    return store().set(SENDER, refill, NOW + dt.timedelta(days=days - 1))


def test_with_no_reminder_the_device_forgets_at_once():
    messages = press(forget.FORGET)
    assert forgets(messages) == "" and not any(m.get("text") for m in messages)


def test_with_a_chat_reminder_it_asks_first_and_offers_the_calendar_file():
    set_reminder()
    messages = press(forget.FORGET)
    assert forgets(messages) is None
    [question] = [m for m in messages if m.get("text")]
    assert "forgotten chat cannot remind you" in question["text"]
    assert [b["payload"] for b in question["buttons"]] == ["/forget_stop_reminders", "/keep_chat"]
    assert any((m.get("custom") or {}).get("type") == "calendar" for m in messages)
    assert store().current(SENDER) is not None


def test_keep_this_chat_keeps_the_chat_and_the_reminder():
    set_reminder()
    messages = press(forget.BACK)
    assert forgets(messages) is None and "stays on this device" in messages[0]["text"]
    assert store().current(SENDER) is not None


def test_stop_cancels_the_reminder_and_the_e_mails_then_forgets():
    set_reminder()
    contacts.offer(store(), SENDER, None, contacts.EMAIL, "jo@example.org", "123456", NOW)
    contacts.confirm(store(), SENDER, "123456", NOW)
    said = forgets(press(forget.STOP))
    assert said and "reminders are stopped" in said
    assert store().current(SENDER) is None and contacts.active(store(), SENDER) == []


def test_with_e_mail_reminders_it_offers_to_keep_them_and_keeping_forgets():
    set_reminder()
    contacts.offer(store(), SENDER, None, contacts.SMS, "+12025550143", "123456", NOW)
    contacts.confirm(store(), SENDER, "123456", NOW)
    [question] = [m for m in press(forget.FORGET) if m.get("text")]
    assert "also comes by text message" in question["text"]
    assert [b["payload"] for b in question["buttons"]] == [
        "/forget_keep_reminders",
        "/forget_stop_reminders",
        "/keep_chat",
    ]
    said = forgets(press(forget.KEEP))
    assert said and "keep coming by text message" in said
    assert store().current(SENDER) is not None and contacts.active(store(), SENDER) != []
