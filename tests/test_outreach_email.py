"""bot/outreach/email.py against a real SMTP server (aiosmtpd) on 127.0.0.1:
what arrives, STARTTLS with a certificate made here, login, and how each kind of
failure is classified, without the password or the address in its text."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import logging
import ssl
from email import policy
from pathlib import Path

import pytest
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from bot.outreach.email import (
    PermanentFailure,
    SendFailed,
    SmtpSettings,
    TemporaryFailure,
    build_message,
    send,
)
from harness.servers import free_port
from tests.smtp_server import Recorder, smtp_server

SENDER = "refills@clinic.example.org"
PATIENT = "patient@example.org"
PASSWORD = "correct horse battery staple"
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nSUMMARY:Pump refill – café\r\nEND:VCALENDAR\r\n".encode()
UNSUBSCRIBE = "https://chat.clinic.example.org/unsubscribe/abc123"


def one_user(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        b"clinic",
        PASSWORD.encode(),
    )
    # handled=False: aiosmtpd then replies 535 itself (its default waits for us to).
    return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def server_tls(certificate) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def client_trusting(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


def smtp(port: int, *, starttls: bool = False, user: str | None = None, password=None):
    return SmtpSettings(
        host="127.0.0.1", port=port, starttls=starttls, user=user, password=password, sender=SENDER
    )


def reminder(text: str = "Your pump refill is tomorrow.\n\nPlease bring your card.", **kw):
    fields = dict(
        sender=SENDER,
        to=PATIENT,
        subject="Pump refill tomorrow",
        text=text,
        ics=ICS,
        ics_name="refills.ics",
        unsubscribe_url=UNSUBSCRIBE,
        unsubscribe_label="Stop these reminder e-mails",
        message_id="<reminder-42@haip-assistant>",
        sender_name="Example Cancer Center",
    )
    return build_message(**(fields | kw))


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)


def test_a_reminder_arrives_whole(caplog):
    handler = Recorder()
    with smtp_server(handler) as port, caplog.at_level(logging.INFO):
        send(smtp(port), reminder(), timeout_s=5)
    [raw] = handler.received
    message = parsed(raw)
    # The clinic's name shows as the sender.
    assert message["From"].addresses[0].display_name == "Example Cancer Center"
    assert message["From"].addresses[0].addr_spec == SENDER and message["To"] == PATIENT
    assert message["Subject"] == "Pump refill tomorrow"
    assert message["Message-ID"] == "<reminder-42@haip-assistant>"
    assert message["Date"]
    assert message["List-Unsubscribe"] == f"<{UNSUBSCRIBE}>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    plain = message.get_body(("plain",)).get_content()
    assert "Your pump refill is tomorrow." in plain
    assert f"Stop these reminder e-mails: {UNSUBSCRIBE}" in plain
    html = message.get_body(("html",)).get_content()
    assert "<p>Your pump refill is tomorrow.</p>" in html
    # The link says in words what it does.
    assert f'<a href="{UNSUBSCRIBE}">Stop these reminder e-mails</a>' in html
    assert "<img" not in html
    [attachment] = message.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "refills.ics"
    assert attachment.get_param("method") is None
    assert attachment.get_payload(decode=True) == ICS
    # Our log says that it was sent, with the id only (aiosmtpd's own log is the server's).
    log = "\n".join(r.getMessage() for r in caplog.records if r.name == "bot.outreach.email")
    assert "e-mail reminder sent" in log and "reminder-42" in log
    assert PATIENT not in log and "refill is tomorrow" not in log


def test_markup_in_the_text_arrives_escaped():
    handler = Recorder()
    text = 'Hello <script>alert("x")</script> & <b>bold</b>'
    with smtp_server(handler) as port:
        send(smtp(port), reminder(text, ics=None), timeout_s=5)
    message = parsed(handler.received[0])
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert list(message.iter_attachments()) == []


def test_starttls_with_a_trusted_certificate(certificate):
    handler = Recorder()
    tls = dict(tls_context=server_tls(certificate), require_starttls=True)
    with smtp_server(handler, **tls) as port:
        send(smtp(port, starttls=True), reminder(), 5, ssl_context=client_trusting(certificate))
    assert len(handler.received) == 1


def test_a_server_that_requires_starttls_refuses_plain_text(certificate):
    handler = Recorder()
    tls = dict(tls_context=server_tls(certificate), require_starttls=True)
    with smtp_server(handler, **tls) as port, pytest.raises(PermanentFailure) as failure:
        send(smtp(port, starttls=False), reminder(), timeout_s=5)
    assert failure.value.code == 530
    assert handler.received == []


def test_an_untrusted_certificate_is_refused(certificate):
    handler = Recorder()
    tls = dict(tls_context=server_tls(certificate), require_starttls=True)
    with smtp_server(handler, **tls) as port, pytest.raises(TemporaryFailure) as failure:
        send(smtp(port, starttls=True), reminder(), timeout_s=5)  # the system's CAs
    assert "certificate is not trusted" in str(failure.value)
    assert handler.received == []


def test_login():
    handler = Recorder()
    auth = dict(authenticator=one_user, auth_require_tls=False)
    with smtp_server(handler, **auth) as port:
        send(smtp(port, user="clinic", password=PASSWORD), reminder(), timeout_s=5)
        assert len(handler.received) == 1
        with pytest.raises(PermanentFailure) as failure:
            send(smtp(port, user="clinic", password=PASSWORD + "!"), reminder(), timeout_s=5)
    assert failure.value.code == 535
    assert PASSWORD not in str(failure.value) and PASSWORD not in repr(failure.value)
    assert len(handler.received) == 1


@pytest.mark.parametrize(
    "handler, kind, code",
    [
        (Recorder(rcpt_reply=f"550 5.1.1 <{PATIENT}>: no such user"), PermanentFailure, 550),
        (Recorder(rcpt_reply="451 try later"), TemporaryFailure, 451),
        (Recorder(data_reply=f"451 try later, {PATIENT}"), TemporaryFailure, 451),
        (Recorder(data_reply="554 rejected"), PermanentFailure, 554),
    ],
)
def test_refusals_are_classified_without_the_address(handler, kind, code):
    with smtp_server(handler) as port, pytest.raises(kind) as failure:
        send(smtp(port), reminder(), timeout_s=5)
    assert failure.value.code == code and str(code) in str(failure.value)
    assert PATIENT not in str(failure.value)
    assert "refill is tomorrow" not in str(failure.value)


def test_nothing_listening_is_temporary():
    with pytest.raises(TemporaryFailure):
        send(smtp(free_port()), reminder(), timeout_s=5)
    assert issubclass(TemporaryFailure, SendFailed) and issubclass(PermanentFailure, SendFailed)


def test_from_env(tmp_path):
    assert SmtpSettings.from_env({}) is None
    password_file = tmp_path / "smtp-password"
    password_file.write_text(PASSWORD + "\n")
    env = {
        "HAIP_SMTP_HOST": "smtp.clinic.example.org",
        "HAIP_SMTP_USER": "clinic",
        "HAIP_SMTP_PASSWORD_FILE": str(password_file),
        "HAIP_SMTP_SENDER": SENDER,
    }
    settings = SmtpSettings.from_env(env)
    assert settings == SmtpSettings(
        "smtp.clinic.example.org", 587, True, "clinic", PASSWORD, SENDER
    )
    assert PASSWORD not in repr(settings) and "password" not in repr(settings)
    assert SmtpSettings.from_env({**env, "HAIP_SMTP_PASSWORD_FILE": "", "HAIP_SMTP_PASSWORD": "p"})
    assert SmtpSettings.from_env(
        {"HAIP_SMTP_HOST": "127.0.0.1", "HAIP_SMTP_STARTTLS": "no", "HAIP_SMTP_SENDER": SENDER}
    ) == SmtpSettings("127.0.0.1", 587, False, None, None, SENDER)


@pytest.mark.parametrize(
    "change, variable",
    [
        ({"HAIP_SMTP_SENDER": ""}, "HAIP_SMTP_SENDER"),
        ({"HAIP_SMTP_PASSWORD_FILE": "/nonexistent/smtp-password"}, "HAIP_SMTP_PASSWORD_FILE"),
        ({"HAIP_SMTP_STARTTLS": "maybe"}, "HAIP_SMTP_STARTTLS"),
        ({"HAIP_SMTP_STARTTLS": "no"}, "HAIP_SMTP_STARTTLS"),  # not on 127.0.0.1
        ({"HAIP_SMTP_PORT": "smtp"}, "HAIP_SMTP_PORT"),
    ],
)
def test_from_env_names_the_setting_that_cannot_work(tmp_path, change, variable):
    password_file = tmp_path / "smtp-password"
    password_file.write_text(PASSWORD)
    env = {
        "HAIP_SMTP_HOST": "smtp.clinic.example.org",
        "HAIP_SMTP_USER": "clinic",
        "HAIP_SMTP_PASSWORD_FILE": str(password_file),
        "HAIP_SMTP_SENDER": SENDER,
    }
    with pytest.raises(SystemExit, match=variable) as stop:
        SmtpSettings.from_env(env | change)
    assert PASSWORD not in str(stop.value)
