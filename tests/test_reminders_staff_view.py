"""The reminder store's read API for the staff pages (bot/reminders/staff_view.py):
read-only, never creating a store, addresses masked except on the contact sheet."""

import dataclasses
import datetime as dt

import pytest

from bot.reminders import contacts, staff_view
from bot.reminders.store import Reminder, ReminderStore

UTC = dt.timezone.utc
NOW = dt.datetime(2030, 5, 6, 9, 0, tzinfo=UTC)
AHEAD = dt.date(2030, 5, 20)


def confirmed(store, sender: str, kind: str, address: str) -> None:
    contacts.offer(store, sender, None, kind, address, "123456", NOW)
    assert contacts.confirm(store, sender, "123456", NOW) is contacts.ConfirmResult.CONFIRMED


def test_no_store_reads_as_none_and_creates_nothing(tmp_path):
    path = tmp_path / "absent" / "reminders.db"
    assert staff_view.sections(path) is None
    assert staff_view.contact_sheet(path, 1) is None
    assert staff_view.counts(path, AHEAD, AHEAD) is None
    assert not path.parent.exists()


def test_a_file_that_is_no_store_is_unreadable(tmp_path):
    path = tmp_path / "reminders.db"
    path.write_bytes(b"not a database at all " * 100)
    with pytest.raises(staff_view.Unreadable):
        staff_view.sections(path)


def test_every_listed_reminder_has_its_channels_masked_or_none(tmp_path):
    path = tmp_path / "reminders.db"
    store = ReminderStore(path)
    confirmed(store, "p", contacts.EMAIL, "jane@example.org")
    with_contact = store.set("p", AHEAD, NOW)
    alone = store.set("q", AHEAD, NOW)
    store.db.conn.close()
    path.chmod(0o400)  # read-only is enough

    upcoming = {r.id: r for r in staff_view.sections(path)["upcoming"]}
    assert upcoming[with_contact.id].channels == (
        staff_view.Channel(contacts.EMAIL, "j•••@example.org"),
    )
    assert upcoming[with_contact.id].reachable
    assert upcoming[alone.id].channels == () and not upcoming[alone.id].reachable
    assert upcoming[alone.id].remind_at == NOW and upcoming[alone.id].refill_date == AHEAD
    # The store's reminder, field for field, with the staff pages' facts beside it.
    shown = upcoming[alone.id]
    assert isinstance(shown, Reminder)
    assert {f.name: getattr(shown, f.name) for f in dataclasses.fields(Reminder)} == (
        dataclasses.asdict(alone)
    )
    assert "jane@" not in repr(upcoming)

    sheet = staff_view.contact_sheet(path, with_contact.id)
    assert sheet.addresses == (staff_view.Address(contacts.EMAIL, "jane@example.org", False),)
    assert not sheet.send_failed and sheet.reminder.sender_id == "p"
    assert staff_view.contact_sheet(path, 9999) is None
