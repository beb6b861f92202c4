"""The action server: rasa-sdk's own app, executor and routes with our actions
(actions/), as `rasa run actions` starts it, with two differences:

- Every call but `/health` (the supervisor's check) must carry the secret that
  Rasa sends (bot/servers/action_secret.py); any other gets 401 and runs
  nothing. Actions store reminders and contacts, and any local user can reach
  this port.
- An action that fails answers a generic 500. rasa-sdk's own answer holds the
  whole request, the patient's words included, and its log line the error's
  text; here the log names only the kind of error and where it was raised.

    python -m bot.servers.action_server [--interface 127.0.0.1] [--port 5055]

The secret comes from HAIP_ACTIONS_SECRET; the supervisor (`python -m bot run`)
or the systemd unit (`python -m bot serve actions`) sets it.
"""

from __future__ import annotations

import argparse
import logging
import os
import traceback

from bot import paths
from bot.servers import action_secret

ACTIONS_PACKAGE = "actions"
HEALTH = "/health"
REFUSED = {"error": "Only the assistant's Rasa server may call this server."}
FAILED = {"error": "The action failed."}

logger = logging.getLogger(__name__)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bot.servers.action_server", description=__doc__
    )
    parser.add_argument("--interface", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5055)
    return parser.parse_args(argv)


def where(exception: BaseException) -> str:
    """The file and line that raised: code, never the values it worked on."""
    frames = traceback.extract_tb(exception.__traceback__)
    if not frames:
        return "unknown place"
    last = frames[-1]
    try:
        name = os.path.relpath(last.filename, paths.ROOT)
    except ValueError:  # another drive
        name = os.path.basename(last.filename)
    return f"{name}:{last.lineno} in {last.name}"


def create_app(secret: str, actions_package: str = ACTIONS_PACKAGE):
    """rasa-sdk's app, behind the secret and with the generic error answer."""
    from rasa_sdk.endpoint import create_app as rasa_sdk_app
    from rasa_sdk.executor import ActionExecutor
    from sanic import response
    from sanic.exceptions import SanicException

    if not secret:
        raise ValueError("the action server needs a secret")
    # No CORS origin: browsers have no business here.
    class DomainAsSent(ActionExecutor):
        """rasa-sdk 3.9 and later want the domain, or the digest of one they have
        seen, on every call, and answer 449 otherwise; Rasa 3.6 sends the domain
        only to actions that ask for it (endpoints.yml: enable_selective_domain)
        and does not retry. Our actions read no domain: they get what was sent."""

        def update_and_return_domain(self, payload, action_name):
            return payload.get("domain") or {}

    executor = DomainAsSent()
    executor.register_package(actions_package)
    app = rasa_sdk_app(executor, cors_origins="")

    async def only_our_rasa(request):
        if request.path == HEALTH:
            return None
        if action_secret.matches(request.headers.get(action_secret.HEADER), secret):
            return None
        return response.json(REFUSED, status=401)

    async def generic_error(request, exception):
        if isinstance(exception, SanicException):  # 404, 405, a body too big ...
            status = exception.status_code
            return response.json({"error": "The request was not accepted."}, status=status)
        logger.error("An action failed: %s at %s", type(exception).__name__, where(exception))
        return response.json(FAILED, status=500)

    app.register_middleware(only_our_rasa, "request")
    # In place of rasa-sdk's handler for every exception, which answers with the
    # error's text and the request; Sanic refuses a second handler for one
    # exception, so the entry is replaced.
    app.error_handler.cached_handlers[(Exception, None)] = generic_error
    return app


def main(argv: list[str] | None = None) -> int:
    from rasa_sdk import utils

    args = parse_args(argv)
    secret = action_secret.take_from_env()
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    app = create_app(secret)
    logger.info("Action server on http://%s:%s", args.interface, args.port)
    # One process: Sanic's worker manager would start the app again in a child.
    app.run(args.interface, args.port, access_log=False, single_process=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
