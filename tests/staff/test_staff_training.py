"""The Answers page's model panel and "Retrain now" with Django's test client:
what the page says in each state, one training at a time, audit, roles. The
training itself, in a real browser against the real servers, is in
test_staff_training_browser.py."""

import pytest

from bot import trainings
from bot.content import loader
from bot.training import trainer
from staff.accounts import accounts, roles
from staff.audit.models import Entry
from tests.staff.workspace import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def store(content):
    opened = trainings.TrainingStore()
    yield opened
    opened.close()


def panel_text(client) -> str:
    page = client.get("/content/")
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index('id="model-panel"')
    return html[start : html.index("</section>", start)]


def test_the_page_offers_retraining_only_when_the_examples_changed(editor, store, content):
    store.set_live_model(trainer.model_for(loader.load(content)))
    assert "The model is up to date" in panel_text(editor)
    assert "Retrain now" not in panel_text(editor)
    topic = content / "topics" / "hair_loss.yml"
    # The topic's own examples (its myths have examples too, indented).
    topic.write_text(
        topic.read_text().replace("\nexamples:\n", "\nexamples:\n  - a new way to ask\n", 1)
    )
    text = panel_text(editor)
    assert "Example questions or answers changed" in text and "Retrain now" in text


def test_retrain_now_starts_one_training_and_is_audited(editor, store):
    answer = editor.post("/content/training/start/", follow=True)
    assert "Training started" in answer.content.decode()
    latest = store.latest()
    assert (latest.state, latest.requested_by) == (trainings.QUEUED, "eddie")
    assert Entry.objects.filter(action="asked for training", username="eddie").count() == 1
    again = editor.post("/content/training/start/", follow=True)
    assert "already under way (asked for by eddie)" in again.content.decode()
    assert len(store.recent()) == 1
    # Under way: progress, not the button.
    store.claim_next()
    store.progress(latest.id, "Training the language model", 20)
    text = panel_text(editor)
    assert "Training the language model" in text and 'value="20"' in text
    assert "Retrain now" not in text
    status = editor.get("/content/training/").json()
    assert status["latest"]["under_way"] and status["latest"]["percent"] == 20


def test_a_failed_training_says_why_and_offers_another(editor, store):
    asked = store.request("edna")
    store.claim_next()
    store.failed(asked.id, "The new model did not pass the safety and accuracy check.")
    text = panel_text(editor)
    assert "The last training did not go live" in text
    assert "did not pass the safety and accuracy check" in text
    assert "Retrain now" in text  # the live model is unknown here: offered again


def test_retraining_needs_post_and_the_editor_role(client, content):
    client.force_login(accounts.add("nina", roles.NURSE, PASSWORD))
    assert client.post("/content/training/start/").status_code == 403
    assert client.get("/content/training/").status_code == 403
    client.force_login(accounts.add("eddie", roles.EDITOR, PASSWORD))
    assert client.get("/content/training/start/").status_code == 405
