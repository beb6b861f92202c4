"""Sending outside the chat: the reminder scheduler's senders for e-mail and text
message (bot/reminders/scheduler.py's ChannelSender), and the code that checks a
patient's address when they give it in the chat. The words come from
content/messages.yml; the clinic's SMTP server or Twilio carries them.

What leaves the chat says no more than needed: the clinic, the visit's date and
the phone number to change it. No diagnosis, no drug name."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from urllib.parse import urlencode

from bot import settings
from bot.content import placeholders
from bot.content.loader import Content
from bot.outreach import email, sms
from bot.reminders import dates, ics
from bot.reminders.contacts import EMAIL, SMS, Contact
from bot.reminders.outbox import Send
from bot.reminders.store import Reminder, ReminderStore

CALENDAR_FILE = "pump-refills.ics"


def text(content: Content, key: str, language: str = "en", **values: str) -> str:
    """A message of content/messages.yml in `language` where it has one."""
    message = content.messages[key]
    return placeholders.fill(message.text_in(language), {**content.clinic_in(language), **values})


def available(env=None) -> tuple[str, ...]:
    """The kinds the clinic has set up; none: the chat offers nothing."""
    kinds = []
    if settings.get("HAIP_SMTP_HOST", env):
        kinds.append(EMAIL)
    if settings.get("HAIP_TWILIO_ACCOUNT_SID", env):
        kinds.append(SMS)
    return tuple(kinds)


def send_code(contact: Contact, code: str, content: Content, language: str = "en") -> None:
    """The code that proves the address is the patient's, in the conversation's
    language; raises SendFailed."""
    message = text(content, "contact_code_message", language, code=code)
    if contact.kind == SMS:
        sms.send(sms.TwilioSettings.from_env(), contact.address, message)
        return
    smtp = email.SmtpSettings.from_env()
    email.send(
        smtp,
        email.build_message(
            sender=smtp.sender,
            sender_name=clinic_name(content, language),
            to=contact.address,
            subject=text(content, "contact_code_subject", language),
            text=message,
            ics=None,
            ics_name="",
            unsubscribe_url=unsubscribe_url(contact.unsubscribe_token, language=language),
            unsubscribe_label=text(content, "email_unsubscribe_link", language),
            message_id=f"code-{contact.id}-{secrets.token_hex(8)}@{_domain(smtp)}",
        ),
    )


def clinic_name(content: Content, language: str = "en") -> str:
    """Who the e-mails are from, as the patient knows the clinic."""
    return str(content.clinic_in(language).get("clinic_name") or "")


def _domain(smtp: email.SmtpSettings) -> str:
    return smtp.sender.rpartition("@")[2]


def unsubscribe_url(token: str, env=None, language: str = "en") -> str:
    """The link in every e-mail; its page is in the e-mail's language."""
    base = settings.get("HAIP_PUBLIC_URL", env) or (
        f"http://{settings.get('HAIP_HOST', env)}:{settings.get('HAIP_WEB_PORT', env)}"
    )
    query = {"t": token, **({"lang": language} if language != "en" else {})}
    return f"{base.rstrip('/')}/unsubscribe?{urlencode(query)}"


class EmailSender:
    kind = EMAIL

    def __init__(self, smtp: email.SmtpSettings, content: Callable[[], Content]):
        self.smtp = smtp
        self.content = content

    def message(self, contact: Contact, reminder: Reminder, send: Send):
        content = self.content()
        language = reminder.language
        day = dates.describe(reminder.refill_date, language)
        link = unsubscribe_url(contact.unsubscribe_token, language=language)
        body = text(content, "reminder_email_body", language, refill_date=day)
        calendar = ics.for_refill(content, reminder.refill_date, reminder.sender_id, language)
        return email.build_message(
            sender=self.smtp.sender,
            sender_name=clinic_name(content, language),
            to=contact.address,
            subject=text(content, "reminder_email_subject", language, refill_date=day),
            text=body,
            ics=calendar.encode(),
            ics_name=CALENDAR_FILE,
            unsubscribe_url=link,
            unsubscribe_label=text(content, "email_unsubscribe_link", language),
            # The same id on every attempt: a copy sent twice after a crash is one
            # message to the patient's mail program.
            message_id=f"{send.message_id}@{_domain(self.smtp)}",
        )

    def send(self, contact: Contact, reminder: Reminder, send: Send) -> str | None:
        message = self.message(contact, reminder, send)
        email.send(self.smtp, message)
        return message["Message-ID"]

    def already_sent(self, contact: Contact, send: Send) -> bool:
        return False  # SMTP cannot be asked; the Message-ID makes a copy harmless


class SmsSender:
    kind = SMS

    def __init__(
        self, twilio: sms.TwilioSettings, content: Callable[[], Content], store: ReminderStore
    ):
        self.twilio = twilio
        self.content = content
        self.store = store

    def body(self, reminder: Reminder) -> str:
        day = dates.describe(reminder.refill_date, reminder.language)
        return text(self.content(), "reminder_text_message", reminder.language, refill_date=day)

    def send(self, contact: Contact, reminder: Reminder, send: Send) -> str | None:
        return sms.send(self.twilio, contact.address, self.body(reminder))

    def already_sent(self, contact: Contact, send: Send) -> bool:
        reminder = self.store.find(send.reminder_id)
        if reminder is None:
            return False
        # The body names this visit's date, so a match is this reminder.
        since = reminder.remind_at - dt.timedelta(days=1)
        return sms.sent_since(self.twilio, contact.address, since, self.body(reminder))


def configured(content: Callable[[], Content], store: ReminderStore, env=None) -> dict:
    """The senders the clinic has set up, by kind."""
    senders = {}
    if smtp := email.SmtpSettings.from_env(env):
        senders[EMAIL] = EmailSender(smtp, content)
    if twilio := sms.TwilioSettings.from_env(env):
        senders[SMS] = SmsSender(twilio, content, store)
    return senders
