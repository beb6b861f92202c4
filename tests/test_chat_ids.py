from bot.content.loader import ContentError
from bot.servers import chat_ids

DAY = chat_ids.SECONDS_PER_DAY
NOW = 1_800_000_000.0


def test_an_id_expires_the_given_days_after_the_last_message():
    assert not chat_ids.is_expired(NOW - 30 * DAY + 60, 30, now=NOW)
    assert chat_ids.is_expired(NOW - 30 * DAY - 60, 30, now=NOW)


def test_only_the_patients_messages_count():
    events = [
        {"event": "user", "timestamp": NOW - 40 * DAY},
        {"event": "bot", "timestamp": NOW - 40 * DAY},
        # A refill reminder, long after the patient last wrote.
        {"event": "action", "timestamp": NOW - DAY},
        {"event": "bot", "timestamp": NOW - DAY},
    ]
    assert chat_ids.last_activity(events) == NOW - 40 * DAY
    assert chat_ids.last_activity(events[2:]) == NOW - DAY
    assert chat_ids.last_activity([]) is None


def test_a_conversation_with_no_messages_never_expires():
    assert not chat_ids.is_expired(None, 30, now=NOW)


def test_new_ids_are_random_and_look_like_rasas():
    ids = {chat_ids.new_chat_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


def test_days_come_from_the_clinic_or_the_default():
    assert chat_ids.days_allowed(lambda: {"chat_id_days": 7}) == 7
    assert chat_ids.days_allowed(dict) == 30

    def broken() -> dict:
        raise ContentError([])

    assert chat_ids.days_allowed(broken) == 30


def test_only_a_conversation_the_web_chat_alone_wrote_to_opens():
    web = {"event": "user", "timestamp": NOW, "input_channel": "socketio"}
    reminder = {"event": "user", "timestamp": NOW, "input_channel": None}
    reply = {"event": "bot", "timestamp": NOW}
    assert chat_ids.opens([web, reply, reminder], days=30, now=NOW)
    assert chat_ids.opens([], days=30, now=NOW)  # nothing there yet
    for other in ("rest", "twilio", "cmdline"):
        foreign = {"event": "user", "timestamp": NOW, "input_channel": other}
        assert not chat_ids.opens([web, foreign, reply], days=30, now=NOW), other
    old = {**web, "timestamp": NOW - 31 * DAY}
    assert not chat_ids.opens([old, reply], days=30, now=NOW)
