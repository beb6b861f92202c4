"""The translations pages with Django's test client, on a private copy of the
content: a change to the English shows the translation out of date; an editor
writes drafts, only a translator marks one reviewed; what patients then read."""

import pytest
import yaml
from django.test import Client

from bot import paths
from bot.content import answers, loader
from staff.accounts import accounts, roles
from staff.audit.models import Entry
from tests.staff.test_staff_editor import form_of
from tests.staff.workspace import PASSWORD, signed_in_client

pytestmark = pytest.mark.django_db

TOPIC = "hair_loss"
PAGE = f"/content/{TOPIC}/translation/es/"
NEW_SPANISH = "Pregúntele a su equipo si la quimio de la bomba hace que se caiga el pelo."


@pytest.fixture
def translator(content):
    return signed_in_client("tina", roles.TRANSLATOR, "Tina Traductora")


def spanish_in_file(content) -> dict:
    data = yaml.safe_load((content / "topics" / f"{TOPIC}.yml").read_text(encoding="utf-8"))
    return data["translations"]["es"]


def change_the_english(editor) -> None:
    data = form_of(editor)
    data["answer"] = data["answer"].replace("Sources differ", "Sources do not agree")
    assert editor.post(f"/content/{TOPIC}/", data).status_code == 302


def post(client, page_context, action, **fields):
    form = {
        "base_version": page_context["t"].version,
        "title": page_context["title"],
        "answer-any": page_context["answers"][0]["text"],
        "action": action,
    }
    form.update(fields)
    return client.post(PAGE, form)


def test_a_change_to_the_english_shows_the_translation_out_of_date_first(editor, translator):
    assert translator.get(PAGE).context["t"].status == "draft"
    change_the_english(editor)
    page = translator.get(PAGE)
    assert page.context["t"].status == "out of date"
    assert "Sources do not agree" in page.context["answers"][0]["english"]
    listing = translator.get("/content/translations/").context["rows"]
    assert (listing[0]["topic"].id, listing[0]["t"].status) == (TOPIC, "out of date")


def test_a_translator_marks_it_reviewed_and_patients_read_it(editor, translator, content):
    change_the_english(editor)
    page = translator.get(PAGE).context
    response = post(translator, page, "reviewed", **{"answer-any": NEW_SPANISH})
    assert response.status_code == 302
    kept = spanish_in_file(content)
    assert kept["status"] == "reviewed" and kept["reviewed_by"] == "Tina Traductora"
    assert kept["examples"]  # the model's questions stay
    assert translator.get(PAGE).context["t"].status == "reviewed"
    assert Entry.objects.filter(action="saved es translation (reviewed)", username="tina").exists()
    latest = editor.get(f"/content/{TOPIC}/history/").context["commits"][0][0]
    assert latest.author == "Tina Traductora" and "es translation (reviewed)" in latest.message
    # Even where the clinic shows only reviewed translations, patients read this one.
    content_now = loader.load(content)
    content_now.clinic["show_draft_translations"] = False
    (reply,) = answers.answer_in(content_now, content_now.topics[TOPIC], "es")
    assert reply.text.startswith(NEW_SPANISH)


def test_an_editor_writes_drafts_but_cannot_mark_one_reviewed(editor, content):
    before = (content / "topics" / f"{TOPIC}.yml").read_bytes()
    page = editor.get(PAGE)
    assert b"Only a translator can mark it reviewed" in page.content
    refused = post(editor, page.context, "reviewed", **{"answer-any": NEW_SPANISH})
    assert refused.status_code == 403
    assert (content / "topics" / f"{TOPIC}.yml").read_bytes() == before
    assert post(editor, page.context, "draft", **{"answer-any": NEW_SPANISH}).status_code == 302
    kept = spanish_in_file(content)
    assert kept["status"] == "draft" and kept["answer"] == NEW_SPANISH
    assert "reviewed_by" not in kept


def test_an_empty_or_broken_translation_is_never_written(translator, content):
    before = (content / "topics" / f"{TOPIC}.yml").read_bytes()
    page = translator.get(PAGE).context
    for broken in ("", "   ", "texto\x00con NUL", "x" * 20_000):
        response = post(translator, page, "reviewed", **{"answer-any": broken})
        assert response.status_code == 400 and response.context["errors"]["answer"], broken
    assert post(translator, page, "draft", title="").status_code == 400
    assert (content / "topics" / f"{TOPIC}.yml").read_bytes() == before


def test_a_stale_page_is_a_conflict_not_an_overwrite(editor, translator, content):
    page = translator.get(PAGE).context
    change_the_english(editor)
    response = post(translator, page, "reviewed", **{"answer-any": NEW_SPANISH})
    assert response.status_code == 409
    assert spanish_in_file(content)["status"] == "draft"


def test_with_approval_on_a_translation_waits_for_a_second_person(translator, content):
    from staff.editor.models import Approval, Draft

    Approval.objects.create(require_approval=True)
    before = (content / "topics" / f"{TOPIC}.yml").read_bytes()
    page = translator.get(PAGE).context
    assert post(translator, page, "reviewed", **{"answer-any": NEW_SPANISH}).status_code == 302
    assert (content / "topics" / f"{TOPIC}.yml").read_bytes() == before
    draft = Draft.objects.get(kind=Draft.TRANSLATION)
    second = Client()
    second.force_login(accounts.add("edna", roles.EDITOR, PASSWORD))
    second.post(f"/content/drafts/{draft.pk}/decide/", {"decision": "approve"})
    kept = spanish_in_file(content)
    assert kept["answer"] == NEW_SPANISH and kept["reviewed_by"] == "Tina Traductora"


def test_who_may_open_the_translations(client, translator, content):
    client.force_login(accounts.add("nina", roles.NURSE, PASSWORD))
    assert client.get(PAGE).status_code == 403
    assert client.get("/content/translations/").status_code == 403
    assert translator.get("/content/").status_code == 403  # the English is an editor's
    assert translator.get("/").url.endswith("/content/translations/")
    for missing in ("/content/no_such_topic/translation/es/", f"/content/{TOPIC}/translation/en/",
                    f"/content/{TOPIC}/translation/xx/"):  # fmt: skip
        assert translator.get(missing).status_code == 404, missing
    assert paths.CONTENT_DIR == content
