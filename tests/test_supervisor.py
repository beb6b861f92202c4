"""The supervisor behind `make run`, with its six real child processes: the API
token on no command line and in no output; each child, killed with kill -9,
comes back by itself while the others keep running; a kill -9 of the
supervisor leaves nothing behind. Each recovery time is printed (for the
table in docs/when-something-fails.md)."""

import os
import signal
import time
from pathlib import Path

import pytest
import requests

from bot.servers import action_secret, api_token
from harness.servers import (
    CHILD_MARKERS,
    all_text,
    bot_texts,
    command_line,
    environment,
    live_pids,
    port_open,
    started_assistant,
    tracker_events,
    wait_until,
)
from staff import server as staff_server

pytestmark = pytest.mark.integration

ALL_CHILDREN = tuple(CHILD_MARKERS)
# Generous: on a loaded 2-core machine Rasa alone has taken minutes to load.
BACK_WITHIN_S = {
    "action server": 90,
    "rasa server": 300,
    "web server": 30,
    "reminder scheduler": 30,
}
REMINDER = "Reminder: your pump refill"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    # The recovery checks ask one chat every half second until its answer
    # returns; the rate limit has its own tests (tests/test_integration.py).
    with started_assistant(
        tmp_path_factory.mktemp("supervised"), HAIP_CHAT_BURST="1000"
    ) as running:
        yield running


@pytest.fixture
def report(capsys):
    def say(what: str, seconds: float) -> None:
        with capsys.disabled():
            print(f"\n  recovery time, {what}: {seconds:.1f} s")

    return say


def pids(assistant, names) -> dict[str, int | None]:
    return {name: assistant.child_pid(name) for name in names}


def rest_reply(assistant, sender: str, text: str) -> tuple[int, str]:
    """Status and text of a REST answer; 0 if Rasa did not answer at all."""
    try:
        response = requests.post(
            f"http://127.0.0.1:{assistant.rasa_port}/webhooks/rest/webhook",
            json={"sender": sender, "message": text},
            timeout=60,
        )
    except requests.ConnectionError:
        return 0, ""
    replies = response.json() if response.status_code == 200 else []
    return response.status_code, all_text(replies)


def set_reminder(assistant, sender: str) -> None:
    """A refill reminder that falls due 4 s from now (the test settings)."""
    assistant.ask(sender, "remind me about my refill")
    assert "Done." in all_text(assistant.ask(sender, "in 2 weeks"))


def reminder_delivered(assistant, sender: str) -> bool:
    texts = bot_texts(Path(assistant.env["HAIP_TRACKER_DB"]), sender)
    return any(t.startswith(REMINDER) for t in texts)


def names_a_port(line: str, ports) -> bool:
    """`--port 5005`, `http://127.0.0.1:5005`: an argument that is or ends with one."""
    wanted = {str(port) for port in ports}
    return any(arg.rsplit(":", 1)[-1] in wanted for arg in line.split())


def kill(pid: int) -> float:
    os.kill(pid, signal.SIGKILL)
    return time.monotonic()


def test_the_api_token_is_on_no_command_line_and_in_no_output(assistant):
    token = environment(assistant.child_pid("rasa server"))[api_token.VARIABLE]
    assert len(token) == 64
    # Use the API the ways the children do, so anything that would print it has.
    assistant.ask("patient-token", "hello")
    history = requests.get(f"{assistant.web_url}/api/history/{'a' * 32}", timeout=20)
    assert history.status_code == 200

    on_command_line = [command_line(pid) for pid in live_pids() if token in command_line(pid)]
    assert on_command_line == []
    assert not any(token in line for line in assistant.output)
    # Only the processes that use Rasa's API get it; the supervisor holds it in memory.
    holders = {
        name: environment(assistant.child_pid(name)).get(api_token.VARIABLE) == token
        for name in ALL_CHILDREN
    }
    assert holders == {
        "action server": False,
        "rasa server": True,
        "web server": True,
        "reminder scheduler": True,
        "staff workspace": False,
        "review log": False,
        "trainer": False,
    }
    assert api_token.VARIABLE not in environment(assistant.process.pid)


