from bot.servers.chat_ids import is_ours
from bot.servers.history import chat_history, custom_payload

BUTTON = {"title": "How long you stay in the hospital", "payload": '/faq{"topic": "hospital_stay"}'}


def bot(text, **data):
    return {"event": "bot", "text": text, "data": data}


def user(text):
    return {"event": "user", "text": text, "parse_data": {"intent": {"name": "x"}}}


def test_only_what_was_said_in_the_current_session():
    tracker = {
        "events": [
            user("an old question"),
            bot("an old answer"),
            {"event": "session_started"},
            {"event": "action", "name": "action_listen"},
            user("/greet"),
            bot("Hello!", buttons=[BUTTON]),
            {"event": "slot", "name": "requested_slot", "value": None},
            user(BUTTON["payload"]),
            bot("About 3 days.\n\nSource: a book", buttons=[BUTTON]),
            user("thanks <b>a lot</b>"),
        ]
    }
    assert chat_history(tracker) == [
        {"from": "assistant", "text": "Hello!", "buttons": [BUTTON]},
        # A click is shown as the button's title; the widget's /greet not at all.
        {"from": "patient", "text": BUTTON["title"]},
        # Split at blank lines, buttons last: as the socket.io channel sent it.
        {"from": "assistant", "text": "About 3 days."},
        {"from": "assistant", "text": "Source: a book", "buttons": [BUTTON]},
        {"from": "patient", "text": "thanks <b>a lot</b>"},
    ]


def test_no_intents_slots_or_scores_leave_the_server():
    tracker = {"events": [user("hi"), bot("Hello!")], "slots": {"x": 1}, "latest_message": {}}
    for message in chat_history(tracker):
        assert set(message) <= {"from", "text", "buttons", "custom"}


def test_a_calendar_comes_back_as_the_browser_got_it():
    calendar = {"type": "calendar", "content": "BEGIN:VCALENDAR"}
    socketio = bot(None, custom={"data": {"custom": calendar}})
    rest = bot(None, custom=calendar)
    assert custom_payload(socketio["data"]) == custom_payload(rest["data"]) == calendar
    assert chat_history({"events": [socketio]}) == [
        {"from": "assistant", "text": "", "custom": calendar}
    ]


def test_an_empty_or_unknown_conversation_has_no_history():
    assert chat_history({}) == []
    assert chat_history({"events": [{"event": "session_started"}]}) == []


def test_history_is_capped():
    events = [bot(f"message {i}") for i in range(500)]
    history = chat_history({"events": events})
    assert len(history) == 200 and history[-1]["text"] == "message 499"


def test_only_ids_the_socket_channel_makes_are_accepted():
    assert is_ours("0f8e2b6c9d1a4e7f8a3b5c6d7e8f9a0b")
    for bad in ["", "patient-a", "../../etc/passwd", "0F8E2B6C9D1A4E7F8A3B5C6D7E8F9A0B", "a" * 33]:
        assert not is_ours(bad)


def test_the_schedulers_external_event_is_not_shown_as_the_patients_words():
    from rasa.shared.core.constants import EXTERNAL_MESSAGE_PREFIX

    from bot.reminders import external

    assert external.EXTERNAL_PREFIX == EXTERNAL_MESSAGE_PREFIX
    tracker = {
        "events": [
            {"event": "session_started"},
            {"event": "user", "text": EXTERNAL_MESSAGE_PREFIX + external.INTENT},
            {"event": "bot", "text": "Reminder: your pump refill is tomorrow."},
        ]
    }
    assert chat_history(tracker) == [
        {"from": "assistant", "text": "Reminder: your pump refill is tomorrow."}
    ]


def test_a_reply_keeps_its_language_and_urgency_after_a_reload():
    urgent = {"event": "bot", "text": "Call 911 now.\n\nTell them about the pump.", "data": {},
              "metadata": {"language": "es", "urgent": True, "content_version": "x"}}  # fmt: skip
    plain = {"event": "bot", "text": "About 3 days.", "data": {}, "metadata": {"language": "en"}}
    shown = chat_history({"events": [user("dolor de pecho"), urgent, plain]})
    marked = {"language": "es", "urgent": True}
    assert shown[1:] == [
        {"from": "assistant", "text": "Call 911 now.", **marked},
        {"from": "assistant", "text": "Tell them about the pump.", **marked},
        {"from": "assistant", "text": "About 3 days.", "language": "en"},
    ]
