"""A topic's follow-up buttons and sources, chosen by name with Django's test
client on a private copy of the content: labelled by title and name, the chosen
first in the topic's order; one more ticked or one unticked changes only that;
"Refresh preview" without JavaScript shows the patient's view and saves nothing."""

import pytest

from bot.content import loader
from staff.editor.templatetags.editor_extras import chat_text
from tests.staff.test_staff_editor import TOPIC, form_of

pytestmark = pytest.mark.django_db


def saved(content):
    return loader.load(content).topics[TOPIC]


def test_follow_ups_and_sources_are_ticked_by_name_the_chosen_first(editor, content):
    topic = saved(content)
    page = editor.get(f"/content/{TOPIC}/")
    form = page.context["form"]
    follow_ups = form.fields["follow_ups"].choices
    sources = form.fields["sources"].choices
    # The chosen ones first, in the topic's order; then the rest.
    assert [k for k, _ in follow_ups[: len(topic.follow_ups)]] == list(topic.follow_ups)
    assert [k for k, _ in sources[: len(topic.sources)]] == list(topic.sources)
    assert TOPIC not in dict(follow_ups)  # no button to itself
    content_now = loader.load(content)
    titles = dict(follow_ups)
    assert titles["side_effects"] == content_now.topics["side_effects"].title
    penn = dict(sources)["P1"]
    assert penn.startswith("Penn Medicine: What to expect") and "(pennmedicine.org; key P1)" in penn
    html = page.content.decode()
    # Tick boxes, not a list a click can wipe; a search box for each list,
    # hidden until the script shows it.
    assert '<select id="follow_ups"' not in html
    assert 'type="checkbox" name="follow_ups" value="side_effects"' in html
    assert 'id="sources-search"' in html and 'id="follow_ups-search"' in html
    assert 'data-filter-for="sources" hidden' in html


def test_one_more_source_ticked_keeps_the_others_and_every_other_field(editor, content):
    before = saved(content)
    data = form_of(editor)
    # Tick boxes come back in page order: the topic's own, then the new one.
    data["sources"] = [*data["sources"], "P1"]
    assert editor.post(f"/content/{TOPIC}/", data).status_code == 302
    after = saved(content)
    assert after.sources == (*before.sources, "P1")
    assert after.follow_ups == before.follow_ups
    assert (after.title, after.answer, after.examples, after.facts) == (
        before.title, before.answer, before.examples, before.facts
    )  # fmt: skip


def test_one_follow_up_unticked_leaves_the_rest_in_their_order(editor, content):
    before = saved(content)
    dropped = before.follow_ups[1]
    data = form_of(editor)
    data["follow_ups"] = [t for t in reversed(data["follow_ups"]) if t != dropped]
    assert editor.post(f"/content/{TOPIC}/", data).status_code == 302
    after = saved(content)
    assert after.follow_ups == tuple(t for t in before.follow_ups if t != dropped)
    assert after.sources == before.sources


def test_the_same_choices_in_another_order_change_nothing(editor, content):
    path = content / "topics" / f"{TOPIC}.yml"
    on_disk = path.read_bytes()
    data = form_of(editor)
    data["sources"] = list(reversed(data["sources"]))
    data["follow_ups"] = list(reversed(data["follow_ups"]))
    response = editor.post(f"/content/{TOPIC}/", data, follow=True)
    assert "Saved (nothing)" in response.content.decode()
    assert path.read_bytes() == on_disk


def test_refresh_preview_without_javascript_shows_the_reply_and_saves_nothing(editor, content):
    path = content / "topics" / f"{TOPIC}.yml"
    on_disk = path.read_bytes()
    data = form_of(editor)
    data["answer"] = data["answer"].replace("Sources differ", "Sources do not agree")
    data["sources"] = [*data["sources"], "P1"]
    page = editor.post(f"/content/{TOPIC}/", {**data, "refresh_preview": "1"})
    assert page.status_code == 200 and path.read_bytes() == on_disk
    preview = page.context["preview"]
    assert "Sources do not agree" in preview.text and "Penn Medicine" in preview.sources_line
    html = page.content.decode()
    # The patient's view beside the unsaved text, which the form keeps.
    assert html.count("Sources do not agree") == 2
    assert 'name="sources" value="P1" id="sources_3" checked' in html
    # The version the editor started from: a save after it still finds a conflict.
    assert page.context["version"] == data["base_version"]


def test_an_invalid_refresh_names_the_problem_and_saves_nothing(editor, content):
    path = content / "topics" / f"{TOPIC}.yml"
    on_disk = path.read_bytes()
    data = {**form_of(editor), "title": "", "refresh_preview": "1"}
    page = editor.post(f"/content/{TOPIC}/", data)
    assert page.status_code == 400 and page.context["preview"] is None
    assert "title" in page.context["errors"]
    assert path.read_bytes() == on_disk


def test_the_preview_s_text_is_escaped_and_its_links_are_links():
    shown = chat_text("Call <b>us</b>.\nSee [Penn Medicine](https://pennmedicine.org/x).\n\nBye")
    assert shown == (
        "<p>Call &lt;b&gt;us&lt;/b&gt;.<br>See "
        '<a href="https://pennmedicine.org/x" rel="noopener noreferrer">Penn Medicine</a>.</p>'
        "<p>Bye</p>"
    )
    assert "<script>" not in chat_text("[x](https://a.org/<script>)")
