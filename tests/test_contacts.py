"""Contacts for reminders by e-mail and text message: double opt-in, stop by
each route, what is kept. Real SQLite files."""

import datetime as dt

import pytest

from bot.reminders import contacts
from bot.reminders.contacts import ConfirmResult
from bot.reminders.store import ReminderStore

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 12, 1, 15, tzinfo=UTC)


def minutes(n):
    return NOW + dt.timedelta(minutes=n)


@pytest.fixture
def store(tmp_path):
    return ReminderStore(tmp_path / "r.db")


def test_only_what_is_needed_is_stored(store):
    assert set(store.db["contacts"].columns_dict) == {
        "id",
        "sender_id",
        "reminder_id",
        "kind",
        "address",
        "consented_at",
        "code_hash",
        "code_sent_at",
        "code_tries",
        "confirmed_at",
        "stopped_at",
        "unsubscribe_token",
        "created_at",
    }


def test_an_offered_contact_is_used_only_once_confirmed(store):
    contact = contacts.offer(store, "p", 7, "email", " Jane.Doe@Example.ORG ", "123456", NOW)
    assert contact.address == "jane.doe@example.org" and contact.reminder_id == 7
    assert contacts.active(store, "p") == []
    row = store.db["contacts"].get(contact.id)
    # Neither the code nor an unsalted hash of it is kept.
    assert "123456" not in row["code_hash"]
    assert len(row["unsubscribe_token"]) >= 32
    assert contacts.confirm(store, "p", "123456", minutes(3)) is ConfirmResult.CONFIRMED
    [confirmed] = contacts.active(store, "p")
    assert confirmed.id == contact.id and confirmed.confirmed_at == minutes(3)
    # The hash is no longer needed once confirmed.
    assert store.db["contacts"].get(contact.id)["code_hash"] is None
    assert contacts.confirm(store, "p", "123456", minutes(4)) is ConfirmResult.NONE


def test_a_wrong_code_then_the_right_one(store):
    contacts.offer(store, "p", 1, "sms", "+1 (202) 555-0143", "111111", NOW)
    assert contacts.confirm(store, "p", "222222", minutes(1)) is ConfirmResult.WRONG
    assert contacts.confirm(store, "p", "111111", minutes(2)) is ConfirmResult.CONFIRMED
    assert [c.address for c in contacts.active(store, "p")] == ["+12025550143"]


def test_a_code_expires_after_15_minutes(store):
    contacts.offer(store, "p", 1, "sms", "+12025550143", "111111", NOW)
    assert contacts.confirm(store, "p", "111111", minutes(16)) is ConfirmResult.EXPIRED
    assert contacts.active(store, "p") == []


def test_five_wrong_tries_use_up_the_code(store):
    contacts.offer(store, "p", 1, "email", "j@example.org", "111111", NOW)
    results = [contacts.confirm(store, "p", "000000", minutes(1)) for _ in range(5)]
    assert results == [ConfirmResult.WRONG] * 4 + [ConfirmResult.TOO_MANY]
    # Even the right code is refused now: a new one must be sent.
    assert contacts.confirm(store, "p", "111111", minutes(2)) is ConfirmResult.TOO_MANY
    contacts.offer(store, "p", 1, "email", "j@example.org", "333333", minutes(3))
    assert contacts.confirm(store, "p", "333333", minutes(4)) is ConfirmResult.CONFIRMED


def test_a_new_offer_replaces_the_unconfirmed_one(store):
    contacts.offer(store, "p", 1, "email", "typo@exmaple.org", "111111", NOW)
    second = contacts.offer(store, "p", 1, "email", "j@example.org", "222222", minutes(1))
    assert [r["address"] for r in store.db["contacts"].rows] == ["j@example.org"]
    assert contacts.confirm(store, "p", "111111", minutes(2)) is ConfirmResult.WRONG
    assert contacts.confirm(store, "p", "222222", minutes(2)) is ConfirmResult.CONFIRMED
    assert [c.id for c in contacts.active(store, "p")] == [second.id]


def test_a_code_may_answer_either_of_two_waiting_contacts(store):
    contacts.offer(store, "p", 1, "email", "j@example.org", "111111", NOW)
    contacts.offer(store, "p", 1, "sms", "+12025550143", "222222", NOW)
    assert contacts.confirm(store, "p", "111111", minutes(1)) is ConfirmResult.CONFIRMED
    assert contacts.confirm(store, "p", "222222", minutes(1)) is ConfirmResult.CONFIRMED
    assert {c.kind for c in contacts.active(store, "p")} == {"email", "sms"}


