"""Text messages: Rasa's own Twilio channel, changed so a patient who texts the
clinic's number gets the same answers as on the web, in a shorter form.
credentials.yml names it `bot.rasa.sms_channel.SMSChannel:` (an empty block:
its settings come from the environment); Twilio's webhook for incoming messages
is then {public address}/webhooks/twilio/webhook.

Changed from Rasa's channel:
  - the account comes from the environment (bot/outreach/sms.py, TwilioSettings),
    never from credentials.yml; with HAIP_TWILIO_ACCOUNT_SID unset the webhook
    answers 404;
  - every request must carry Twilio's X-Twilio-Signature for the public URL
    Twilio called (HAIP_PUBLIC_URL plus the path, or else the URL the request
    came to), or it gets 403: anyone could post a "patient message" otherwise;
  - replies go through bot.outreach.sms.send (timeouts, HAIP_TWILIO_API_URL),
    one text per bot message: no images or files, buttons as a numbered list
    (a reply of just the number counts as pressing the button), markdown
    links as "name: address";
  - a typed message starting with "/" is text, as on the other channels
    (bot/servers/typed_commands.py);
  - the conversation id is derived from the number (sms.conversation_id), so
    the tracker store and the logs never hold the number; the number itself is
    kept in memory only, to reply;
  - Twilio's STOP keywords do not reach Rasa: they stop the patient's reminders
    (stop_texts) and get no reply (Twilio sends the carrier's confirmation, and
    would refuse ours);
  - like our other channels, a reply within the reply deadline, if need be the
    `trouble` message (bot/rasa/reply_deadline.py), and no number or message
    text in the logs.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from rasa.core.channels.twilio import TwilioInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from twilio.request_validator import RequestValidator

from bot import settings
from bot.outreach import sms
from bot.rasa.channels import topic_ids
from bot.rasa.reply_deadline import ReplyDeadline
from bot.servers import typed_commands

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

# Twilio's default opt-out keywords: the whole message, any case, trimmed.
STOP_WORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT"})
# Twilio refuses longer bodies (error 21617); a longer reply goes as several texts.
MAX_BODY = 1600
# Numbers kept in memory to reply to (most recently active patients); one that
# falls out only misses a reply that Rasa sends on its own later.
MAX_NUMBERS = 10_000
# Empty TwiML: "received, no reply here" (replies go through the REST API).
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def stop_texts(number: str) -> None:
    """The patient texted STOP: no more reminders to this number (Twilio itself
    also refuses to text it again)."""
    import datetime as dt

    from bot import paths
    from bot.reminders import contacts
    from bot.reminders.store import ReminderStore

    store = ReminderStore(paths.reminders_db())
    try:
        contacts.stop(
            store, kind=contacts.SMS, address=number, now=dt.datetime.now(dt.timezone.utc)
        )
    finally:
        store.db.close()


def _texted_by_the_outbox(number: str) -> bool:
    from bot import paths
    from bot.reminders import contacts
    from bot.reminders.store import ReminderStore

    store = ReminderStore(paths.reminders_db())
    try:
        return contacts.texted(store, number)
    finally:
        store.db.close()


def is_stop(text: str) -> bool:
    return text.strip().upper() in STOP_WORDS


def short_form(text: str, buttons: list[dict] | None = None) -> str:
    """A bot message as one text: markdown links as "name: address" (no link
    markup in a text), **bold** as plain words, no blank lines, and the buttons'
    titles as a numbered list to reply with."""
    text = _LINK.sub(lambda m: f"{m[1]}: {m[2]}", text or "")
    text = _BOLD.sub(r"\1", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    titles = [b.get("title") for b in buttons or [] if b.get("title")]
    lines += [f"{i}. {title}" for i, title in enumerate(titles, 1)]
    return "\n".join(lines)


def split_body(body: str, limit: int = MAX_BODY) -> list[str]:
    """Texts of at most `limit` characters, cut between lines where possible."""
    parts: list[str] = []
    current = ""
    for line in body.split("\n"):
        while len(line) > limit:
            if current:
                parts.append(current)
                current = ""
            parts.append(line[:limit])
            line = line[limit:]
        if current and len(current) + 1 + len(line) > limit:
            parts.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        parts.append(current)
    return parts


class _Patients:
    """In memory only: each conversation's number, to reply to, and the buttons
    of its last message with buttons, so that a reply "2" presses the second."""

    def __init__(self, limit: int = MAX_NUMBERS):
        self.limit = limit
        self._numbers: OrderedDict[str, str] = OrderedDict()
        self._buttons: dict[str, list[str]] = {}

    def remember(self, sender_id: str, number: str) -> None:
        self._numbers[sender_id] = number
        self._numbers.move_to_end(sender_id)
        while len(self._numbers) > self.limit:
            forgotten, _ = self._numbers.popitem(last=False)
            self._buttons.pop(forgotten, None)

    def number(self, sender_id: str) -> str | None:
        return self._numbers.get(sender_id)

    def offer(self, sender_id: str, payloads: list[str]) -> None:
        if sender_id in self._numbers:
            self._buttons[sender_id] = payloads

    def answer(self, sender_id: str, text: str) -> str:
        """The patient's text, or the payload of the button whose number it is.
        Offered buttons count for the next message only."""
        payloads = self._buttons.pop(sender_id, [])
        choice = text.strip()
        if choice.isdigit() and 1 <= int(choice) <= len(payloads):
            return payloads[int(choice) - 1]
        return text


class SMSOutput(OutputChannel):
    """Sends each bot message as one text (or a few, if very long) through
    bot.outreach.sms, to the number the conversation came from."""

    def __init__(
        self,
        twilio: sms.TwilioSettings,
        patients: _Patients,
        on_stop: Callable[[str], None],
        rasa_first: bool = False,
    ):
        self.twilio = twilio
        self.patients = patients
        self.on_stop = on_stop
        # Rasa writing first: a refill reminder falling due in this conversation.
        self.rasa_first = rasa_first
        self.sent = False  # for the reply deadline: has Rasa said anything yet

    @classmethod
    def name(cls) -> str:
        return "twilio"

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        # Images, files, calendar and other custom payloads have no place in a text.
        buttons = message.get("buttons") or message.get("quick_replies") or []
        body = short_form(message.get("text") or "", buttons)
        if not body:
            return
        self.sent = True
        payloads = [str(b.get("payload") or b.get("title")) for b in buttons if b.get("title")]
        if payloads:
            self.patients.offer(recipient_id, payloads)
        number = self.patients.number(recipient_id)
        if number is None:
            # Rasa writing first (a reminder, a late answer) after a restart.
            logger.warning("A reply by text was not sent: this conversation's number is unknown.")
            return
        if self.rasa_first and await asyncio.to_thread(_texted_by_the_outbox, number):
            # The scheduler texts this number its reminders itself (with quiet
            # hours, retries and a record): a second text would be a copy.
            logger.info("A reminder by text left to the outbox.")
            return
        for part in split_body(body):
            if not await self._send(number, part):
                return

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})

    async def _send(self, number: str, body: str) -> bool:
        try:
            # requests blocks: off the event loop, which serves every other patient.
            await asyncio.to_thread(sms.send, self.twilio, number, body)
        except sms.Unsubscribed:
            logger.info("A reply by text was not sent: the patient has replied STOP.")
            await asyncio.to_thread(self.on_stop, number)
            return False
        except sms.SendFailed as failure:
            # The failure's text names only the status and Twilio's error code.
            logger.warning("A reply by text was not sent: %s.", failure)
            return False
        return True


class SMSChannel(TwilioInput):
    """See the module's docstring."""

    @classmethod
    def name(cls) -> str:
        return "twilio"  # the webhook stays Rasa's /webhooks/twilio/webhook

    def __init__(
        self,
        twilio: sms.TwilioSettings | None,
        public_url: str | None = None,
        deadline: ReplyDeadline | None = None,
        on_stop: Callable[[str], None] | None = None,
    ) -> None:
        super().__init__(
            twilio.account_sid if twilio else None,
            twilio.auth_token if twilio else None,
            twilio.number if twilio else None,
            debug_mode=False,
        )
        self.twilio = twilio
        self.public_url = (public_url or "").rstrip("/") or None
        self.deadline = deadline  # None: wait for Rasa however long it takes
        self._on_stop = on_stop
        self.patients = _Patients()

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> InputChannel:
        given = sorted(set(credentials or {}) & {"account_sid", "auth_token", "twilio_number"})
        if given:
            # Secrets belong in the environment, and two places would disagree.
            raise ValueError(
                f"bot.rasa.sms_channel.SMSChannel takes no {', '.join(given)} in "
                "credentials.yml: set HAIP_TWILIO_ACCOUNT_SID, HAIP_TWILIO_AUTH_TOKEN(_FILE) "
                "and HAIP_TWILIO_NUMBER instead"
            )
        twilio = sms.TwilioSettings.from_env()
        if twilio is None:
            return cls(None)
        # Imported here: it reads the content, which only a working channel needs.
        from bot.rasa.channels import reply_deadline

        return cls(twilio, settings.get("HAIP_PUBLIC_URL"), reply_deadline())

    def on_stop(self, number: str) -> None:
        # Looked up when called, so a test can put its own in.
        (self._on_stop or stop_texts)(number)

    def get_output_channel(self) -> OutputChannel:
        """For Rasa writing first (trigger_intent with output_channel=latest);
        replies to the numbers this process has seen."""
        if self.twilio is None:
            # Text messages off: no conversation can have come by text.
            return CollectingOutputChannel()
        return SMSOutput(self.twilio, self.patients, self.on_stop, rasa_first=True)

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the one it was told to call."""
        base = self.public_url or f"{request.scheme}://{request.host}"
        query = f"?{request.query_string}" if request.query_string else ""
        return f"{base}{request.path}{query}"

    def _signed(self, request: Request) -> bool:
        signature = request.headers.get("X-Twilio-Signature")
        if not signature:
            return False
        validator = RequestValidator(self.twilio.auth_token)
        return validator.validate(self.signed_url(request), request.form, signature)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint("twilio_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            if self.twilio is None:
                return response.text("Text messages are off.", status=404)
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.twilio is None:
                return response.text("Text messages are off.", status=404)
            if not self._signed(request):
                logger.warning("A text message webhook call without a valid Twilio signature.")
                return response.text("Invalid signature.", status=403)
            number, text = request.form.get("From"), request.form.get("Body")
            if not number or text is None:
                return response.text("From and Body are required.", status=400)
            if is_stop(text):
                await asyncio.to_thread(self.on_stop, number)
                return response.text(EMPTY_TWIML, content_type="text/xml")
            sender_id = sms.conversation_id(self.twilio, number)
            self.patients.remember(sender_id, number)
            # Some carriers turn @ into ¡ (as in Rasa's own channel).
            text = self.patients.answer(sender_id, text.replace("¡", "@"))
            # A payload of an offered button passes; a typed command is text.
            text = typed_commands.for_rasa(text, topic_ids)
            output = SMSOutput(self.twilio, self.patients, self.on_stop)
            message = UserMessage(
                text,
                output,
                sender_id,
                input_channel=self.name(),
                metadata=self.get_metadata(request),
            )
            if self.deadline is not None:
                await self.deadline.handle(on_new_message, message, lambda: output.sent)
            else:
                try:
                    await on_new_message(message)
                except Exception as error:
                    # Its text could quote the patient's message: the type only.
                    logger.error("Processing a text message failed (%s).", type(error).__name__)
            return response.text(EMPTY_TWIML, content_type="text/xml")

        return webhook
