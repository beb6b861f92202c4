"""What leaves the chat: the reminder e-mail (sent to a real SMTP server on
127.0.0.1) with its calendar file and unsubscribe link, the reminder text (sent
to the SMS stand-in), and the unsubscribe page on the real web server."""

import datetime as dt

import icalendar
import pytest
import requests

from bot.content.store import ContentStore
from bot.outreach import email, senders
from bot.reminders import contacts, dates, outbox
from bot.reminders.store import ReminderStore
from bot.servers.web import WebServer
from bot.settings import Settings
from harness.servers import free_port
from tests.sms_provider import SmsProvider
from tests.smtp_server import Recorder, parsed, smtp_server

# A reminder falls due, then goes out: the provider's clock is the real one.
NOW = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
REFILL = NOW.date() + dt.timedelta(days=2)
VISIT = dates.describe(REFILL)
# Nothing of the patient's treatment may leave the chat.
TREATMENT_WORDS = ("floxuridine", "fudr", "chemo", "cancer", "metasta", "liver", "tumor")


@pytest.fixture
def store(tmp_path):
    return ReminderStore(tmp_path / "reminders.db")


@pytest.fixture
def content(content_dir):
    return ContentStore(content_dir).get


def confirmed(store, kind, address, sender="patient-7", language="en"):
    reminder = store.set(sender, REFILL, NOW, language)
    contacts.offer(store, sender, reminder.id, kind, address, "123456", NOW)
    assert contacts.confirm(store, sender, "123456", NOW) is contacts.ConfirmResult.CONFIRMED
    [contact] = contacts.active(store, sender)
    outbox.queue(store, reminder, NOW)
    [send] = outbox.due(store, NOW + dt.timedelta(seconds=1))
    return contact, reminder, send


def test_the_reminder_e_mail_says_the_visit_and_the_phone_and_carries_the_calendar(
    store, content, monkeypatch
):
    monkeypatch.setenv("HAIP_PUBLIC_URL", "https://chat.clinic.example.org/")
    contact, reminder, send = confirmed(store, "email", "jane@example.org")
    handler = Recorder()
    with smtp_server(handler) as port:
        smtp = email.SmtpSettings(
            "127.0.0.1", port, False, None, None, "refills@clinic.example.org"
        )
        sender = senders.EmailSender(smtp, content)
        provider_id = sender.send(contact, reminder, send)
    message = parsed(handler.received[-1])
    clinic = content().clinic
    assert message["To"] == "jane@example.org"
    # From the clinic, by its name; "refill", as the chat says it.
    assert message["From"].addresses[0].display_name == clinic["clinic_name"]
    assert message["Subject"] == f"Reminder: your pump refill is on {VISIT}"
    assert message["Message-ID"] == provider_id == f"<{send.message_id}@clinic.example.org>"
    body = message.get_body(("plain",)).get_content()
    assert clinic["clinic_name"] in body and clinic["phone_main"] in body
    assert VISIT in body
    # (The clinic's own name may say "Cancer Center", as the example does.)
    rest = body.replace(clinic["clinic_name"], "").lower()
    assert not any(word in rest for word in TREATMENT_WORDS)
    link = f"https://chat.clinic.example.org/unsubscribe?t={contact.unsubscribe_token}"
    assert message["List-Unsubscribe"] == f"<{link}>"
    assert f"Stop these reminder e-mails: {link}" in body
    assert f'<a href="{link}">Stop these reminder e-mails</a>' in message.get_body(
        ("html",)
    ).get_content()
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "pump-refills.ics"
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    starts = [e.decoded("dtstart") for e in calendar.walk("VEVENT")]
    assert starts[0] == REFILL and len(starts) == clinic["calendar_refills"]
    # SMTP cannot be asked whether an earlier attempt went out.
    assert sender.already_sent(contact, send) is False


def test_the_reminder_text_is_short_and_says_no_more_than_needed(store, content):
    contact, reminder, send = confirmed(store, "sms", "+12025550143")
    with SmsProvider() as provider:
        sender = senders.SmsSender(provider.settings(), content, store)
        assert not sender.already_sent(contact, send)
        sid = sender.send(contact, reminder, send)
        [sent] = provider.messages
        # After a crash between sending and recording: the provider says it went.
        assert sender.already_sent(contact, send)
    clinic = content().clinic
    assert sid == sent["sid"] and sent["To"] == "+12025550143"
    assert sent["Body"] == (
        f"Reminder from {clinic['clinic_name']}: your pump refill is on {VISIT}."
        f" Call {clinic['phone_main']} to change it."
    )
    assert len(sent["Body"]) <= 160


def test_only_the_kinds_the_clinic_set_up_are_offered_and_sent(store, content):
    assert senders.available({}) == ()
    env = {"HAIP_SMTP_HOST": "127.0.0.1", "HAIP_SMTP_SENDER": "r@clinic.example.org"}
    assert senders.available(env) == ("email",)
    with SmsProvider() as provider:
        both = {**env, **provider.env()}
        assert senders.available(both) == ("email", "sms")
        assert set(senders.configured(content, store, both)) == {"email", "sms"}
    assert senders.configured(content, store, {}) == {}


@pytest.fixture
def web(store, monkeypatch):
    port = free_port()
    settings = Settings.from_env(
        {
            "HAIP_WEB_PORT": str(port),
            "HAIP_RASA_PORT": str(free_port()),
            "HAIP_REMINDERS_DB": str(store.path),
        }
    )
    server = WebServer(settings, "secret-token", lambda: {"clinic_name": "X"})
    server.start()
    yield f"http://127.0.0.1:{port}/unsubscribe"
    server.stop()


