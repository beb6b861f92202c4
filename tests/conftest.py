import os
import shutil
from pathlib import Path

import pytest
import yaml

from bot import paths, runtimes
from harness.servers import models_copy, started_assistant
from tests.ports import CLINIC_SITE, STAFF_PUBLIC_URL

# The servers the tests start run on the test environments (`make test` says so
# too; this is for a test run by hand).
TEST_ENVIRONMENTS = {runtimes.CORE: ".venv-test", runtimes.RASA: ".venv-rasa-test"}
for _runtime, _folder in TEST_ENVIRONMENTS.items():
    os.environ.setdefault(runtimes.VARIABLES[_runtime], str(paths.ROOT / _folder / "bin/python"))

# The browser tests of the chat widget (tests/test_widget.py) and of the staff
# workspace (tests/staff/test_staff_browser.py) share one assistant, because
# starting one takes a minute or more; each test keeps to its own conversations.
# Long enough for a slow machine to close the chat before a test reminder comes.
REMINDER_LEAD_S = 10


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A private copy of the demo content that a test may change."""
    target = tmp_path / "content"
    shutil.copytree(paths.ROOT / "content", target)
    return target


def action_tracker(slots=None, sender="patient-7"):
    """rasa-sdk's real Tracker, as an action gets it, in a conversation under way."""
    from rasa_sdk import Tracker

    events = [{"event": "session_started"}, {"event": "bot", "text": "earlier"}]
    return Tracker(
        sender,
        slots or {},
        {"text": "x", "intent": {}, "entities": []},
        events,
        False,
        None,
        {},
        "action_listen",
    )


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))


@pytest.fixture(scope="session")
def browser_assistant(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser-assistant")
    with started_assistant(
        root,
        HAIP_MODELS_DIR=str(models_copy(root)),
        HAIP_TRAINING_DIR=str(root / "training"),
        HAIP_CORS_ORIGINS=CLINIC_SITE,
        HAIP_REMINDER_LEAD_SECONDS=str(REMINDER_LEAD_S),
        HAIP_STAFF_URL=STAFF_PUBLIC_URL,
        # The review log's load tests send 20 messages a sender in a few seconds;
        # the rate limit has its own tests (tests/test_integration.py).
        HAIP_CHAT_BURST="50",
    ) as running:
        yield running
