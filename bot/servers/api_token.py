"""The token of Rasa's HTTP API: made anew by the supervisor at every start and
handed only to the processes that call or serve the API (Rasa, the web server,
the reminder scheduler) through their environment.

Never on a command line, where any local user reads it with `ps`; a process's
environment is readable only by its own user.
"""

from __future__ import annotations

import logging
import os
import secrets

VARIABLE = "HAIP_RASA_API_TOKEN"
REDACTED = "[api-token]"


def new() -> str:
    # Hex: URL-safe tokens can start with "-", which once broke Rasa's argument parsing.
    return secrets.token_hex(32)


def take_from_env(variable: str = VARIABLE) -> str:
    """The token (or another secret the supervisor hands out), removed from this
    process's environment so that nothing it starts inherits it."""
    token = os.environ.pop(variable, "")
    if not token:
        raise SystemExit(f"{variable} is not set: this is started by `python -m bot run`.")
    return token


def keep_out_of_logs(token: str) -> None:
    """Replace the token in every log line this process writes, tracebacks
    included: a failed API call's error names its URL, and the URL holds the
    token. A record factory covers every logger and handler, also those a
    library sets up later."""
    make_record = logging.getLogRecordFactory()

    def redacting_record(*args, **kwargs) -> logging.LogRecord:
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed call; logging reports it itself
            return record
        if token in message:
            record.msg, record.args = message.replace(token, REDACTED), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text and token in record.exc_text:
            record.exc_text = record.exc_text.replace(token, REDACTED)
        return record

    logging.setLogRecordFactory(redacting_record)
