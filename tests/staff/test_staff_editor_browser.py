"""The content editor in a real browser, through nginx and HTTPS, against the
shared assistant: an edit reaches the patient's next reply; an invalid edit
changes nothing; two editors never overwrite each other; history reverts."""

from __future__ import annotations

import re
import sqlite3

import pytest
import yaml
from playwright.sync_api import expect

from harness.servers import all_text
from tests.browser import SCREENSHOTS, axe_violations
from tests.staff.workspace import log_in, new_page, signed_in

pytestmark = [
    pytest.mark.integration,
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]
TOPIC = "hair_loss"  # no other browser test asks about it
QUESTION = "will i lose my hair from the pump"


@pytest.fixture
def editor(browser, workspace):
    yield from signed_in(browser, workspace, "eddie", "Answers")


def topic_file(workspace):
    return workspace.root / "content" / "topics" / f"{TOPIC}.yml"


def open_topic(page, workspace) -> None:
    page.goto(f"{workspace.url}/content/{TOPIC}/")
    expect(page.get_by_role("heading", name="Edit “Hair loss”")).to_be_visible()


def test_an_edit_reaches_the_next_reply_and_a_revert_brings_the_old_text_back(workspace, editor):
    before = all_text(workspace.assistant.ask("hair-1", QUESTION))
    assert "Sources differ on hair loss" in before
    open_topic(editor, workspace)
    answer = editor.get_by_label("Answer", exact=True)
    answer.fill(answer.input_value().replace("Sources differ on hair loss.",
                                             "Sources do not agree about hair loss."))  # fmt: skip
    # The live preview shows the patient's view before saving, with its grade.
    expect(editor.locator("#preview")).to_contain_text("Sources do not agree about hair loss.")
    expect(editor.locator("#preview-grade")).to_contain_text("Reading grade")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    editor.screenshot(path=str(SCREENSHOTS / "staff-editor.png"))
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_role("status")).to_contain_text("Saved (answer)")
    assert "Sources do not agree" in all_text(workspace.assistant.ask("hair-2", QUESTION))

    editor.goto(f"{workspace.url}/content/{TOPIC}/history/")
    expect(editor.get_by_text("eddie").first).to_be_visible()
    # Word by word: what the edit took out and put in, then restored in words.
    expect(editor.locator(".word-diff ins").first).to_contain_text("do not agree")
    editor.get_by_role("button", name=re.compile("Restore the version of")).first.click()
    expect(editor.get_by_role("status")).to_contain_text("Reverted")
    assert "Sources differ on hair loss" in topic_file(workspace).read_text()
    assert "Sources differ on hair loss" in all_text(workspace.assistant.ask("hair-3", QUESTION))


def test_an_invalid_edit_shows_the_error_beside_the_field_and_changes_nothing(workspace, editor):
    on_disk = topic_file(workspace).read_bytes()
    open_topic(editor, workspace)
    answer = editor.get_by_label("Answer", exact=True)
    answer.fill(answer.input_value() + " About 99 out of 100 people keep their hair.")
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_text("Not saved")).to_be_visible()
    error = editor.locator("#answer-error")
    expect(error).to_contain_text("99")
    assert editor.get_by_label("Answer", exact=True).get_attribute("aria-invalid") == "true"
    assert topic_file(workspace).read_bytes() == on_disk


def test_two_editors_saving_one_topic_get_a_conflict_not_a_lost_edit(browser, workspace, editor):
    other = new_page(browser)
    try:
        log_in(other, workspace, "edna")
        open_topic(editor, workspace)
        open_topic(other, workspace)
        editor.get_by_label("Reviewed by").fill("Eddie Editor, RN")
        editor.get_by_role("button", name="Save").click()
        expect(editor.get_by_role("status")).to_contain_text("Saved")
        other.get_by_label("Reviewed by").fill("Edna Educator, RN")
        other.get_by_role("button", name="Save").click()
        expect(
            other.get_by_role("heading", name="Someone else saved this topic first")
        ).to_be_visible()
        expect(other.get_by_text("Eddie Editor, RN").first).to_be_visible()
        expect(other.get_by_text("Edna Educator, RN").first).to_be_visible()
        saved = topic_file(workspace).read_text()
        assert "Eddie Editor, RN" in saved and "Edna Educator" not in saved
    finally:
        other.context.close()


def test_a_nurse_cannot_open_the_editor(browser, workspace):
    page = new_page(browser)
    try:
        log_in(page, workspace, "nina")
        expect(page.get_by_role("link", name="Answers", exact=True)).to_have_count(0)
        response = page.goto(f"{workspace.url}/content/{TOPIC}/")
        assert response.status == 403
    finally:
        page.context.close()


def test_with_approval_on_an_unapproved_edit_does_not_reach_patients(browser, workspace, editor):
    admin = new_page(browser)
    second = new_page(browser)
    try:
        log_in(admin, workspace, "ada")
        admin.goto(f"{workspace.url}/people/settings/")
        admin.get_by_role("switch", name="Require approval of edits").check()
        admin.get_by_role("button", name="Save approval").click()
        expect(admin.get_by_role("status")).to_contain_text("Approval of edits is on")

        open_topic(editor, workspace)
        answer = editor.get_by_label("Answer", exact=True)
        answer.fill(answer.input_value().replace("from your own treatment", "from your own care"))
        editor.get_by_role("button", name="Send for approval").click()
        expect(editor.get_by_role("status")).to_contain_text("Sent for approval")
        assert "from your own care" not in all_text(workspace.assistant.ask("hair-4", QUESTION))

        log_in(second, workspace, "edna")
        second.goto(f"{workspace.url}/content/drafts/")
        second.get_by_role("row").filter(has_text=TOPIC).get_by_role("link", name="Edit").click()
        second.get_by_role("button", name="Approve").click()
        expect(second.get_by_role("status")).to_contain_text("Approved")
        assert "from your own care" in all_text(workspace.assistant.ask("hair-5", QUESTION))
    finally:
        with sqlite3.connect(workspace.staff_db) as db:
            db.execute("UPDATE editor_approval SET require_approval = 0")
        admin.context.close()
        second.context.close()


