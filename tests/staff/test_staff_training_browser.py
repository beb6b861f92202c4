"""Retraining from the staff workspace, in a real browser through nginx and
HTTPS, against the shared assistant: an editor adds example questions, presses
"Retrain now" and watches the progress; patients asking meanwhile are answered
all along, through training, the gates and the move to the new model; then one
of the new questions gets its topic. The failure paths are in tests/with_rasa/test_trainer.py."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import requests
from playwright.sync_api import expect

from bot import trainings
from harness.servers import all_text, live_pids, wait_until
from tests.browser import SCREENSHOTS, axe_violations
from tests.staff.workspace import LAUNCHER, new_page, signed_in

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]
TOPIC = "travel_and_id_card"
# Trips patients ask about that the shipped model does not match to the topic
# (it is not sure, or calls them off-topic: checked first).
NEW_EXAMPLES = [
    "is a long drive to see family fine with the pump",
    "my kids want to visit grandma in florida, is that ok with the pump",
    "we want a holiday in spain next month",
]
ASKED_LATER = NEW_EXAMPLES[0]
TOPIC_ANSWER = "pump ID card"
TRAINING_TIMEOUT_S = 15 * 60


@pytest.fixture
def editor(browser, workspace):
    yield from signed_in(browser, workspace, "eddie", "Answers")


class Patients:
    """Patients asking an FAQ question every 2 s over REST, each reply timed."""

    def __init__(self, port: int):
        self.port, self.replies, self.problems = port, [], []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._ask, daemon=True)

    def _ask(self) -> None:
        n = 0
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                response = requests.post(
                    f"http://127.0.0.1:{self.port}/webhooks/rest/webhook",
                    json={"sender": f"during-training-{n % 4}", "message": "how do refills work"},
                    timeout=60,
                )
                text = all_text(response.json()) if response.ok else f"HTTP {response.status_code}"
                if "refill" not in text.lower():
                    self.problems.append(text[:200])
            except requests.RequestException as exc:
                self.problems.append(type(exc).__name__)
            self.replies.append(time.monotonic() - started)
            n += 1
            self.stopping.wait(2)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=120)


def topic_answered(workspace, sender: str, question: str) -> bool:
    return TOPIC_ANSWER in all_text(workspace.assistant.ask(sender, question))


def chat_page(browser, workspace):
    """The patient chat, open on the clinic's page all through the training."""
    page = new_page(browser, 390, 800)
    page.goto(workspace.assistant.web_url + "/")
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.locator(".haip-msg--assistant").first).to_contain_text("not a person")
    return page


def chat_asks(page, text: str, expected: str) -> None:
    replies = page.locator(".haip-msg--assistant")
    before = replies.count()
    page.get_by_label("Type your question").fill(text)
    page.get_by_role("button", name="Send").click()
    expect(replies.nth(before)).to_contain_text(expected)


def test_retraining_from_the_page_teaches_new_questions_while_patients_are_answered(
    browser, workspace, editor
):
    assistant = workspace.assistant
    assert not topic_answered(workspace, "trip-before", ASKED_LATER), "pick a new phrasing"
    rasa_before = assistant.child_pid("rasa server")
    patient = chat_page(browser, workspace)

    editor.goto(f"{workspace.url}/content/{TOPIC}/")
    examples = editor.get_by_label("Example questions (one per line)")
    examples.fill(examples.input_value().rstrip() + "\n" + "\n".join(NEW_EXAMPLES))
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_role("status")).to_contain_text("retrain from the Answers page")

    editor.goto(f"{workspace.url}/content/")
    panel = editor.locator("#model-panel")
    expect(panel).to_contain_text("Example questions or answers changed")
    with Patients(assistant.rasa_port) as patients:
        editor.get_by_role("button", name="Retrain now").click()
        expect(editor.get_by_role("status").first).to_contain_text("Training started")
        expect(editor.get_by_role("progressbar")).to_be_visible()
        # The bar moves on its own (training.js), without a reload.
        editor.wait_for_function(
            "() => document.getElementById('training-progress').value >= 10", timeout=600_000
        )
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        panel.screenshot(path=str(SCREENSHOTS / "staff-retrain.png"))
        assert axe_violations(editor) == []  # the page with its progress bar
        # Asked in the chat during training.
        chat_asks(patient, "how long is the hospital stay", "stay in the hospital")
        expect(panel).to_contain_text("Checking the new model", timeout=600_000)
        expect(panel).to_contain_text("is answering patients", timeout=TRAINING_TIMEOUT_S * 1000)
        # The old server finishes its replies and goes; patients go on asking.
        assert wait_until(lambda: rasa_before not in live_pids(), 60)
        time.sleep(4)
    rasa_after = assistant.child_pid("rasa server")
    assert rasa_after not in (None, rasa_before)
    assert patients.problems == [], patients.problems
    assert len(patients.replies) >= 30  # asked all through training and the move
    expect(panel).to_contain_text("Accuracy")
    expect(panel).to_contain_text("The model is up to date")

    # The chat that was open all along reconnects to the new server by itself.
    chat_asks(patient, ASKED_LATER, TOPIC_ANSWER)
    patient.context.close()
    assert topic_answered(workspace, "trip-after", ASKED_LATER)
    store = trainings.TrainingStore(workspace.root / "training" / "trainings.db")
    try:
        live = store.latest()
    finally:
        store.close()
    assert live.state == trainings.LIVE_STATE and live.requested_by == "eddie"
    assert (workspace.root / "models" / live.model).is_file()
    print(
        f"\nRetrain from the page: {len(patients.replies)} questions answered during it, "
        f"slowest {max(patients.replies):.2f} s"
    )


def test_a_nurse_cannot_start_a_training(browser, workspace):
    for page in signed_in(browser, workspace, "nina", "Inbox"):
        response = page.request.post(f"{workspace.url}/content/training/start/")
        assert response.status == 403
        assert page.request.get(f"{workspace.url}/content/training/").status == 403


def test_a_new_model_that_cannot_start_leaves_the_current_one_answering(workspace):
    """The supervisor's side: a model that passed but does not load (here, a
    damaged file) is given up, said why, and patients never notice."""
    assistant = workspace.assistant
    rasa_before = assistant.child_pid("rasa server")
    damaged = workspace.root / "models" / "haip-00000000000000ff.tar.gz"
    damaged.write_bytes(b"not a model")
    store = trainings.TrainingStore(workspace.root / "training" / "trainings.db")
    try:
        live_before = store.live_model()
        # Held here, not by the trainer (paused meanwhile): it would train a real model.
        trainer_pid = assistant.child_pid("trainer")
        os.kill(trainer_pid, signal.SIGSTOP)
        try:
            asked = store.request("eddie")
            assert store.claim_next().id == asked.id
            store.passed(asked.id, damaged.name, "")
        finally:
            os.kill(trainer_pid, signal.SIGCONT)
        with Patients(assistant.rasa_port) as patients:
            assert wait_until(lambda: not store.get(asked.id).under_way, 300, 1)
            time.sleep(2)
        ended = store.get(asked.id)
        assert ended.state == trainings.FAILED
        assert "could not be started" in ended.message
        assert "current model keeps answering" in ended.message
        assert store.live_model() == live_before
    finally:
        store.close()
        damaged.unlink()
    assert patients.problems == [] and patients.replies
    assert assistant.child_pid("rasa server") == rasa_before
    assert "refill" in all_text(assistant.ask("after-damaged", "how do refills work")).lower()
