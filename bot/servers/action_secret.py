"""The secret Rasa shows the action server on every call, in a header that
endpoints.yml sends: actions store reminders and contacts, and any local user
can reach the action server's port, so only a caller holding the secret may run
one (bot/servers/action_server.py checks it).

Made anew by the supervisor at every start and handed only to the action server
and the Rasa server, through their environment; scaled out, it is in the units'
secrets file beside Rasa's API token. Never on a command line, where any local
user reads it with `ps`, and never in a log line.
"""

from __future__ import annotations

import hmac

from bot.servers import api_token

VARIABLE = "HAIP_ACTIONS_SECRET"
HEADER = "X-HAIP-Actions-Secret"
# What every other process that reads endpoints.yml (Rasa's test and train
# commands) has, so the file reads: it matches no action server's secret.
NONE = ""


def new() -> str:
    return api_token.new()


def take_from_env() -> str:
    """The secret, removed from this process's environment (as the API token is)."""
    return api_token.take_from_env(VARIABLE)


def matches(given: str | None, secret: str) -> bool:
    """In constant time, so the answer's timing tells nothing about the secret."""
    if not secret:
        return False
    return hmac.compare_digest((given or "").encode("utf-8", "replace"), secret.encode())
