"""A local stand-in for Twilio's REST API, the one outside service the text
messages need: it takes messages (POST .../Messages.json), lists them (GET
.../Messages.json with Twilio's To and DateSent> filters), checks HTTP basic
auth as Twilio does, and can be told to fail or to stall.

    with SmsProvider() as twilio:
        sms.send(twilio.settings(), "+12025550143", "Your refill is tomorrow.")
        assert twilio.messages[0]["Body"] == "Your refill is tomorrow."

Point a running assistant at it with `twilio.env()` (the HAIP_TWILIO_ variables).
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from datetime import date, datetime, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from bot.outreach.sms import TwilioSettings
from harness.servers import free_port

ACCOUNT_SID = "AC" + "5" * 32
AUTH_TOKEN = "stand-in-auth-token"
NUMBER = "+12025550100"  # the clinic's number, as a test sees it
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>[^/]+)/Messages\.json$")


class SmsProvider:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN):
        self.account_sid = account_sid
        self.auth_token = auth_token
        # What was POSTed, oldest first: To, From, Body, auth_user, sid, created.
        self.messages: list[dict] = []
        self._lock = threading.Lock()
        self._failure: tuple[int, int | None] | None = None
        self._failures_left: int | None = None
        self._stall_s = 0.0
        self._hold_s = 0.0
        self._released = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings(self, number: str = NUMBER) -> TwilioSettings:
        return TwilioSettings(self.account_sid, self.auth_token, number, self.url)

    def env(self, number: str = NUMBER) -> dict[str, str]:
        return {
            "HAIP_TWILIO_ACCOUNT_SID": self.account_sid,
            "HAIP_TWILIO_AUTH_TOKEN": self.auth_token,
            "HAIP_TWILIO_NUMBER": number,
            "HAIP_TWILIO_API_URL": self.url,
        }

    def fail(self, status: int | None, code: int | None = None, times: int | None = None) -> None:
        """Answer the next `times` POSTs (every one, if None) with this HTTP status
        and Twilio error code; fail(None) stops failing."""
        with self._lock:
            self._failure = None if status is None else (status, code)
            self._failures_left = times

    def stall(self, seconds: float) -> None:
        """Wait this long before answering each request (0: answer at once)."""
        self._stall_s = seconds

    def hold_answers(self, seconds: float) -> None:
        """Take each message, then wait this long before answering: the worst
        moment for a sender to die (sent, but not yet known to be)."""
        self._hold_s = seconds

    def record(self, to: str, body: str, created: datetime, from_: str = NUMBER) -> dict:
        """A message as if sent earlier (for the sent_since tests)."""
        return self._store(to, from_, body, self.account_sid, created)

    def bodies(self, to: str | None = None) -> list[str]:
        with self._lock:
            return [m["Body"] for m in self.messages if to is None or m["To"] == to]

    def _store(self, to: str, from_: str, body: str, user: str, created: datetime) -> dict:
        message = {
            "sid": "SM" + uuid.uuid4().hex,
            "To": to,
            "From": from_,
            "Body": body,
            "auth_user": user,
            "created": created,
        }
        with self._lock:
            self.messages.append(message)
        return message

    def _failure_now(self) -> tuple[int, int | None] | None:
        with self._lock:
            failure = self._failure
            if failure is not None and self._failures_left is not None:
                self._failures_left -= 1
                if self._failures_left <= 0:
                    self._failure, self._failures_left = None, None
            return failure

    def __enter__(self) -> SmsProvider:
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler(self))
        self._server.daemon_threads = True
        # A short poll: shutdown() waits for it at the end of every test.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._released.set()  # stalled answers go now, not after the test
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _as_json(message: dict) -> dict:
    created = format_datetime(message["created"].astimezone(timezone.utc))
    return {
        "sid": message["sid"],
        "account_sid": None,
        "to": message["To"],
        "from": message["From"],
        "body": message["Body"],
        "status": "queued",
        "date_created": created,
        # The stand-in "sends" at once.
        "date_sent": created,
    }


def _handler(provider: SmsProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # the test output stays quiet
            pass

        def _answer(self, status: int, data: dict) -> None:
            body = json.dumps(data).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, code: int | None, message: str) -> None:
            self._answer(status, {"code": code, "message": message, "status": status})

        def _checked(self) -> str | None:
            """The account user if the path and the credentials are right, else
            None (the error has been answered)."""
            if provider._stall_s:
                provider._released.wait(provider._stall_s)
            match = MESSAGES_PATH.match(urlsplit(self.path).path)
            if not match:
                self._error(404, 20404, "The requested resource was not found")
                return None
            user, _, password = _basic_auth(self.headers.get("Authorization"))
            if user != provider.account_sid or password != provider.auth_token:
                self._error(401, 20003, "Authenticate")
                return None
            if match["sid"] != user:
                self._error(403, 20003, "Not this account")
                return None
            return user

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode())
            user = self._checked()
            if user is None:
                return
            failure = provider._failure_now()
            if failure is not None:
                status, code = failure
                self._error(status, code, "Failing as the test asked")
                return
            to, from_, body = (form.get(k, [""])[0] for k in ("To", "From", "Body"))
            if not to or not from_:
                self._error(400, 21604, "A 'To' and a 'From' are required")
                return
            message = provider._store(to, from_, body, user, datetime.now(timezone.utc))
            if provider._hold_s:
                provider._released.wait(provider._hold_s)
            self._answer(201, _as_json(message))

        def do_GET(self) -> None:
            query = parse_qs(urlsplit(self.path).query)
            if self._checked() is None:
                return
            to = query.get("To", [None])[0]
            after = query.get("DateSent>", [None])[0]
            since = date.fromisoformat(after) if after else None
            with provider._lock:
                found = [
                    _as_json(m)
                    for m in reversed(provider.messages)  # Twilio lists newest first
                    if (to is None or m["To"] == to)
                    and (since is None or m["created"].astimezone(timezone.utc).date() >= since)
                ]
            self._answer(200, {"messages": found, "next_page_uri": None, "page": 0})

    return Handler


def _basic_auth(header: str | None) -> tuple[str, str, str]:
    if not header or not header.startswith("Basic "):
        return ("", "", "")
    try:
        return base64.b64decode(header[6:]).decode().partition(":")
    except ValueError:
        return ("", "", "")
