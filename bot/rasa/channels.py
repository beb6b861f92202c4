"""Our input channels: Rasa's REST and socket.io channels, with what a patient
relies on added (credentials.yml names them by module path; the URL paths
stay /webhooks/rest/webhook and /socket.io).

Both:
  - answer every message within a few seconds, if need be with the `trouble`
    message (see bot/rasa/reply_deadline.py);
  - never log what the patient wrote (Rasa's REST channel logs the text at
    ERROR level when processing times out or fails);
  - pass a message starting with "/" to Rasa as a command only if it is one the
    assistant itself sends, otherwise as text (see bot/servers/typed_commands.py);
  - answer input that is not a message with a clear refusal, never a 500 or
    silence: REST a 400 naming what is wrong (see bot/servers/rest_body.py),
    socket.io the `empty_message` reply to that connection alone;
  - limit how fast one client sends (bot/servers/rate_limit.py): past the
    limit, "please wait a moment" (or the urgent guidance, for a red flag),
    and the message is neither read by the model nor stored;
  - keep no more of a message than the red-flag check reads (20,000 characters).

socket.io also:
  - accepts connections only from the configured origins (Rasa's own channel
    turns python-socketio's origin check off);
  - gives a new chat id for one whose patient has been silent longer than the
    clinic's `chat_id_days` (see bot/servers/chat_ids.py);
  - takes a message only for the chat id this connection was given, so an id
    cannot be used without asking for it.

Settings: the reply deadline comes from HAIP_REPLY_LIMIT_SECONDS (default 5),
the origins from credentials.yml (`cors_allowed_origins`, space-separated,
which `make run` fills from its settings).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncServer

from bot import paths, settings
from bot.content import answers, urgent
from bot.content.loader import ContentError
from bot.content.store import ContentStore
from bot.intents import REPLY_LANGUAGE, URGENT_REPLY
from bot.nlu import input_checks
from bot.rasa.reply_deadline import ReplyDeadline
from bot.servers import chat_ids, rate_limit, rest_body, typed_commands
from bot.servers.trouble_log import TroubleLog

logger = logging.getLogger(__name__)


OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
# The largest socket.io packet taken: a message of MAX_SCANNED_CHARS characters,
# each up to 4 bytes in UTF-8, with room for the JSON around it.
MAX_PACKET_BYTES = 4 * input_checks.MAX_SCANNED_CHARS + 4_096

# One content store per Rasa process, read at start so that it always has a
# last good version to fall back on if staff break a file later.
_content = ContentStore(paths.CONTENT_DIR)


def _load_content_now() -> None:
    try:
        _content.get()
    except ContentError:
        logger.exception("No valid content: the trouble message will be the built-in one")


def trouble_text() -> str:
    try:
        return answers.message(_content.get(), "trouble").text
    except ContentError:
        return answers.CONTENT_UNAVAILABLE.text


def topic_ids() -> frozenset[str]:
    """The topics a button of the assistant may name; none without content."""
    try:
        return frozenset(_content.get().topics)
    except ContentError:
        return frozenset()


def clinic() -> dict:
    return _content.get().clinic


def reply_deadline() -> ReplyDeadline:
    """The deadline from the environment. Reads the content now, so the trouble
    message has a last good version from the start."""
    limit_s = settings.seconds("HAIP_REPLY_LIMIT_SECONDS")
    _load_content_now()
    log = TroubleLog.from_settings()
    return ReplyDeadline(limit_s, trouble_text, on_trouble=log.record)


class RestChannel(RestInput):
    """Rasa's REST channel with a reply deadline. No streaming (`?stream=true`):
    none of our clients use it, and a stream has no single reply to guard."""

    def __init__(self) -> None:
        self.deadline = reply_deadline()
        self.limiter = rate_limit.from_settings()

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> InputChannel:
        return cls()

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                body = rest_body.parse(request.body)
            except rest_body.BadBody as bad:
                return response.json({"error": str(bad)}, status=400)
            if not self.limiter.allow(("rest", body.sender)):
                replies = limited_replies(body.text)
                return response.json(
                    [{"recipient_id": body.sender, "text": r.text} for r in replies], status=429
                )
            collector = CollectingOutputChannel()
            message = UserMessage(
                typed_commands.for_rasa(stored_text(body.text), topic_ids),
                collector,
                body.sender,
                input_channel=body.input_channel or self.name(),
                metadata=body.metadata,
            )
            await self.deadline.handle(on_new_message, message, lambda: bool(collector.messages))
            # What came by the deadline; anything later is in the conversation's history.
            return response.json(list(collector.messages))

        return webhook


def limited_replies(text: str) -> list[answers.Reply]:
    """For a message past the rate limit, which no model reads: the urgent
    guidance if it names a red-flag symptom (the matcher is cheap and a flood
    must not hide an emergency), else "please wait a moment"; in Spanish for a
    Spanish message."""
    from bot.nlu import language, safety

    text = text[: input_checks.MAX_SCANNED_CHARS]
    detection = safety.detect(text)
    spoken = language.SPANISH if language.SPANISH in detection.languages else None
    spoken = spoken or language.detect(text) or language.ENGLISH
    try:
        content = _content.get()
        if detection.urgent:
            ids = [s.id for s in detection.urgent]
            return [answers.Reply(t, urgent=True) for t in urgent.guidance(content, ids, spoken)]
        return [answers.message(content, "rate_limited", language=spoken)]
    except ContentError:
        return [answers.CONTENT_UNAVAILABLE]


def stored_text(text: str) -> str:
    """What Rasa keeps of a message: no more than the red-flag check reads, so one
    client cannot fill the disk with a few huge messages."""
    return text[: input_checks.MAX_SCANNED_CHARS]


def bad_input_reply() -> answers.Reply:
    """For a message that is not text: the reply to an empty one, since the
    patient sees no text of theirs either way."""
    try:
        return answers.message(_content.get(), "empty_message")
    except (ContentError, KeyError):
        return answers.CONTENT_UNAVAILABLE


async def _say_bad_input(output: SocketIOOutput, recipient: str) -> None:
    reply = bad_input_reply()
    if reply.buttons:
        await output.send_text_with_buttons(recipient, reply.text, reply.buttons)
    else:
        await output.send_text_message(recipient, reply.text)


REPLY_MARKS = (REPLY_LANGUAGE, URGENT_REPLY)


class MarkedSocketIOOutput(SocketIOOutput):
    """Rasa's socket.io output, with what the web chat needs to show a reply
    rightly on each part it emits: the language the reply is in (its `lang`)
    and whether it is urgent guidance. Both come in the reply's metadata
    (actions/replies.py); Rasa's own output drops them."""

    _marks: dict[str, Any] = {}

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self._marks = {k: message[k] for k in REPLY_MARKS if message.get(k)}
        await super().send_response(recipient_id, message)

    async def _send_message(self, socket_id: str, response: Any) -> None:
        if isinstance(response, dict) and "text" in response:
            response = {**response, **self._marks}
        await super()._send_message(socket_id, response)


