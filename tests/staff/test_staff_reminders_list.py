"""The reminders list: upcoming, failed and missed refill reminders, read-only
from a real reminder store, with pseudonyms and links into the inbox, and each
reminder's e-mail and text channels masked; the full contact of a failed
reminder for a nurse to call, audited."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from bot.reminders import contacts, outbox
from bot.reminders.store import CONTACTS, SENDS, ReminderStore
from staff.accounts import accounts, roles
from staff.audit.models import Entry
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


# -- e-mail and text channels ----------------------------------------------------

JANE, JANE_MASKED = "jane.roe@example.org", "j•••@example.org"
PHONE, PHONE_MASKED = "+12025550143", "+1 ••• ••• 0143"
OTHER_PHONE, OTHER_MASKED = "+12025550188", "+1 ••• ••• 0188"
SAM, SAM_MASKED = "sam.poe@example.net", "s•••@example.net"


def confirmed(store, sender: str, kind: str, address: str, now: dt.datetime) -> None:
    """A contact as the chat makes it: offered with a code, the code typed back."""
    contacts.offer(store, sender, None, kind, address, "123456", now)
    assert contacts.confirm(store, sender, "123456", now) is contacts.ConfirmResult.CONFIRMED


def fail_send(store, send_id: int, error: str, now: dt.datetime) -> None:
    assert outbox.claim(store, send_id, now) is not None
    outbox.attempt_failed(store, send_id, error, None, now)


@pytest.fixture
def with_channels(reminders_db):
    """Reminders with e-mail and text contacts, in each state a send can be in."""
    store = ReminderStore(reminders_db)
    today = timezone.localdate()
    ahead = today + dt.timedelta(days=5)
    now = dt.datetime.now(UTC)
    future = dt.datetime.combine(today + dt.timedelta(days=3), dt.time(9), tzinfo=UTC)

    # Not yet due: the patient's active contacts wait with it.
    confirmed(store, "sender-waiting", contacts.EMAIL, JANE, now)
    confirmed(store, "sender-waiting", contacts.SMS, PHONE, now)
    store.set("sender-waiting", ahead, future)

    # Failed in the chat; the e-mail went, the text message failed for good.
    confirmed(store, "sender-failed", contacts.EMAIL, SAM, now)
    confirmed(store, "sender-failed", contacts.SMS, OTHER_PHONE, now)
    failing = store.set("sender-failed", ahead, now)
    outbox.queue(store, failing, now)
    store.attempt_failed(failing, store.claim(failing.id), "NotDelivered: no", None, None)
    email, sms = outbox.for_reminder(store, failing.id)
    assert (email["kind"], sms["kind"]) == (contacts.EMAIL, contacts.SMS)
    assert outbox.claim(store, email["id"], now)
    outbox.sent(store, email["id"], "provider-1", now)
    fail_send(store, sms["id"], "PermanentFailure: the carrier refused it", now)

    # Due and retrying in the chat; the text waits for quiet hours, the e-mail
    # contact was stopped by the patient before it went.
    confirmed(store, "sender-quiet", contacts.SMS, "+12025550177", now)
    confirmed(store, "sender-quiet", contacts.EMAIL, "quiet@example.com", now)
    retrying = store.set("sender-quiet", ahead, now)
    outbox.queue(store, retrying, now)
    store.attempt_failed(
        retrying, store.claim(retrying.id), "Timeout: x", now + dt.timedelta(hours=1), None
    )
    sms, email = sorted(outbox.for_reminder(store, retrying.id), key=lambda s: s["kind"] != "sms")
    quiet_end = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(13, 5), tzinfo=UTC)
    assert outbox.hold(store, sms["id"], quiet_end, now)
    contacts.stop(store, sender_id="sender-quiet", kind=contacts.EMAIL, now=now)

    # Sent in the chat, the text message failed: listed with the failed ones.
    confirmed(store, "sender-sent", contacts.SMS, PHONE, now)
    delivered = store.set("sender-sent", ahead, now)
    outbox.queue(store, delivered, now)
    store.delivered(delivered, store.claim(delivered.id), None)
    (sms,) = outbox.for_reminder(store, delivered.id)
    fail_send(store, sms["id"], "SendFailed: retries ran out", now)

    # Failed in the chat, but the visit is over: nothing to call about now.
    confirmed(store, "sender-past", contacts.EMAIL, "past@example.com", now)
    past = store.set("sender-past", today - dt.timedelta(days=1), now - dt.timedelta(days=3))
    store.attempt_failed(past, store.claim(past.id), "NotDelivered: no", None, None)

    # Failed, visit ahead, but the patient gave no address.
    lonely = store.set("sender-lonely", ahead, now)
    store.attempt_failed(lonely, store.claim(lonely.id), "NotDelivered: no", None, None)
    store.db.conn.close()
    return {
        "failed": failing.id,
        "quiet": retrying.id,
        "sent": delivered.id,
        "past": past.id,
        "lonely": lonely.id,
        "quiet_end": quiet_end,
    }


def row_of(page: str, sender: str) -> str:
    found = re.search(rf"<tr[^>]*>((?:(?!</tr>).)*{pseudonyms.of(sender)}.*?)</tr>", page, re.S)
    assert found, sender
    return found.group(1)


def test_each_reminder_shows_its_channels_masked_with_their_state(client, with_channels):
    page = login(client, "nina", roles.NURSE).get("/reminders/").content.decode()

    waiting = row_of(section(page, "upcoming"), "sender-waiting")
    assert "Chat: waiting" in waiting
    assert f"E-mail {JANE_MASKED}: waiting" in waiting
    assert f"Text message {PHONE_MASKED}: waiting" in waiting

    quiet = row_of(section(page, "upcoming"), "sender-quiet")
    assert "Chat: waiting to retry" in quiet
    assert "Text message +1 ••• ••• 0177: waiting for quiet hours until" in quiet
    # On the clinic's clock, as the patient was told it.
    quiet_end = timezone.localtime(with_channels["quiet_end"])
    assert f'<time datetime="{quiet_end.isoformat()}">{quiet_end:%H:%M}</time>' in quiet
    assert "E-mail q•••@example.com: stopped (the patient unsubscribed)" in quiet
    assert "Show contact" not in quiet  # nothing failed yet

    failed = row_of(section(page, "failed"), "sender-failed")
    assert "Chat: failed" in failed
    assert f"E-mail {SAM_MASKED}: sent at" in failed
    assert f"Text message {OTHER_MASKED}: failed (PermanentFailure)" in failed
    assert "the carrier refused" not in page
    assert "Show contact to call or write" in failed and 'name="csrfmiddlewaretoken"' in failed

    # Sent in the chat, failed by text: with the failed ones, visit ahead.
    sent = row_of(section(page, "failed"), "sender-sent")
    assert "Chat: sent" in sent and f"Text message {PHONE_MASKED}: failed (SendFailed)" in sent
    assert "visit still ahead" in sent and "Show contact to call or write" in sent

    # Visit passed, or no address: nothing to reveal.
    assert "Show contact" not in row_of(section(page, "failed"), "sender-past")
    assert "Show contact" not in row_of(section(page, "failed"), "sender-lonely")

    # The list never holds an address in full.
    for address in (JANE, PHONE, OTHER_PHONE, SAM, "2025550143", "jane.roe", "quiet@"):
        assert address not in page, address


def test_a_store_from_before_the_channels_still_renders(client, reminders_db):
    store = ReminderStore(reminders_db)
    now = dt.datetime.now(UTC)
    ahead = timezone.localdate() + dt.timedelta(days=5)
    store.set("sender-old-upcoming", ahead, now + dt.timedelta(days=1))
    failing = store.set("sender-old-failed", ahead, now)
    store.attempt_failed(failing, store.claim(failing.id), "NotDelivered: no", None, None)
    store.db.execute(f"DROP TABLE {SENDS}")
    store.db.execute(f"DROP TABLE {CONTACTS}")
    store.db.conn.commit()
    store.db.conn.close()

    nurse = login(client, "nina", roles.NURSE)
    page = nurse.get("/reminders/")
    assert page.status_code == 200
    page = page.content.decode()
    assert "Chat: waiting" in row_of(section(page, "upcoming"), "sender-old-upcoming")
    failed = row_of(section(page, "failed"), "sender-old-failed")
    assert "Chat: failed" in failed and "Show contact" not in failed
    assert nurse.post(f"/reminders/{failing.id}/contact/").status_code == 404
    assert not Entry.objects.filter(action="viewed reminder contact").exists()


def test_a_nurse_can_open_the_contact_of_a_failed_reminder_audited(client, with_channels):
    nurse = login(client, "nina", roles.NURSE)
    url = f"/reminders/{with_channels['failed']}/contact/"
    assert nurse.get(url).status_code == 405  # a deliberate POST, never a link
    assert not Entry.objects.filter(action="viewed reminder contact").exists()

    response = nurse.post(url)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    page = response.content.decode()
    assert f'<a href="mailto:{SAM}">{SAM}</a>' in page
    assert f'<a href="tel:{OTHER_PHONE}">{OTHER_PHONE}</a>' in page
    assert JANE not in page and PHONE not in page  # another patient's
    assert "sender-" not in page

    entry = Entry.objects.get(action="viewed reminder contact")
    assert entry.username == "nina"
    assert entry.target == pseudonyms.of("sender-failed")
    assert entry.detail == f"reminder {with_channels['failed']}"

    # A failed text after a chat delivery is reason enough too.
    assert nurse.post(f"/reminders/{with_channels['sent']}/contact/").status_code == 200
    assert PHONE in nurse.post(f"/reminders/{with_channels['sent']}/contact/").content.decode()


def test_the_contact_is_refused_unless_a_reminder_failed_with_the_visit_ahead(
    client, with_channels
):
    nurse = login(client, "nina", roles.NURSE)
    # Nothing failed yet (waiting, retrying, quiet hours).
    assert nurse.post(f"/reminders/{with_channels['quiet']}/contact/").status_code == 403
    # The visit passed.
    assert nurse.post(f"/reminders/{with_channels['past']}/contact/").status_code == 403
    # No address given; no such reminder.
    assert nurse.post(f"/reminders/{with_channels['lonely']}/contact/").status_code == 404
    assert nurse.post("/reminders/9999/contact/").status_code == 404
    assert not Entry.objects.filter(action="viewed reminder contact").exists()
    client.logout()
    # An editor has no business with patients' addresses.
    editor = login(client, "ed", roles.EDITOR)
    assert editor.post(f"/reminders/{with_channels['failed']}/contact/").status_code == 403
    assert not Entry.objects.filter(action="viewed reminder contact").exists()


def test_an_admin_can_open_the_contact_too_and_nothing_reaches_the_logs(
    client, with_channels, caplog
):
    admin = login(client, "ada", roles.ADMIN)
    with caplog.at_level("DEBUG"):
        assert admin.get("/reminders/").status_code == 200
        assert admin.post(f"/reminders/{with_channels['failed']}/contact/").status_code == 200
    for address in (SAM, OTHER_PHONE, "2025550188"):
        assert address not in caplog.text
        assert not Entry.objects.filter(detail__contains=address).exists()


def test_a_nurse_cancels_a_reminder_the_patient_called_about_audited(client, filled, reminders_db):
    store = ReminderStore(reminders_db)
    waiting = store.current("sender-upcoming-soon")
    sent = next(r for r in store.all() if r.sender_id == "sender-sent")
    nurse = login(client, "nina", roles.NURSE)
    page = nurse.get("/reminders/").content.decode()
    assert page.count("Cancel this reminder") == 2  # the two still waiting
    # Not confirmed: nothing changes.
    nurse.post(f"/reminders/{waiting.id}/cancel/")
    assert store.get(waiting.id).status == "pending"
    nurse.post(f"/reminders/{waiting.id}/cancel/", {"confirm": "yes"})
    assert store.get(waiting.id).status == "cancelled"
    assert store.current("sender-upcoming-soon") is None  # the patient's chat says so too
    entry = Entry.objects.get(action="cancelled reminder")
    assert entry.username == "nina" and entry.target == pseudonyms.of("sender-upcoming-soon")
    # One that went out, or was cancelled already, stays as it is.
    for done in (sent.id, waiting.id):
        nurse.post(f"/reminders/{done}/cancel/", {"confirm": "yes"})
    assert store.get(sent.id).status == "sent"
    assert Entry.objects.filter(action="cancelled reminder").count() == 1
    # Only nurses and admins.
    editor = login(Client(), "eddie", roles.EDITOR)
    assert editor.post(f"/reminders/{waiting.id}/cancel/", {"confirm": "yes"}).status_code == 403


def test_a_nurse_moves_a_reminder_to_the_date_the_patient_called_about_audited(
    client, filled, reminders_db
):
    store = ReminderStore(reminders_db)
    waiting = store.current("sender-upcoming-soon")
    sent = next(r for r in store.all() if r.sender_id == "sender-sent")
    nurse = login(client, "nina", roles.NURSE)
    assert nurse.get("/reminders/").content.decode().count("Move this reminder") == 2
    today = timezone.localdate()
    # Dates the reminder rules refuse, on the clinic's today: nothing changes.
    for refused, why in [
        (today - dt.timedelta(days=1), "has passed"),
        (today, "today"),
        (today + dt.timedelta(days=400), "more than a year"),
        ("31/02/2027", "as a date"),
        ("", "required"),
    ]:
        page = nurse.post(
            f"/reminders/{waiting.id}/move/", {"refill_date": str(refused)}, follow=True
        )
        assert why in page.content.decode() and store.get(waiting.id).status == "pending", why
    new_date = today + dt.timedelta(days=12)
    page = nurse.post(
        f"/reminders/{waiting.id}/move/", {"refill_date": new_date.isoformat()}, follow=True
    )
    assert f"to {new_date:%Y-%m-%d}" in page.content.decode()
    moved = store.current("sender-upcoming-soon")
    assert moved.id != waiting.id and moved.refill_date == new_date
    assert moved.remind_at.date() < new_date  # reminded before the visit, by the clinic's rule
    assert store.get(waiting.id).status == "cancelled"
    entry = Entry.objects.get(action="moved reminder")
    assert entry.username == "nina" and entry.target == pseudonyms.of("sender-upcoming-soon")
    assert new_date.isoformat() in entry.detail
    # One that went out, or was moved already, stays as it is.
    for done in (sent.id, waiting.id):
        nurse.post(f"/reminders/{done}/move/", {"refill_date": new_date.isoformat()})
    assert store.get(sent.id).status == "sent"
    assert Entry.objects.filter(action="moved reminder").count() == 1
    editor = login(Client(), "eddie", roles.EDITOR)
    answer = editor.post(f"/reminders/{moved.id}/move/", {"refill_date": new_date.isoformat()})
    assert answer.status_code == 403