def test_a_translator_brings_an_out_of_date_translation_up_to_date_for_the_patient(
    browser, workspace, editor
):
    topic = "fertility_and_pregnancy"  # no other browser test asks about it
    spanish_question = "¿La quimio me va a dejar sin poder tener hijos?"
    added = "Su equipo le puede decir a qué clínica de fertilidad ir."
    editor.goto(f"{workspace.url}/content/{topic}/")
    answer = editor.get_by_label("Answer", exact=True)
    answer.fill(answer.input_value().replace("plans for a family", "plans to have a family"))
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_role("status")).to_contain_text("Saved (answer)")

    translator = new_page(browser)
    try:
        log_in(translator, workspace, "tina")
        expect(translator.get_by_role("heading", name="Translations")).to_be_visible()
        first_row = translator.locator("table tbody tr").first
        expect(first_row).to_contain_text("Fertility")
        expect(first_row).to_contain_text("out of date")
        first_row.get_by_role("link").click()
        expect(translator.locator("#translation-status")).to_contain_text("out of date")
        # The English as it is now, beside the Spanish.
        expect(translator.get_by_text("plans to have a family")).to_be_visible()
        spanish = translator.get_by_label("Answer", exact=True)
        assert spanish.get_attribute("lang") == "es"
        spanish.fill(spanish.input_value() + " " + added)
        translator.get_by_role("button", name="Save and mark reviewed by me").click()
        expect(translator.get_by_role("status")).to_contain_text("Saved (reviewed)")
        expect(translator.locator("#translation-status")).to_contain_text("Reviewed by tina")
        assert axe_violations(translator) == []
    finally:
        translator.context.close()
    assert added in all_text(workspace.assistant.ask("fertility-es", spanish_question))


LEAVING = """() => {
    const leaving = new Event("beforeunload", {cancelable: true});
    window.dispatchEvent(leaving);
    return leaving.defaultPrevented;
}"""


def test_leaving_an_edited_page_asks_first_and_a_saved_one_does_not(browser, workspace, editor):
    open_topic(editor, workspace)
    assert editor.evaluate(LEAVING) is False  # nothing changed: leave freely
    title = editor.get_by_label("Title")
    title.fill(title.input_value())  # typed, even if back to the same words
    assert editor.evaluate(LEAVING) is True  # the browser asks first
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_role("status")).to_be_visible()
    assert editor.evaluate(LEAVING) is False  # saved: nothing to lose
    # Each page in a window of its own, closed without leaving it.
    for path in ("/settings/clinic/", "/settings/sources/", f"/content/{TOPIC}/translation/es/"):
        page = new_page(browser)
        try:
            log_in(page, workspace, "eddie")
            page.goto(workspace.url + path)
            assert page.evaluate(LEAVING) is False, path
            page.locator("form[data-warn-unsaved] input:not([type=hidden])").first.fill("x")
            assert page.evaluate(LEAVING) is True, path
        finally:
            page.context.close()


def test_an_editor_finds_a_source_by_name_and_sees_it_in_the_preview_beside_the_text(
    workspace, editor
):
    topic = "sports_and_diving"  # no other browser test asks about it or edits it
    path = workspace.root / "content" / "topics" / f"{topic}.yml"
    before = yaml.safe_load(path.read_text(encoding="utf-8"))
    editor.goto(f"{workspace.url}/content/{topic}/")
    preview = editor.locator("#preview")
    expect(preview).to_contain_text("Sources:")
    expect(preview).not_to_contain_text("Colorectal Cancer Alliance")
    # A few letters of the publisher's name find it among some 80 sources.
    editor.get_by_label("Find a source: type part of its name or web site").fill("cancer allian")
    alliance = editor.get_by_role("checkbox", name=re.compile(r"^Colorectal Cancer Alliance"))
    expect(alliance).to_be_visible()
    expect(editor.get_by_role("checkbox", name=re.compile(r"key YALE\)"))).to_be_hidden()
    expect(editor.locator("[data-filter-count]").first).to_contain_text("1 of")
    assert editor.evaluate(LEAVING) is False  # searching is not an edit
    alliance.check()
    # The patient's view follows, beside the answer, not below it.
    expect(preview).to_contain_text("Colorectal Cancer Alliance")
    region = editor.get_by_role("region", name="What the patient will see")
    ticked_at = alliance.bounding_box()
    shown_at = region.bounding_box()
    assert shown_at["x"] > ticked_at["x"] and 0 <= shown_at["y"] < ticked_at["y"]  # still in view
    answer = editor.locator("textarea[name^=answer]").first
    answer.scroll_into_view_if_needed()
    text, shown_at = answer.bounding_box(), region.bounding_box()
    assert shown_at["x"] >= text["x"] + text["width"]
    assert (
        shown_at["y"] < text["y"] + text["height"]
        and text["y"] < shown_at["y"] + shown_at["height"]
    )
    assert axe_violations(editor) == []
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_role("status")).to_contain_text("Saved (sources)")
    after = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert after["sources"] == [*before["sources"], "CCA"]
    assert after["follow_ups"] == before["follow_ups"]
    # Kept, and listed with the topic's own sources, before the rest.
    ticked = editor.locator("#sources input:checked")
    expect(ticked).to_have_count(len(before["sources"]) + 1)
    expect(editor.locator("#sources input").nth(len(before["sources"]))).to_have_value("CCA")