class _WatchedSocketIOOutput(MarkedSocketIOOutput):
    """Knows whether it has sent anything (all of Rasa's sending goes through
    send_response)."""

    sent = False

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        self.sent = True
        await super().send_response(recipient_id, message)


class SocketIOChannel(SocketIOInput):
    def __init__(
        self,
        *args: Any,
        allowed_origins: list[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # None: python-socketio's default, the Rasa server's own origin only.
        self.allowed_origins = allowed_origins
        self.deadline = reply_deadline()
        self.limiter = rate_limit.from_settings()
        self._app: Sanic | None = None

    @classmethod
    def from_credentials(cls, credentials: dict | None) -> InputChannel:
        credentials = credentials or {}
        if credentials.get("jwt_key"):
            raise ValueError("bot.rasa.channels.SocketIOChannel does not support jwt_key")
        return cls(
            credentials.get("user_message_evt", "user_uttered"),
            credentials.get("bot_message_evt", "bot_uttered"),
            credentials.get("namespace"),
            credentials.get("session_persistence", False),
            credentials.get("socketio_path", "/socket.io"),
            metadata_key=credentials.get("metadata_key", "metadata"),
            allowed_origins=str(credentials.get("cors_allowed_origins") or "").split() or None,
        )

    def get_output_channel(self) -> OutputChannel | None:
        """What a reminder, started outside a conversation, is sent through."""
        if self.sio is None:
            return super().get_output_channel()
        return MarkedSocketIOOutput(self.sio, self.bot_message_evt)

    async def _usable(self, chat_id: str) -> bool:
        """Whether a browser may open the conversation of this chat id: one of
        ours, written to only through this channel, whose patient has not been
        silent too long (bot/servers/chat_ids.py)."""
        if not chat_ids.is_ours(chat_id):
            return False
        try:
            # Every session: the last one may hold only a reminder, not the patient.
            tracker = await self._app.ctx.agent.tracker_store.retrieve_full_tracker(chat_id)
        except Exception:
            # Not knowing the age must not cost a patient the conversation;
            # with the store unreadable, the id shows nothing anyway.
            logger.exception("Could not read a conversation to check its chat id's age")
            return True
        events = (
            [
                {
                    "event": e.type_name,
                    "timestamp": e.timestamp,
                    "input_channel": getattr(e, "input_channel", None),
                }
                for e in tracker.events
            ]
            if tracker is not None
            else []
        )
        return chat_ids.opens(events, chat_ids.days_allowed(clinic), self.name())

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        sio = AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=self.allowed_origins,
            # A message is read up to MAX_SCANNED_CHARS characters; a packet of
            # more than this ends the connection instead of being stored.
            max_http_buffer_size=MAX_PACKET_BYTES,
        )
        webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio  # Rasa's get_output_channel (reminders) sends through it
        namespace = self.namespace

        @webhook.listener("before_server_start")
        async def remember_app(app: Sanic, _loop: Any) -> None:
            self._app = app  # its agent has the tracker store

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("session_request", namespace=namespace)
        async def session_request(sid: str, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            if isinstance(asked, str) and asked and await self._usable(asked):
                chat_id = asked
            else:
                chat_id = chat_ids.new_chat_id()
            if self.session_persistence:
                session = await sio.get_session(sid, namespace=namespace)
                if session.get("chat_id") not in (None, chat_id):
                    sio.leave_room(sid, session["chat_id"], namespace=namespace)
                await sio.save_session(sid, {"chat_id": chat_id}, namespace=namespace)
                sio.enter_room(sid, chat_id, namespace=namespace)
            await sio.emit("session_confirm", chat_id, room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any = None) -> None:
            if not isinstance(data, dict) or not isinstance(data.get("message", ""), str):
                # No conversation is touched: the reply goes to this connection only.
                await _say_bad_input(SocketIOOutput(sio, self.bot_message_evt), sid)
                return
            if self.session_persistence:
                session = await sio.get_session(sid, namespace=namespace)
                sender_id = session.get("chat_id")
                if not sender_id or data.get("session_id") != sender_id:
                    logger.warning("Ignored a message for a chat id this connection was not given.")
                    return
            else:
                sender_id = sid
            if not self.limiter.allow(("socket", sid), ("chat", sender_id)):
                output = MarkedSocketIOOutput(sio, self.bot_message_evt)
                for reply in limited_replies(data.get("message", "")):
                    # To this connection alone: nothing is stored.
                    marks = {URGENT_REPLY: True} if reply.urgent else {}
                    await output.send_response(sid, {"text": reply.text, **marks})
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            if not isinstance(metadata, dict):
                metadata = {}
            output = _WatchedSocketIOOutput(sio, self.bot_message_evt)
            message = UserMessage(
                typed_commands.for_rasa(stored_text(data.get("message", "")), topic_ids),
                output,
                sender_id,
                input_channel=self.name(),
                metadata=metadata,
            )
            await self.deadline.handle(on_new_message, message, lambda: output.sent)

        return webhook
