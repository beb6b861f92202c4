"""The real action server, started with the command and environment the
supervisor gives it, called over HTTP as Rasa calls it and as anyone else on
the machine could: only calls with the secret run an action, a forged slot
stores nothing, and a failing action answers a generic 500."""

import datetime as dt
import subprocess
from pathlib import Path

import pytest
import requests

from bot import paths
from bot.reminders.store import ReminderStore
from bot.servers import action_secret, supervisor
from bot.settings import Settings
from harness.servers import free_port, wait_until

PATIENT_TEXT = "my name is Zed Quux and my refill is at St Example"


class ActionServer:
    def __init__(self, root: Path):
        self.port = free_port()
        self.reminders_db = root / "reminders.db"
        settings = Settings.from_env(
            {
                "HAIP_ACTIONS_PORT": str(self.port),
                "HAIP_REMINDERS_DB": str(self.reminders_db),
                "HAIP_TRACKER_DB": str(root / "tracker.db"),
            }
        )
        child = supervisor.Supervisor(settings, Path("unused.tar.gz")).children[supervisor.ACTIONS]
        self.command, self.env = child.command, child.env
        self.secret = self.env.get(action_secret.VARIABLE, "")
        self.url = f"{settings.actions_url}/webhook"
        self.health_url = child.ready_url
        self.log = root / "actions.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                self.command, cwd=paths.ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        if not wait_until(lambda: supervisor.is_up(self.health_url), 120):
            self.stop()
            raise AssertionError("action server did not start:\n" + self.output())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def call(self, action: str, slots=None, headers=None, **tracker) -> requests.Response:
        """A call as Rasa makes it, with the patient's text in it."""
        state = {
            "sender_id": "patient-forged",
            "slots": {"language": "en", **(slots or {})},
            "latest_message": {"text": PATIENT_TEXT, "intent": {}, "entities": []},
            # A conversation under way: no welcome before the answer.
            "events": [
                {"event": "session_started"},
                {"event": "bot", "text": "earlier"},
                {"event": "user", "text": PATIENT_TEXT},
            ],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
            **tracker,
        }
        body = {"next_action": action, "sender_id": state["sender_id"], "tracker": state}
        return requests.post(
            self.url, json={**body, "domain": {}, "version": "3.6.21"}, headers=headers, timeout=60
        )

    def with_secret(self) -> dict[str, str]:
        return {action_secret.HEADER: self.secret}

    def stored(self) -> list:
        return ReminderStore(self.reminders_db).all()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = ActionServer(tmp_path_factory.mktemp("action-server"))
    running.start()
    try:
        yield running
    finally:
        running.stop()


def in_two_weeks() -> str:
    return (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=14)).date().isoformat()


def test_the_secret_is_made_for_the_action_server_and_on_no_command_line(server):
    assert len(server.secret) == 64
    assert not any(server.secret in arg for arg in server.command)
    assert server.command[2] == "bot.servers.action_server"


@pytest.mark.parametrize(
    "headers",
    [None, {action_secret.HEADER: ""}, {action_secret.HEADER: "0" * 64}, {"X-Other": "x"}],
    ids=["none", "empty", "wrong", "other-header"],
)
def test_a_call_without_the_secret_is_refused_and_changes_nothing(server, headers):
    before = server.stored()
    response = server.call("action_set_reminder", {"refill_date": in_two_weeks()}, headers=headers)
    assert response.status_code == 401
    assert PATIENT_TEXT not in response.text and "Zed" not in response.text
    assert server.stored() == before
    assert server.call("action_cancel_reminders", headers=headers).status_code == 401
    listing = requests.get(server.url.replace("/webhook", "/actions"), headers=headers, timeout=10)
    assert listing.status_code == 401
    assert PATIENT_TEXT not in server.output()


def test_the_health_check_needs_no_secret(server):
    assert requests.get(server.health_url, timeout=10).status_code == 200


def test_a_call_with_the_secret_sets_the_reminder(server):
    refill = in_two_weeks()
    response = server.call(
        "action_set_reminder",
        {"refill_date": refill},
        headers=server.with_secret(),
        sender_id="patient-honest",
    )
    assert response.status_code == 200, response.text
    assert "Done." in response.json()["responses"][0]["text"]
    assert [r.refill_date.isoformat() for r in server.stored() if r.sender_id == "patient-honest"]
    assert refill in [r.refill_date.isoformat() for r in server.stored()]


@pytest.mark.parametrize(
    "forged, says",
    [
        ("9999-12-31", "more than a year away"),
        ("2001-01-01", "already passed"),
        ("banana", "could not read that as a date"),
        ("9" * 100_000, "could not read that as a date"),
        (["2026", "12", "3"], "could not read that as a date"),
    ],
    ids=["year-9999", "past", "garbage", "huge", "not-a-string"],
)
def test_a_forged_refill_date_with_the_secret_stores_nothing_and_is_answered(server, forged, says):
    before = server.stored()
    response = server.call(
        "action_set_reminder",
        {"refill_date": forged},
        headers=server.with_secret(),
        sender_id="patient-forger",
    )
    assert response.status_code == 200, response.text[:300]
    texts = [m.get("text") or "" for m in response.json()["responses"]]
    assert says in texts[0]
    assert server.stored() == before
    # The form's slots are emptied, so the patient can start again.
    slots = {e["name"]: e["value"] for e in response.json()["events"] if e["event"] == "slot"}
    assert slots["refill_date"] is None


def test_an_action_that_fails_answers_a_generic_500(server):
    # A tracker whose latest message is not what Rasa sends: the action raises.
    response = server.call(
        "action_next_refill",
        headers=server.with_secret(),
        latest_message=PATIENT_TEXT,
        sender_id="patient-broken",
    )
    assert response.status_code == 500
    assert response.json() == {"error": "The action failed."}
    assert PATIENT_TEXT not in response.text and "patient-broken" not in response.text
    output = server.output()
    assert "An action failed: AttributeError" in output
    assert PATIENT_TEXT not in output and "Zed Quux" not in output
    assert server.secret not in output
