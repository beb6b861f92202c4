"""The web server and the reminder scheduler as processes of their own, so the
supervisor (`python -m bot run`) can restart either one alone:

    python -m bot web          the chat widget's files, demo page and history
    python -m bot scheduler    delivers refill reminders when they are due

Both take their settings from the environment, as `run` does, and the Rasa API
token from HAIP_RASA_API_TOKEN. Each runs until SIGTERM or SIGINT.
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable

from bot import paths
from bot.content.loader import Content
from bot.servers import api_token
from bot.settings import Settings

STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}

logger = logging.getLogger(__name__)


def _set_up(name: str) -> tuple[Settings, str, Callable[[], Content]]:
    from bot.content.store import ContentStore

    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format=f"%(asctime)s %(levelname)-7s {name}: %(name)s - %(message)s",
    )
    token = api_token.take_from_env()
    api_token.keep_out_of_logs(token)
    return Settings.from_env(), token, ContentStore(paths.CONTENT_DIR).get


def _run_until_stopped(start: Callable[[], None], stop: Callable[[], None]) -> int:
    # Blocked before start(), so the threads it starts inherit the mask and the
    # stop signal always comes to sigwait here.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    start()
    signal.sigwait(STOP_SIGNALS)
    stop()
    return 0


def run_web_server() -> int:
    from bot.servers.web import WebServer

    settings, token, content = _set_up("web")
    try:
        web = WebServer(settings, token, lambda: content().clinic)
    except OSError as exc:
        logger.error("The web chat port %s is not free (%s)", settings.web_port, exc.strerror)
        return 1
    return _run_until_stopped(web.start, web.stop)


def run_reminder_scheduler() -> int:
    from bot.servers.supervisor import reminder_scheduler

    settings, token, content = _set_up("scheduler")
    scheduler = reminder_scheduler(settings, token, content)
    return _run_until_stopped(lambda: scheduler.start(settings.reminder_poll_s), scheduler.stop)
