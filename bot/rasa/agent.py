"""A trained model in this process, for what parses or converses without a
server: `bot eval`'s gates, the wild set and the measurements in bench/. The
model is loaded after install(), as on every path into Rasa, so these measure
the code patients get."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import bot.rasa

if TYPE_CHECKING:
    from rasa.core.agent import Agent


def quiet_logs() -> None:
    """Without Rasa's CLI, its structured logger prints every parsed message
    (debug level) to stdout; keep message text out of the output."""
    from rasa.utils.log_utils import configure_structlog

    configure_structlog(logging.WARNING)
    logging.getLogger("rasa").setLevel(logging.WARNING)


def load(model: Path, action_url: str | None = None, headers: dict | None = None) -> Agent:
    """The model, ready to parse; with an action server if action_url is given."""
    bot.rasa.install()
    print(bot.rasa.describe(), file=sys.stderr, flush=True)
    quiet_logs()
    from rasa.core.agent import Agent
    from rasa.utils.endpoints import EndpointConfig

    endpoint = EndpointConfig(action_url, headers=headers or {}) if action_url else None
    return Agent.load(str(model), action_endpoint=endpoint)


def nlu_examples(path: Path) -> list[tuple[str, str]]:
    """(text, label) of each example in a Rasa NLU file; the label is the intent,
    or faq/<topic> for an FAQ question."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(path))
    return [
        (m.get("text"), m.get("intent_response_key") or m.get("intent"))
        for m in data.intent_examples
    ]
