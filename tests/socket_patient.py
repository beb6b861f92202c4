"""A socket.io client as the web chat uses it, for the integration tests."""

import threading
import time


class SocketPatient:
    """Asks for a chat id, then talks under the id the server confirms (it may
    give a new one), keeping every bot message. `origin` is sent as a browser
    would send it."""

    def __init__(self, port: int, session_id: str | None, origin: str | None = None):
        import socketio

        self.port, self.session_id, self.origin = port, session_id, origin
        self.chat_id: str | None = None
        self.messages: list[dict] = []
        self._confirmed = threading.Event()
        self.client = socketio.Client()
        self.client.on("session_confirm", self._confirm)
        self.client.on("bot_uttered", self.messages.append)

    def _confirm(self, chat_id: str) -> None:
        self.chat_id = chat_id
        self._confirmed.set()

    @property
    def texts(self) -> list[str]:
        return [m.get("text") or "" for m in self.messages]

    def __enter__(self) -> "SocketPatient":
        headers = {"Origin": self.origin} if self.origin else {}
        self.client.connect(
            f"http://127.0.0.1:{self.port}", headers=headers, transports=["polling"]
        )
        self.client.emit("session_request", {"session_id": self.session_id})
        assert self._confirmed.wait(30)
        return self

    def __exit__(self, *exc) -> None:
        self.client.disconnect()

    def say(self, text: str, as_id: str | None = None) -> None:
        session_id = as_id or self.chat_id
        self.client.emit("user_uttered", {"session_id": session_id, "message": text})

    def wait_for(self, words: str, timeout: float = 60) -> bool:
        return self.first(lambda m: words in (m.get("text") or ""), timeout) is not None

    def first(self, matches, timeout: float = 60) -> dict | None:
        """The first message that matches, waiting for it up to timeout seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in list(self.messages):
                if matches(message):
                    return message
            time.sleep(0.2)
        return None
