"""Text messages through Twilio's REST API: the sender the reminder scheduler
uses, and what the text-message channel (bot/rasa/sms_channel.py) replies with.

We call the API with `requests` rather than twilio's Client so that every call
has a timeout, errors are sorted into "try again later" and "never again", and
HAIP_TWILIO_API_URL can point the whole thing at a local stand-in
(tests/sms_provider.py).

Nothing here logs, and no error message holds the auth token, a phone number or
a message's text: the messages name only the HTTP status and Twilio's error code.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any

import phonenumbers
import requests

from bot import settings

API_VERSION = "2010-04-01"
# Twilio's error for a recipient who replied STOP to this number: nothing more
# may be sent until they reply START.
UNSUBSCRIBED_CODE = 21610
# Pages of the message list read by sent_since at most: a patient gets a few
# texts a month, so more than this means something else is wrong.
MAX_PAGES = 10


class SendFailed(Exception):
    """Twilio did not take the message. `status` is the HTTP status (None when
    Twilio was not reached), `code` Twilio's error code if it gave one."""

    def __init__(self, reason: str, status: int | None = None, code: int | None = None):
        super().__init__(reason)
        self.status = status
        self.code = code


class TemporaryFailure(SendFailed):
    """Worth trying again later: Twilio unreachable or slow, rate-limited (429), or
    failing itself (5xx). The message may have been sent anyway if the answer was
    lost: see sent_since."""


class PermanentFailure(SendFailed):
    """Twilio refused the message (4xx): trying again would fail the same way."""


class Unsubscribed(PermanentFailure):
    """The recipient replied STOP to the clinic's number (Twilio error 21610)."""


@dataclass(frozen=True)
class TwilioSettings:
    account_sid: str
    auth_token: str = field(repr=False)
    number: str  # the clinic's Twilio number, the From of every text
    api_url: str  # no trailing slash

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TwilioSettings | None:
        """The account from the environment; None when HAIP_TWILIO_ACCOUNT_SID is
        unset (text messages are off). An account without its token or number
        stops the program, naming the variable: half a configuration should not
        quietly switch text messages off."""
        account_sid = settings.get("HAIP_TWILIO_ACCOUNT_SID", env)
        if not account_sid:
            return None
        number = settings.get("HAIP_TWILIO_NUMBER", env)
        if not number:
            raise SystemExit("HAIP_TWILIO_ACCOUNT_SID is set but HAIP_TWILIO_NUMBER is not")
        return cls(
            account_sid=account_sid,
            auth_token=_auth_token(env),
            number=number,
            api_url=(settings.get("HAIP_TWILIO_API_URL", env) or "").rstrip("/"),
        )

    @property
    def messages_url(self) -> str:
        return f"{self.api_url}/{API_VERSION}/Accounts/{self.account_sid}/Messages.json"


def _auth_token(env: Mapping[str, str] | None) -> str:
    if settings.get("HAIP_TWILIO_AUTH_TOKEN_FILE", env):
        token_file = settings.path("HAIP_TWILIO_AUTH_TOKEN_FILE", env)
        try:
            token = token_file.read_text().strip()
        except OSError as error:
            raise SystemExit(
                f"HAIP_TWILIO_AUTH_TOKEN_FILE cannot be read ({error.strerror})"
            ) from None
        if not token:
            raise SystemExit("HAIP_TWILIO_AUTH_TOKEN_FILE is empty")
        return token
    token = settings.get("HAIP_TWILIO_AUTH_TOKEN", env)
    if not token:
        raise SystemExit(
            "HAIP_TWILIO_ACCOUNT_SID is set but neither HAIP_TWILIO_AUTH_TOKEN_FILE "
            "nor HAIP_TWILIO_AUTH_TOKEN is"
        )
    return token


def send(twilio: TwilioSettings, to: str, body: str, timeout_s: float = 15) -> str:
    """Sends one text message; returns its Twilio SID. Raises TemporaryFailure,
    PermanentFailure or Unsubscribed."""
    answer = _call(
        "POST",
        twilio,
        twilio.messages_url,
        timeout_s,
        data={"To": to, "From": twilio.number, "Body": body},
    )
    sid = answer.get("sid")
    if not isinstance(sid, str) or not sid:
        # Taken or not, we cannot tell: the caller should check sent_since before
        # sending again.
        raise TemporaryFailure("Twilio's answer had no message SID")
    return sid


