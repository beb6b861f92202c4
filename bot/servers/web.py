"""The web side of the assistant: the chat widget's files, the demo clinic page,
the widget's settings and a patient's chat history after a page reload.

It is small on purpose (the standard library's threaded HTTP server): the chat
itself goes straight from the browser to Rasa's socket.io channel. History is
read through Rasa's HTTP API with the token only this process knows, so the
token never reaches a browser and the history holds texts only.
"""

from __future__ import annotations

import json
import logging
import threading
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bot import intents, paths
from bot.content import languages
from bot.content.loader import ContentError
from bot.rasa_api import RasaAPI, RasaAPIError
from bot.servers import chat_ids, history, unsubscribe
from bot.settings import Settings

logger = logging.getLogger(__name__)

WEB_DIR = paths.ROOT / "web"
SOCKET_IO_CLIENT = paths.ROOT / "node_modules" / "socket.io-client" / "dist" / "socket.io.min.js"

# Only these files are served: no directory walking, whatever the path says.
STATIC_FILES: dict[str, tuple[Path, str]] = {
    "/": (WEB_DIR / "demo" / "index.html", "text/html; charset=utf-8"),
    "/demo.css": (WEB_DIR / "demo" / "demo.css", "text/css; charset=utf-8"),
    "/widget/haip-chat.js": (WEB_DIR / "widget" / "haip-chat.js", "text/javascript; charset=utf-8"),
    "/widget/haip-chat.css": (WEB_DIR / "widget" / "haip-chat.css", "text/css; charset=utf-8"),
    "/widget/socket.io.min.js": (SOCKET_IO_CLIENT, "text/javascript; charset=utf-8"),
}


def page_security_headers(socket_url: str) -> dict[str, str]:
    """For the pages this server serves itself: scripts and styles only from
    here, so text that slipped into the page could never run."""
    parts = urllib.parse.urlsplit(socket_url)
    ws = "wss" if parts.scheme == "https" else "ws"
    connect = f"'self' {socket_url} {ws}://{parts.netloc}"
    return {
        "Content-Security-Policy": (
            f"default-src 'self'; connect-src {connect}; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
        ),
        "Referrer-Policy": "no-referrer",
    }


# The widget opens a conversation with this, so the welcome (and its
# disclaimer) comes from content/messages.yml through action_welcome.
START_PAYLOAD = "/greet"


def start_payload(language: str | None = None) -> str:
    """The opening payload; with the language the patient chose in the widget,
    which sets the conversation's language slot (domain.yml), so the welcome and
    every answer after it are in that language. The widget sends it again when
    the patient changes the language."""
    if language is None:
        return START_PAYLOAD
    return START_PAYLOAD + json.dumps({intents.CHOSEN_LANGUAGE: language})


# Every request is small (widget files, a history, an unsubscribe form): a client
# that takes longer than this to send one is cut off.
REQUEST_TIMEOUT_S = 10
MAX_THREADS = 64
MAX_BODY_BYTES = 4096


def widget_config(
    settings: Settings, clinic: Callable[[], dict], labels: Callable[[], dict] = dict
) -> dict:
    """The widget's settings. `labels()` gives its words in each language
    (content/widget.yml), so the widget holds no patient text of its own; the
    patient chooses among the languages that have them all."""
    try:
        details = clinic()
    except ContentError:
        details = {}  # the widget still works; only the clinic's name is missing
    try:
        texts = labels()
    except ContentError:
        texts = {}  # the widget says the chat could not start
    return {
        "socket_url": settings.socket_url,
        "start_payload": START_PAYLOAD,
        "clinic_name": details.get("clinic_name", ""),
        "phone_main": details.get("phone_main", ""),
        # The widget forgets its chat id after this long, as the server does.
        "chat_id_days": chat_ids.days_allowed(clinic),
        "languages": [{"code": code, "name": languages.NAMES[code]} for code in texts],
        "labels": texts,
        "language_payloads": {code: start_payload(code) for code in texts},
    }