def test_only_rasa_calls_the_action_server_and_its_secret_is_never_shown(assistant):
    secret = environment(assistant.child_pid("rasa server"))[action_secret.VARIABLE]
    assert len(secret) == 64
    # Rasa calls the action server (the welcome and the answer are actions) ...
    assert "hospital" in all_text(assistant.ask("patient-secret", "how long is the hospital stay"))
    # ... and nobody else does.
    forged = requests.post(
        f"http://127.0.0.1:{assistant.actions_port}/webhook",
        json={
            "next_action": "action_set_reminder",
            "tracker": {"sender_id": "patient-secret", "slots": {"refill_date": "9999-12-31"}},
        },
        timeout=20,
    )
    assert forged.status_code == 401 and "9999" not in forged.text

    assert not any(secret in command_line(pid) for pid in live_pids())
    assert not any(secret in line for line in assistant.output)
    holders = {
        name: environment(assistant.child_pid(name)).get(action_secret.VARIABLE) == secret
        for name in ALL_CHILDREN
    }
    assert {name for name, has in holders.items() if has} == {"action server", "rasa server"}
    assert not environment(assistant.process.pid).get(action_secret.VARIABLE)


def test_a_killed_action_server_comes_back_and_answers_return_by_themselves(assistant, report):
    question = "how long is the hospital stay"
    assert "about 3 days" in all_text(assistant.ask("patient-outage", question))
    others = pids(assistant, ["rasa server", "web server", "reminder scheduler"])
    old = assistant.child_pid("action server")

    killed_at = kill(old)
    # The next reply comes at once, and says what is wrong and whom to call.
    asked_at = time.monotonic()
    status, text = rest_reply(assistant, "patient-outage", question)
    waited = time.monotonic() - asked_at
    assert status == 200 and "having trouble" in text and "(555) 555-0100" in text, text
    assert waited < 8, waited
    report("trouble message after kill -9 of the action server", waited)
    statuses = []

    def real_answer() -> bool:
        status, text = rest_reply(assistant, "patient-outage", question)
        statuses.append(status)
        return "about 3 days" in text

    assert wait_until(real_answer, BACK_WITHIN_S["action server"], every_s=0.5)
    report("action server (kill -9 to a real answer)", time.monotonic() - killed_at)
    assert statuses and all(status == 200 for status in statuses), statuses
    assert assistant.child_pid("action server") not in (None, old)
    assert pids(assistant, others) == others
    assert any("The action server stopped (killed by SIGKILL)" in line for line in assistant.output)


