"""The reminders list: upcoming, failed and missed refill reminders, read-only
from a real reminder store, with pseudonyms and links into the inbox."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from bot.reminders.store import ReminderStore
from staff.accounts import accounts, roles
from staff.review import pseudonyms
from staff.review.models import Message, Outcome

pytestmark = pytest.mark.django_db
GOOD = "a-long-passphrase-9"
UTC = dt.timezone.utc


def login(client, name: str, role: str):
    accounts.add(name, role, GOOD)
    client.force_login(User.objects.get(username=name))
    return client


def section(page: str, name: str) -> str:
    found = re.search(rf'<section aria-labelledby="{name}-h">(.*?)</section>', page, re.S)
    assert found, name
    return found.group(1)


@pytest.fixture
def reminders_db(tmp_path, monkeypatch):
    path = tmp_path / "var" / "reminders.db"
    monkeypatch.setenv("HAIP_REMINDERS_DB", str(path))
    return path


@pytest.fixture
def filled(reminders_db):
    """One reminder of each kind, made as the assistant and scheduler make them."""
    store = ReminderStore(reminders_db)
    today = timezone.localdate()
    ahead = today + dt.timedelta(days=5)
    now = dt.datetime.now(UTC)
    later = dt.datetime.combine(today + dt.timedelta(days=4), dt.time(9), tzinfo=UTC)
    soonest = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(8, 30), tzinfo=UTC)

    store.set("sender-upcoming-later", ahead, later)
    store.set("sender-upcoming-soon", ahead, soonest)
    failing = store.set("sender-failed", ahead, now)
    attempt = store.claim(failing.id)
    store.attempt_failed(failing, attempt, "NotDelivered: patient said my pump hurts", None, None)
    missed = store.set("sender-missed", today - dt.timedelta(days=2), now - dt.timedelta(days=3))
    store.missed(missed, None)
    delivered = store.set("sender-sent", ahead, now)
    store.delivered(delivered, store.claim(delivered.id), None)
    store.db.conn.close()

    # The review log knows the failed reminder's conversation: two patient
    # messages and a reply; the link goes to the newest patient message.
    conversation = pseudonyms.of("sender-failed")
    made = []
    for event_id, sender in ((101, Message.PATIENT), (102, Message.PATIENT), (103, "assistant")):
        made.append(
            Message.objects.create(
                event_id=event_id,
                time=now,
                conversation=conversation,
                sender=sender,
                text="(masked)",
                outcome=Outcome.ANSWERED,
            )
        )
    return {"latest": made[1].pk}


def test_upcoming_failed_and_missed_reminders_are_listed(client, filled):
    page = login(client, "nina", roles.NURSE).get("/reminders/")
    assert page.status_code == 200
    page = page.content.decode()

    upcoming = section(page, "upcoming")
    assert "<caption>" in upcoming and 'scope="col"' in upcoming
    soon, later = pseudonyms.of("sender-upcoming-soon"), pseudonyms.of("sender-upcoming-later")
    assert soon in upcoming and later in upcoming
    assert upcoming.index(soon) < upcoming.index(later)  # by due time
    assert upcoming.count("<tr>") == 3  # the head and two rows
    assert "(not in the review log)" in upcoming

    failed = section(page, "failed")
    assert pseudonyms.of("sender-failed") in failed
    assert f'<a href="/messages/{filled["latest"]}/">{pseudonyms.of("sender-failed")}</a>' in failed
    assert "<td>NotDelivered</td>" in failed and "<td>1</td>" in failed
    assert "visit still ahead" in failed

    missed = section(page, "missed")
    assert pseudonyms.of("sender-missed") in missed and "<td>missed</td>" in missed

    # Sent reminders are in none of the lists; no sender id and no error text shows.
    assert pseudonyms.of("sender-sent") not in page
    assert "sender-" not in page
    assert "pump hurts" not in page


def test_the_store_is_opened_read_only(client, filled, reminders_db):
    before = reminders_db.read_bytes()
    reminders_db.chmod(0o444)
    try:
        assert login(client, "nina", roles.NURSE).get("/reminders/").status_code == 200
    finally:
        reminders_db.chmod(0o644)
    assert reminders_db.read_bytes() == before


def test_no_store_gives_the_empty_state_and_creates_nothing(client, reminders_db):
    response = login(client, "nina", roles.NURSE).get("/reminders/")
    assert response.status_code == 200
    assert "There are no refill reminders yet" in response.content.decode()
    assert not reminders_db.exists() and not reminders_db.parent.exists()


def test_an_empty_store_lists_nothing(client, reminders_db):
    ReminderStore(reminders_db).db.conn.close()
    page = login(client, "nina", roles.NURSE).get("/reminders/").content.decode()
    assert "No reminder is waiting to go out." in page
    assert "No reminder has failed." in page and "No reminder was missed." in page


def test_a_file_that_is_no_store_does_not_break_the_page(client, reminders_db):
    reminders_db.parent.mkdir(parents=True)
    reminders_db.write_bytes(b"not a database at all " * 100)
    response = login(client, "nina", roles.NURSE).get("/reminders/")
    assert response.status_code == 200
    assert "could not be read" in response.content.decode()


def test_nurses_and_admins_may_see_the_reminders_editors_may_not(client, reminders_db):
    assert login(client, "nina", roles.NURSE).get("/reminders/").status_code == 200
    client.logout()
    assert login(client, "ada", roles.ADMIN).get("/reminders/").status_code == 200
    client.logout()
    assert login(client, "ed", roles.EDITOR).get("/reminders/").status_code == 403


def test_anonymous_is_sent_to_log_in(client, reminders_db):
    response = client.get("/reminders/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