def test_a_newly_confirmed_number_replaces_the_old_one(store):
    contacts.offer(store, "p", 1, "sms", "+12025550143", "111111", NOW)
    contacts.confirm(store, "p", "111111", minutes(1))
    new = contacts.offer(store, "p", 2, "sms", "+12025550199", "222222", minutes(2))
    # The old number serves until the new one is confirmed.
    assert [c.address for c in contacts.active(store, "p")] == ["+12025550143"]
    contacts.confirm(store, "p", "222222", minutes(3))
    assert [c.id for c in contacts.active(store, "p")] == [new.id]


def test_codes_of_other_patients_do_not_count(store):
    contacts.offer(store, "p", 1, "sms", "+12025550143", "111111", NOW)
    assert contacts.confirm(store, "q", "111111", minutes(1)) is ConfirmResult.NONE


def confirmed(store, sender_id, kind, address, code="111111"):
    contact = contacts.offer(store, sender_id, 1, kind, address, code, NOW)
    assert contacts.confirm(store, sender_id, code, minutes(1)) is ConfirmResult.CONFIRMED
    return contact


def test_stop_from_the_chat_stops_one_kind(store):
    confirmed(store, "p", "email", "j@example.org")
    confirmed(store, "p", "sms", "+12025550143")
    assert contacts.stop(store, sender_id="p", kind="sms", now=minutes(5)) == 1
    assert [c.kind for c in contacts.active(store, "p")] == ["email"]
    assert contacts.stop(store, sender_id="p", now=minutes(6)) == 1
    assert contacts.active(store, "p") == []
    assert contacts.stop(store, sender_id="p", now=minutes(7)) == 0


def test_sms_stop_stops_the_number_for_every_patient(store):
    confirmed(store, "p", "sms", "+12025550143")
    confirmed(store, "q", "sms", "+12025550143")
    confirmed(store, "r", "sms", "+12025550100")
    assert contacts.stop(store, kind="sms", address="+1 202 555 0143", now=minutes(5)) == 2
    assert contacts.active(store, "p") == contacts.active(store, "q") == []
    assert len(contacts.active(store, "r")) == 1


def test_the_unsubscribe_link_stops_its_contact(store):
    contact = confirmed(store, "p", "email", "j@example.org")
    assert contacts.by_token(store, contact.unsubscribe_token).id == contact.id
    assert contacts.by_token(store, "nonsense") is None
    assert contacts.stop(store, token=contact.unsubscribe_token, now=minutes(5)) == 1
    assert contacts.by_token(store, contact.unsubscribe_token).stopped_at == minutes(5)
    assert contacts.active(store, "p") == []
    assert contacts.stop(store, token="nonsense", now=minutes(5)) == 0


def test_stop_needs_something_to_match(store):
    with pytest.raises(ValueError):
        contacts.stop(store, now=NOW)


def test_stopping_an_unconfirmed_contact_withdraws_its_code(store):
    contacts.offer(store, "p", 1, "sms", "+12025550143", "111111", NOW)
    assert contacts.stop(store, sender_id="p", now=minutes(1)) == 1
    assert contacts.confirm(store, "p", "111111", minutes(2)) is ConfirmResult.NONE


@pytest.mark.parametrize(
    ("kind", "address"),
    [
        ("email", "not an address"),
        ("email", "a@b"),
        ("sms", "555 0143"),  # no area code
        ("sms", "(555) 555-0100"),  # fictional: no real area code
        ("sms", "+1 555"),
        ("fax", "+12025550143"),
    ],
)
def test_what_is_not_an_address_is_refused(store, kind, address):
    with pytest.raises(ValueError):
        contacts.offer(store, "p", 1, kind, address, "111111", NOW)


def test_numbers_are_normalised_to_e164():
    assert contacts.normalise("sms", "0044 20 7946 0958") == "+442079460958"
    assert contacts.normalise("sms", "+1 (202) 555-0143") == "+12025550143"
    # Without a country code: the clinic's country (US).
    assert contacts.normalise("sms", "202.555.0143") == "+12025550143"


def test_masked_for_staff_and_logs(store):
    email = confirmed(store, "p", "email", "jane@example.org")
    number = confirmed(store, "q", "sms", "+12025550143")
    uk = confirmed(store, "r", "sms", "+442079460958")
    assert contacts.mask(email.kind, email.address) == email.masked == "j•••@example.org"
    assert contacts.mask(number.kind, number.address) == number.masked == "+1 ••• ••• 0143"
    assert contacts.mask(uk.kind, uk.address) == uk.masked == "+44 ••• ••• 0958"
    assert "2025550143" not in repr(number) and "jane" not in repr(email)


def test_codes_are_six_random_digits():
    codes = {contacts.new_code() for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 40