def test_opening_the_link_only_asks_and_the_button_stops_the_e_mails(store, content, web):
    contact, _, _ = confirmed(store, "email", "jane@example.org")
    page = requests.get(web, params={"t": contact.unsubscribe_token}, timeout=5)
    # Mail programs and scanners open links: opening one stops nothing.
    assert page.status_code == 200 and '<form method="post"' in page.text
    assert contacts.active(store, "patient-7") != []
    assert "default-src 'self'" in page.headers["Content-Security-Policy"]
    # The page names the clinic and the address (partly hidden), and says the
    # chat's reminders go on.
    clinic = content().clinic["clinic_name"]
    assert clinic in page.text and "j•••@example.org" in page.text
    assert "jane@example.org" not in page.text and "in the chat go on" in page.text
    done = requests.post(web, params={"t": contact.unsubscribe_token}, timeout=5)
    assert done.status_code == 200 and "no more reminder e-mails" in done.text
    assert clinic in done.text and "j•••@example.org" in done.text
    assert contacts.active(store, "patient-7") == []
    # Pressed twice, or the link opened again: already stopped, no button.
    for method in (requests.post, requests.get):
        again = method(web, params={"t": contact.unsubscribe_token}, timeout=5)
        assert again.status_code == 200 and "already stopped" in again.text
        assert "<form" not in again.text


def test_a_mail_program_s_one_click_unsubscribe_stops_them(store, web):
    contact, _, send = confirmed(store, "email", "jane@example.org")
    answer = requests.post(
        web,
        params={"t": contact.unsubscribe_token},
        data="List-Unsubscribe=One-Click",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        timeout=5,
    )
    assert answer.status_code == 200
    assert contacts.active(store, "patient-7") == []
    # The reminder already waiting to go by e-mail does not go.
    assert outbox.get(store, send.id).status == outbox.STOPPED


@pytest.mark.parametrize(
    "token", ["", "nope", "<script>alert(1)</script>", "x" * 5000, "' OR 1=1 --"]
)
def test_an_unknown_link_stops_nothing_and_says_so(store, web, token):
    confirmed(store, "email", "jane@example.org")
    for method in (requests.get, requests.post):
        answer = method(web, params={"t": token}, timeout=5)
        assert answer.status_code == 404 and "<script>" not in answer.text
    assert contacts.active(store, "patient-7") != []


def test_a_spanish_patient_s_reminders_are_in_spanish(store, content, monkeypatch, tmp_path):
    monkeypatch.setenv("HAIP_PUBLIC_URL", "https://chat.clinic.example.org/")
    visita = dates.describe(REFILL, "es")
    contact, reminder, send = confirmed(store, "sms", "+12025550143", "patient-es", "es")
    with SmsProvider() as provider:
        senders.SmsSender(provider.settings(), content, store).send(contact, reminder, send)
        sent = provider.messages[-1]
    assert visita in sent["Body"] and "Reminder" not in sent["Body"]
    assert len(sent["Body"]) <= 160, len(sent["Body"])
    other = ReminderStore(tmp_path / "other.db")
    contact, reminder, send = confirmed(other, "email", "ana@example.org", "patient-es2", "es")
    handler = Recorder()
    with smtp_server(handler) as port:
        smtp = email.SmtpSettings(
            "127.0.0.1", port, False, None, None, "refills@clinic.example.org"
        )
        senders.EmailSender(smtp, content).send(contact, reminder, send)
    message = parsed(handler.received[-1])
    assert visita in message["Subject"] and "Reminder" not in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert visita in body
    [attachment] = list(message.iter_attachments())
    calendar = icalendar.Calendar.from_ical(attachment.get_content())
    summary = str(next(iter(calendar.walk("VEVENT"))).get("summary"))
    assert "relleno" in summary.lower(), summary


def test_a_spanish_e_mail_s_link_opens_the_page_in_spanish(store, content, web, monkeypatch):
    monkeypatch.setenv("HAIP_PUBLIC_URL", "https://chat.clinic.example.org/")
    contact, reminder, send = confirmed(store, "email", "ana@example.org", "patient-es", "es")
    handler = Recorder()
    with smtp_server(handler) as port:
        smtp = email.SmtpSettings(
            "127.0.0.1", port, False, None, None, "refills@clinic.example.org"
        )
        senders.EmailSender(smtp, content).send(contact, reminder, send)
    link = parsed(handler.received[-1])["List-Unsubscribe"].strip("<>")
    assert link.endswith(f"/unsubscribe?t={contact.unsubscribe_token}&lang=es")
    query = {"t": contact.unsubscribe_token, "lang": "es"}
    page = requests.get(web, params=query, timeout=5)
    assert '<html lang="es">' in page.text and "Dejar de recibir" in page.text
    assert "lang=es" in page.text  # the button keeps the language
    done = requests.post(web, params=query, timeout=5)
    assert done.status_code == 200 and "ya no enviará correos" in done.text
    assert contacts.active(store, "patient-es") == []
    # A language the assistant does not speak: the English page.
    english = requests.get(web, params={**query, "lang": "xx"}, timeout=5)
    assert '<html lang="en">' in english.text and "Stop these reminder e-mails" in english.text
