"""The one client for Rasa's HTTP API (bound to 127.0.0.1, with a token made at
every start). The token goes in the query string, as Rasa expects; it never
appears in a log line of ours, and errors name only the path."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import requests


class RasaAPIError(Exception):
    pass


class RasaUnreachable(RasaAPIError):
    """Nothing listens: Rasa is down or still starting."""


class RasaAPI:
    def __init__(self, url: str, token: str, timeout_s: float = 30):
        self.url = url.rstrip("/")
        self.token = token
        self.timeout_s = timeout_s
        self.session = requests.Session()

    def _conversation(self, sender_id: str, what: str) -> str:
        return f"{self.url}/conversations/{urllib.parse.quote(sender_id, safe='')}/{what}"

    def _call(self, method: str, url: str, expect: int = 200, **kwargs) -> dict:
        try:
            response = self.session.request(
                method,
                url,
                params={"token": self.token, **kwargs.pop("params", {})},
                timeout=kwargs.pop("timeout", self.timeout_s),
                **kwargs,
            )
        except requests.ConnectionError as exc:
            # The exception's text holds the URL, and with it the token.
            raise RasaUnreachable(f"{method} {_path(url)}: {type(exc).__name__}") from None
        except requests.RequestException as exc:
            raise RasaAPIError(f"{method} {_path(url)}: {type(exc).__name__}") from None
        if response.status_code != expect:
            raise RasaAPIError(f"{method} {_path(url)}: HTTP {response.status_code}")
        return {} if response.status_code == 204 else response.json()  # 204: no content

    def tracker(self, sender_id: str) -> dict:
        return self._call("GET", self._conversation(sender_id, "tracker"))

    def trigger_intent(
        self, sender_id: str, intent: str, entities: dict, output_channel: str = "latest"
    ) -> dict:
        """Runs what the intent triggers in the conversation; messages go to the
        channel the patient last used. Returns the tracker after it."""
        return self._call(
            "POST",
            self._conversation(sender_id, "trigger_intent"),
            params={"output_channel": output_channel},
            json={"name": intent, "entities": entities},
        )["tracker"]

    def parse(self, text: str, timeout_s: float | None = None) -> dict:
        return self._call(
            "POST", f"{self.url}/model/parse", json={"text": text}, timeout=timeout_s or 120
        )

    def status(self) -> dict:
        """Rasa's `GET /status`: "model_file" is the model it answers with."""
        return self._call("GET", f"{self.url}/status")

    def load_model(self, model_file: Path | str, timeout_s: float = 600) -> None:
        """Rasa's `PUT /model` (HTTP 204 when done): loads a model file from
        models/, the only place bot/rasa/server.py loads from, in place of
        the current one. Rasa answers nobody while it loads (docs/decisions/001-rasa-server.md);
        the supervisor's switch to a new model does not use it."""
        self._call(
            "PUT",
            f"{self.url}/model",
            expect=204,
            json={"model_file": str(model_file)},
            timeout=timeout_s,
        )


def _path(url: str) -> str:
    """Sender ids are pseudonymous, but still kept out of error messages."""
    path = urllib.parse.urlsplit(url).path
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "conversations":
        parts[2] = "…"
    return "/".join(parts)