def make_handler(settings: Settings, rasa_token: str, clinic: Callable[[], dict]):
    from bot.content.store import ContentStore
    from bot.reminders.store import ReminderStore

    rasa = RasaAPI(settings.rasa_url, rasa_token, timeout_s=15)
    allowed_origins = set(settings.cors_origins)
    contents = ContentStore(paths.CONTENT_DIR)
    reminders: list[ReminderStore] = []  # opened at the first unsubscribe

    def reminder_store() -> ReminderStore:
        if not reminders:
            reminders.append(ReminderStore(settings.reminders_db))
        return reminders[0]

    class Handler(BaseHTTPRequestHandler):
        server_version = "haip-web"
        sys_version = ""
        # A request must arrive whole within this: a half-sent one holds its
        # thread no longer (StreamRequestHandler sets it on the socket).
        timeout = REQUEST_TIMEOUT_S

        def log_message(self, format: str, *args) -> None:
            # Request lines hold sender ids; keep them out of the output.
            logger.debug("web request %s", self.command)

        def _send(self, status: int, body: bytes, content_type: str, headers=None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            origin = self.headers.get("Origin")
            if origin and origin in allowed_origins:
                self.send_header("Access-Control-Allow-Origin", origin)
                self.send_header("Vary", "Origin")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: int, data, cache: str = "no-store") -> None:
            body = json.dumps(data).encode()
            self._send(status, body, "application/json", {"Cache-Control": cache})

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path in STATIC_FILES:
                return self._static(path)
            if path == "/widget/config.json":
                config = widget_config(settings, clinic, lambda: contents.get().widget)
                return self._json(HTTPStatus.OK, config, cache="no-cache")
            if path.startswith("/api/history/"):
                return self._history(path.removeprefix("/api/history/"))
            if path == "/unsubscribe":
                return self._unsubscribe(unsubscribe.page)
            self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

        def do_POST(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            if path != "/unsubscribe":
                return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            # The form's or RFC 8058's one-click body says nothing we need.
            raw = (self.headers.get("Content-Length") or "0").strip()
            if not raw.isdigit():
                return self._json(HTTPStatus.BAD_REQUEST, {"error": "bad Content-Length"})
            if int(raw) > MAX_BODY_BYTES:
                return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": "too large"})
            self.rfile.read(int(raw))
            self._unsubscribe(unsubscribe.stop)

        def _unsubscribe(self, answer) -> None:
            query = urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query)
            token = (query.get("t") or [""])[0][:100]
            language = (query.get("lang") or [""])[0][:8]
            try:
                status, page = answer(contents.get(), token, reminder_store(), language)
            except ContentError:
                return self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "unavailable"})
            headers = {"Cache-Control": "no-store", **page_security_headers(settings.socket_url)}
            self._send(status, page.encode(), "text/html; charset=utf-8", headers)

        def _static(self, path: str) -> None:
            file, content_type = STATIC_FILES[path]
            try:
                body = file.read_bytes()
            except OSError:
                logger.error("Missing web file %s (run `make install`)", file)
                return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            headers = {"Cache-Control": "no-cache"}
            if content_type.startswith("text/html"):
                headers.update(page_security_headers(settings.socket_url))
            self._send(HTTPStatus.OK, body, content_type, headers)

        def _history(self, sender_id: str) -> None:
            if not chat_ids.is_ours(sender_id):
                return self._json(HTTPStatus.BAD_REQUEST, {"error": "not a chat id"})
            try:
                tracker = rasa.tracker(sender_id)
            except (RasaAPIError, ValueError) as exc:
                logger.error("Could not read a chat history from Rasa (%s)", exc)
                return self._json(HTTPStatus.BAD_GATEWAY, {"error": "history unavailable"})
            if not chat_ids.opens(tracker.get("events") or [], chat_ids.days_allowed(clinic)):
                # Expired, or another channel's conversation: the same answer as
                # for an id that never had a conversation.
                return self._json(HTTPStatus.OK, {"messages": []})
            self._json(HTTPStatus.OK, {"messages": history.chat_history(tracker)})

    return Handler


class _BoundedHTTPServer(ThreadingHTTPServer):
    """At most MAX_THREADS requests at once; past that a connection is closed at
    once rather than given a thread (slow clients cannot use up memory)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._slots = threading.BoundedSemaphore(MAX_THREADS)

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except Exception:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class WebServer:
    """Binds at once (a taken port fails before anything slow starts); serves
    from start() on. clinic() gives content/clinic.yml's values."""

    def __init__(self, settings: Settings, rasa_token: str, clinic: Callable[[], dict]):
        self.httpd = _BoundedHTTPServer(
            (settings.host, settings.web_port), make_handler(settings, rasa_token, clinic)
        )
        self.httpd.daemon_threads = True
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():  # shutdown() would wait forever otherwise
            self.httpd.shutdown()
        self.httpd.server_close()