def sent_since(
    twilio: TwilioSettings, to: str, since: datetime, body: str, timeout_s: float = 15
) -> bool:
    """True if a message with exactly this body was created for `to` at or after
    `since` (timezone-aware): for a sender that crashed between sending and
    recording it, so that it does not send twice.

    Twilio filters by the day a message was sent (`DateSent>=`, UTC), so a
    message still queued, not yet sent, is not seen. Failed messages count too:
    this answers "did we send it", not "did it arrive"."""
    if since.tzinfo is None:
        raise ValueError("since must be timezone-aware")
    since = since.astimezone(timezone.utc)
    # Twilio's filter is the parameter named "DateSent>" (so the query reads
    # DateSent>=YYYY-MM-DD).
    params: dict[str, Any] | None = {
        "To": to,
        "DateSent>": since.date().isoformat(),
        "PageSize": 50,
    }
    url = twilio.messages_url
    for _ in range(MAX_PAGES):
        page = _call("GET", twilio, url, timeout_s, params=params)
        for message in page.get("messages") or []:
            if message.get("body") != body:
                continue
            created = _rfc2822(message.get("date_created"))
            if created is None or created >= since:
                # A matching body without a readable date: better one reminder
                # missed than two sent.
                return True
        next_page = page.get("next_page_uri")
        if not next_page:
            return False
        # next_page_uri is relative to the API's address and carries the filters.
        url, params = f"{twilio.api_url}{next_page}", None
    return False


def _rfc2822(value: Any) -> datetime | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _call(method: str, twilio: TwilioSettings, url: str, timeout_s: float, **kwargs: Any) -> dict:
    try:
        answer = requests.request(
            method,
            url,
            auth=(twilio.account_sid, twilio.auth_token),
            timeout=timeout_s,
            **kwargs,
        )
    except requests.RequestException as error:
        # `from None`: requests' own message holds the URL, and a list's URL holds
        # the patient's number.
        raise TemporaryFailure(f"Twilio not reached ({type(error).__name__})") from None
    try:
        data = answer.json()
    except ValueError:
        data = None
    data = data if isinstance(data, dict) else {}
    if answer.ok:
        return data
    code = data.get("code") if isinstance(data.get("code"), int) else None
    # Twilio's own `message` is left out: it can quote the number.
    reason = f"Twilio answered {answer.status_code}" + (f" (error {code})" if code else "")
    if answer.status_code == 429 or answer.status_code >= 500:
        raise TemporaryFailure(reason, answer.status_code, code)
    if code == UNSUBSCRIBED_CODE:
        raise Unsubscribed(reason, answer.status_code, code)
    raise PermanentFailure(reason, answer.status_code, code)


def to_e164(text: str, region: str = "US") -> str | None:
    """The number a patient typed, in E.164 form ("+12025550143"), from any
    common way of writing it ("(202) 555-0143", "202.555.0143", "+1 202 555
    0143"); None unless it is a valid number.

    Valid means phonenumbers' is_valid_number (a real area code and exchange),
    not just the right length (is_possible_number): a mistyped area code is
    then caught when the patient types it, not when a reminder fails to arrive.
    So (555) 555-01xx, the fictional numbers, are refused; tests use a real area
    code with 555-01xx, such as (202) 555-0143, which phonenumbers accepts."""
    if not isinstance(text, str) or not text.strip() or len(text) > 50:
        return None
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def mask(number: str) -> str:
    """A number as staff views and logs may show it: "+1 ••• ••• 0143", the
    country code and last four digits only."""
    digits = re.sub(r"\D", "", number or "")
    if len(digits) < 8:
        # Too short to hide anything but its last four: show none of it.
        return "•••"
    try:
        country = phonenumbers.parse(
            number if number.strip().startswith("+") else f"+{digits}"
        ).country_code
    except phonenumbers.NumberParseException:
        country = None
    prefix = f"+{country} " if country else ""
    return f"{prefix}••• ••• {digits[-4:]}"


def conversation_id(twilio: TwilioSettings, number: str) -> str:
    """The conversation id (Rasa's sender id) of a phone number: the same for
    every text from it, and not reversible, so the tracker store and the logs
    never hold the number. Keyed with the auth token, which is secret (ten
    digits are too few to hide behind an unkeyed hash); a new token starts new
    conversations."""
    digest = hmac.new(twilio.auth_token.encode(), number.encode(), hashlib.sha256)
    return "sms-" + digest.hexdigest()[:24]
