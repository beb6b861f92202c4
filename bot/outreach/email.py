"""Refill reminders by e-mail: the SMTP settings, the message, and sending it.

The message is built with Python's `email` package and sent with `smtplib`. A
failed send is a `TemporaryFailure` (try again later) or a `PermanentFailure`
(this address or this configuration will not work); neither's text holds the
password, the address or the message, because the caller logs it.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from html import escape
from pathlib import Path

from bot import settings

logger = logging.getLogger(__name__)

LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}
# Server replies may quote the recipient; the reply goes into a failure's text.
_ADDRESS = re.compile(r"<?[^\s<>@]+@[^\s<>]+>?")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    starttls: bool
    user: str | None
    # Left out of repr: settings objects end up in logs and tracebacks.
    password: str | None = field(repr=False)
    sender: str

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SmtpSettings | None:
        """The clinic's SMTP server, or None when HAIP_SMTP_HOST is unset (e-mail
        reminders are then not offered). A setting that cannot work is a SystemExit
        naming it, so the process stops at start rather than at the first reminder."""
        host = settings.get("HAIP_SMTP_HOST", env)
        if not host:
            return None
        starttls_raw = (settings.get("HAIP_SMTP_STARTTLS", env) or "").lower()
        if starttls_raw not in ("yes", "no"):
            raise SystemExit(f"HAIP_SMTP_STARTTLS must be yes or no, not {starttls_raw!r}")
        starttls = starttls_raw == "yes"
        # Without STARTTLS the password and the patient's e-mail cross the network in
        # clear; that is acceptable only to a relay on this machine.
        if not starttls and host not in LOOPBACK_HOSTS:
            raise SystemExit("HAIP_SMTP_STARTTLS=no is allowed only for a server on 127.0.0.1")
        user = settings.get("HAIP_SMTP_USER", env)
        password = _password(env)
        if user and password is None:
            raise SystemExit(
                "HAIP_SMTP_USER is set: put its password in HAIP_SMTP_PASSWORD_FILE "
                "(or HAIP_SMTP_PASSWORD)"
            )
        sender = settings.get("HAIP_SMTP_SENDER", env)
        if not sender:
            raise SystemExit("HAIP_SMTP_SENDER must be set when HAIP_SMTP_HOST is")
        return cls(
            host=host,
            port=settings.port("HAIP_SMTP_PORT", env),
            starttls=starttls,
            user=user,
            password=password,
            sender=sender,
        )


def _password(env: Mapping[str, str] | None) -> str | None:
    """From the file if one is named (so it is on no command line and in no
    process environment), else from HAIP_SMTP_PASSWORD."""
    password_file = settings.get("HAIP_SMTP_PASSWORD_FILE", env)
    if not password_file:
        return settings.get("HAIP_SMTP_PASSWORD", env)
    try:
        password = Path(password_file).read_text().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        # The error names the file and why, never its content.
        raise SystemExit(
            f"HAIP_SMTP_PASSWORD_FILE cannot be read ({password_file}: {exc.__class__.__name__})"
        ) from None
    if not password:
        raise SystemExit(f"HAIP_SMTP_PASSWORD_FILE is empty ({password_file})")
    return password


def build_message(
    *,
    sender: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    ics: bytes | None,
    ics_name: str,
    unsubscribe_url: str,
    unsubscribe_label: str,
    message_id: str,
    sender_name: str = "",
) -> EmailMessage:
    """A reminder e-mail: `text` as the plain part, an HTML part built from `html`
    (plain text too, escaped here; `text` when None), the calendar file if any.

    Every word comes from the caller (patient-facing text lives in content/). The
    unsubscribe link ends both parts: in the HTML as a link whose text is
    `unsubscribe_label`, in the plain part as the label and the address. The
    sender shows as `sender_name` (the clinic's name) where given. The HTML has no
    remote images and no tracking.
    The caller fixes `message_id` per reminder, so a resend after a crash has the
    same id and mail programs drop the copy.
    """
    message = EmailMessage()
    message["From"] = formataddr((sender_name, sender)) if sender_name else sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = message_id if message_id.startswith("<") else f"<{message_id}>"
    # RFC 2369 and RFC 8058: mail programs show an unsubscribe button and POST to it.
    message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(f"{text.rstrip()}\n\n{unsubscribe_label}: {unsubscribe_url}\n")
    message.add_alternative(
        _html(text if html is None else html, unsubscribe_url, unsubscribe_label), subtype="html"
    )
    if ics is not None:
        # Bytes, so the file goes as base64 and its CRLF line ends arrive unchanged.
        message.add_attachment(ics, maintype="text", subtype="calendar", filename=ics_name)
    return message


def _html(text: str, unsubscribe_url: str, unsubscribe_label: str) -> str:
    """One <p> per paragraph (blank-line separated), line breaks kept, all escaped."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    body = "\n".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    link = escape(unsubscribe_url)
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n'
        f'{body}\n<p><a href="{link}">{escape(unsubscribe_label)}</a></p>\n</body></html>\n'
    )