def test_a_killed_web_server_comes_back(assistant, report):
    others = pids(assistant, ["action server", "rasa server", "reminder scheduler"])
    killed_at = kill(assistant.child_pid("web server"))

    def page_loads() -> bool:
        try:
            return requests.get(f"{assistant.web_url}/", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    assert wait_until(page_loads, BACK_WITHIN_S["web server"])
    report("web server (kill -9 to the page loading)", time.monotonic() - killed_at)
    assert pids(assistant, others) == others


def test_a_killed_trainer_comes_back(assistant, report):
    others = pids(assistant, ["rasa server", "web server"])
    old = assistant.child_pid("trainer")
    killed_at = kill(old)
    assert assistant.wait_for_new_child("trainer", old, BACK_WITHIN_S["web server"])
    report("trainer (kill -9 to running again)", time.monotonic() - killed_at)
    assert pids(assistant, others) == others


def test_a_killed_scheduler_comes_back_and_delivers_the_reminder(assistant, report):
    others = pids(assistant, ["action server", "rasa server", "web server"])
    set_reminder(assistant, "patient-scheduler-crash")
    old = assistant.child_pid("reminder scheduler")
    killed_at = kill(old)

    within_s = BACK_WITHIN_S["reminder scheduler"]
    assert assistant.wait_for_new_child("reminder scheduler", old, within_s)
    report("reminder scheduler (kill -9 to running again)", time.monotonic() - killed_at)
    assert wait_until(lambda: reminder_delivered(assistant, "patient-scheduler-crash"), 60)
    assert pids(assistant, others) == others


def test_kill_9_of_the_scheduler_between_claim_and_delivery_delivers_exactly_once(assistant):
    import datetime as dt

    from bot.reminders.store import ReminderStore

    sender = "patient-claimed-then-killed"
    assistant.ask(sender, "how long is the hospital stay")
    store = ReminderStore(assistant.env["HAIP_REMINDERS_DB"])
    rasa = assistant.child_pid("rasa server")
    # Rasa frozen: the scheduler claims the reminder, then waits on its trigger.
    os.kill(rasa, signal.SIGSTOP)
    try:
        reminder = store.set(
            sender, dt.date.today() + dt.timedelta(days=3), dt.datetime.now(dt.timezone.utc)
        )
        assert wait_until(lambda: store.get(reminder.id).status == "delivering", 30)
        old = assistant.child_pid("reminder scheduler")
        kill(old)
    finally:
        os.kill(rasa, signal.SIGCONT)
    assert assistant.wait_for_new_child("reminder scheduler", old, 30)
    assert wait_until(lambda: store.get(reminder.id).status == "sent", 90)
    time.sleep(3)  # room for a second message, if one were coming
    texts = bot_texts(Path(assistant.env["HAIP_TRACKER_DB"]), sender)
    assert sum(t.startswith(REMINDER) for t in texts) == 1, texts
    outcomes = [a["outcome"] for a in store.attempts(reminder.id)]
    assert outcomes[0] == "interrupted" and outcomes[-1] == "delivered", outcomes
    assert store.current(sender).refill_date == dt.date.today() + dt.timedelta(days=17)


def test_a_killed_rasa_comes_back_with_its_conversations(assistant, report):
    db = Path(assistant.env["HAIP_TRACKER_DB"])
    assistant.ask("patient-rasa-crash", "how long is the hospital stay")
    before = tracker_events(db, "patient-rasa-crash")
    # Falls due while Rasa is down: the scheduler's calls fail until it is back.
    set_reminder(assistant, "patient-reminder-during-outage")
    others = pids(assistant, ["action server", "web server", "reminder scheduler"])

    killed_at = kill(assistant.child_pid("rasa server"))

    def real_answer() -> bool:
        return "hot tubs" in rest_reply(assistant, "patient-rasa-crash", "can i use a hot tub")[1]

    assert wait_until(real_answer, BACK_WITHIN_S["rasa server"], every_s=1)
    report("rasa server (kill -9 to a real answer)", time.monotonic() - killed_at)
    after = tracker_events(db, "patient-rasa-crash")
    assert after[: len(before)] == before and len(after) > len(before)
    assert wait_until(lambda: reminder_delivered(assistant, "patient-reminder-during-outage"), 60)
    assert pids(assistant, others) == others
    # The scheduler's failed calls named URLs that hold the token: none of it printed.
    token = environment(assistant.child_pid("rasa server"))[api_token.VARIABLE]
    assert not any(token in line for line in assistant.output)


def test_kill_9_of_the_supervisor_leaves_nothing_running_and_a_restart_works(assistant, report):
    # The supervisor, its children, gunicorn's workers, and the Rasa server's two:
    # MiniLM's process and multiprocessing's resource tracker (bot/nlu/embedding_process.py).
    # Not the retention job, which runs now and then for a moment.
    rasa_helpers = 2
    steady = [p for p in assistant.own_processes() if "staff retention" not in command_line(p)]
    assert len(steady) == 1 + len(ALL_CHILDREN) + staff_server.WORKERS + rasa_helpers, "\n".join(
        command_line(p)[:100] for p in steady
    )
    killed_at = kill(assistant.process.pid)
    assistant.process.wait(timeout=10)

    def nothing_left() -> bool:
        by_command_line = [
            pid for pid in live_pids() if names_a_port(command_line(pid), assistant.ports)
        ]
        listening = [port for port in assistant.ports if port_open(port)]
        return not assistant.own_processes() and not by_command_line and not listening

    assert wait_until(nothing_left, 5), [command_line(p) for p in assistant.own_processes()]
    report("supervisor (kill -9 to nothing of ours left)", time.monotonic() - killed_at)

    started_at = time.monotonic()
    assistant.start()
    report("supervisor (restart to ready)", time.monotonic() - started_at)
    assert "about 3 days" in all_text(assistant.ask("patient-after", "hospital stay?"))
    assert all(assistant.child_pid(name) for name in ALL_CHILDREN)