class SendFailed(Exception):
    """The reminder e-mail was not sent. `code` is the server's reply code, if any."""

    def __init__(self, reason: str, code: int | None = None):
        super().__init__(f"{reason} ({code})" if code is not None else reason)
        self.code = code


class TemporaryFailure(SendFailed):
    """Worth trying again later: no connection, a 4xx reply, a dropped connection."""


class PermanentFailure(SendFailed):
    """Trying again will not help: a 5xx reply, refused login, missing server support."""


def send(
    settings: SmtpSettings,
    message: EmailMessage,
    timeout_s: float = 30,
    ssl_context: ssl.SSLContext | None = None,
) -> None:
    """Send one message through the clinic's server; raise a SendFailed subclass
    if it was not accepted. `ssl_context` is for tests (a self-signed server);
    the default checks the certificate and host name against the system's CAs."""
    try:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=timeout_s)
    except Exception as exc:
        raise _classified(exc, "connect", settings.password) from None
    try:
        try:
            smtp.ehlo()
            if settings.starttls:
                smtp.starttls(context=ssl_context or ssl.create_default_context())
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, settings.password or "")
            refused = smtp.send_message(message)
        except Exception as exc:
            raise _classified(exc, "send", settings.password) from None
        if refused:  # some recipients accepted, others not: we send to one only
            code = max(code for code, _ in refused.values())
            kind = PermanentFailure if code >= 500 else TemporaryFailure
            raise kind("recipient refused", code)
    finally:
        _close(smtp)
    logger.info("e-mail reminder sent (%s)", message["Message-ID"])


def _close(smtp: smtplib.SMTP) -> None:
    """QUIT politely; the message is already accepted, so a failure here is not one."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


def _classified(exc: Exception, step: str, password: str | None) -> SendFailed:
    """smtplib's and the socket's errors as ours, with no secret and no address."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # The server's reply to AUTH is left out: some quote what they were sent.
        return PermanentFailure(f"{step}: the SMTP server refused the login", exc.smtp_code)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code = max(code for code, _ in exc.recipients.values())
        kind = PermanentFailure if code >= 500 else TemporaryFailure
        return kind(f"{step}: recipient refused", code)
    if isinstance(exc, smtplib.SMTPResponseException):
        kind = PermanentFailure if exc.smtp_code >= 500 else TemporaryFailure
        reply = _reply(exc.smtp_error, password)
        return kind(f"{step}: the SMTP server replied {reply!r}", exc.smtp_code)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        # e.g. STARTTLS or AUTH not offered: a configuration error, not a moment's.
        return PermanentFailure(f"{step}: {exc}")
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return TemporaryFailure(f"{step}: the SMTP server closed the connection")
    if isinstance(exc, ssl.SSLCertVerificationError):
        # Temporary: the server's certificate can be fixed without changing the reminder.
        return TemporaryFailure(f"{step}: the SMTP server's certificate is not trusted")
    if isinstance(exc, OSError):  # refused, timed out, unreachable, TLS handshake
        return TemporaryFailure(f"{step}: {exc.__class__.__name__}: {exc}")
    return TemporaryFailure(f"{step}: {exc.__class__.__name__}")


def _reply(raw: bytes | str, password: str | None) -> str:
    text = raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)
    if password:
        text = text.replace(password, "[password]")
    return _ADDRESS.sub("[address]", text)[:200]
