"""The content editor's pages with Django's test client, on a private copy of the
content: saving, errors beside fields, conflicts, history and revert, roles."""

import pytest
from django.test import Client

from bot import paths
from bot.content import loader
from staff.accounts import accounts, roles
from staff.audit.models import Entry
from tests.staff.workspace import PASSWORD

pytestmark = pytest.mark.django_db

TOPIC = "hair_loss"


def form_of(client, topic=TOPIC) -> dict:
    """The edit form as the page fills it."""
    page = client.get(f"/content/{topic}/")
    assert page.status_code == 200
    form = page.context["form"]
    data = {"base_version": page.context["version"]}
    data.update({name: form[name].value() for name in form.fields})
    if form.variants:
        del data["answer"]
    return data


def sources_form(version: str, rows) -> dict:
    """The sources page's form with this many rows (the formset's row count)."""
    return {"base_version": version, "source-TOTAL_FORMS": str(rows),
            "source-INITIAL_FORMS": "0"}  # fmt: skip


def test_the_topic_list_puts_overdue_reviews_first(editor):
    page = editor.get("/content/")
    assert page.status_code == 200
    rows = page.context["topics"]
    assert len(rows) == len(loader.load(paths.CONTENT_DIR).topics)
    overdue = [r["overdue"] for r in rows]
    assert overdue == sorted(overdue, reverse=True)


def test_a_save_is_live_committed_and_audited(editor, content):
    data = form_of(editor)
    data["answer"] = data["answer"].replace("Sources differ", "Sources do not agree")
    response = editor.post(f"/content/{TOPIC}/", data)
    assert response.status_code == 302
    assert "Sources do not agree" in loader.load(content).topics[TOPIC].answer
    history = editor.get(f"/content/{TOPIC}/history/")
    commits = history.context["commits"]
    assert commits[0][0].author == "eddie" and "answer" in commits[0][0].message
    assert Entry.objects.filter(action="edited topic", target=TOPIC).exists()


def test_an_invalid_save_shows_errors_and_writes_nothing(editor, content):
    before = (content / "topics" / f"{TOPIC}.yml").read_bytes()
    for field, value in [("answer", ""), ("reviewed_on", "next tuesday"),
                         ("answer", "About 99 of 100 people keep their hair.")]:  # fmt: skip
        data = form_of(editor)
        data[field] = value
        response = editor.post(f"/content/{TOPIC}/", data)
        assert response.status_code == 400, field
        assert response.context["errors"].get(field), (field, response.context["errors"])
        assert f'id="{field}-error"'.encode() in response.content
        assert (content / "topics" / f"{TOPIC}.yml").read_bytes() == before


def test_a_stale_form_gets_a_conflict_with_both_texts(editor, content):
    first, second = form_of(editor), form_of(editor)
    first["reviewed_by"] = "First Editor"
    second["reviewed_by"] = "Second Editor"
    assert editor.post(f"/content/{TOPIC}/", first).status_code == 302
    response = editor.post(f"/content/{TOPIC}/", second)
    assert response.status_code == 409
    assert b"First Editor" in response.content and b"Second Editor" in response.content
    assert "First Editor" in (content / "topics" / f"{TOPIC}.yml").read_text()


def test_revert_restores_the_earlier_text(editor, content):
    original = (content / "topics" / f"{TOPIC}.yml").read_text()
    data = form_of(editor)
    data["title"] = "Losing hair"
    editor.post(f"/content/{TOPIC}/", data)
    commits = editor.get(f"/content/{TOPIC}/history/").context["commits"]
    earlier = commits[-1][0].sha
    assert editor.post(f"/content/{TOPIC}/revert/{earlier}/").status_code == 302
    assert (content / "topics" / f"{TOPIC}.yml").read_text() == original


def test_the_preview_is_what_the_patient_gets(editor):
    data = form_of(editor)
    data["answer"] = "Ask {clinic_name} about hair loss."
    shown = editor.post(f"/content/{TOPIC}/preview/", data).json()
    assert "{clinic_name}" not in shown["text"] and "Lakeside" in shown["text"]
    assert shown["sources_line"] in shown["text"] and shown["grade"] >= 0


def test_unknown_topics_and_odd_ids_are_not_found(editor):
    for path in ["/content/no_such_topic/", "/content/..%2Fclinic/"]:
        assert editor.get(path).status_code == 404, path


def test_the_red_flags_are_shown_as_a_table_and_cannot_be_posted(editor, content):
    page = editor.get("/content/red-flags/")
    html = page.content.decode()
    assert "Red flags (read-only)" in html and "<pre" not in html  # a table, not YAML
    flags = loader.load(content).red_flags
    assert len(page.context["symptoms"]) == len(flags.symptoms)
    fever = flags.symptom("fever_chills")
    assert f'<th scope="row">{fever.name}</th>' in html
    assert fever.phrases[0] in html and fever.wording("es").phrases[0] in html
    assert '<ul lang="es">' in html and "Call 911 now" in html
    assert editor.post("/content/red-flags/").status_code == 405


def test_with_approval_on_an_edit_waits_until_a_second_person_approves(editor, content, client):
    from django.test import Client

    from staff.editor.models import Approval, Draft

    Approval.objects.create(require_approval=True)
    path = content / "topics" / f"{TOPIC}.yml"
    before = path.read_bytes()
    data = form_of(editor)
    data["answer"] = data["answer"].replace("Sources differ", "Sources do not agree")
    assert editor.post(f"/content/{TOPIC}/", data).status_code == 302
    assert path.read_bytes() == before  # patients still get the old answer
    draft = Draft.objects.get()
    assert draft.status == Draft.PENDING and draft.changed == "answer"

    # Its author cannot approve it.
    editor.post(f"/content/drafts/{draft.pk}/decide/", {"decision": "approve"})
    draft.refresh_from_db()
    assert draft.status == Draft.PENDING and path.read_bytes() == before

    second = Client()
    second.force_login(accounts.add("edna", roles.EDITOR, PASSWORD))
    page = second.get(f"/content/drafts/{draft.pk}/")
    assert b"Sources do not agree" in page.content and b"Sources differ" in page.content
    second.post(f"/content/drafts/{draft.pk}/decide/", {"decision": "approve"})
    draft.refresh_from_db()
    assert draft.status == Draft.APPROVED
    assert "Sources do not agree" in loader.load(content).topics[TOPIC].answer
    commits = second.get(f"/content/{TOPIC}/history/").context["commits"]
    assert commits[0][0].author == "eddie"  # the edit's author; the approver is audited
    assert Entry.objects.filter(action="approved edit", username="edna").exists()


def test_an_invalid_or_stale_draft_is_never_written(editor, content):
    from staff.editor.models import Approval, Draft

    Approval.objects.create(require_approval=True)
    data = form_of(editor)
    data["answer"] = ""
    assert editor.post(f"/content/{TOPIC}/", data).status_code == 400
    assert not Draft.objects.exists()


def test_a_new_topic_is_added_and_a_topic_retired(editor, content):
    examples = "\n".join(f"question {n} about the pump noise" for n in range(12))
    data = {
        "id": "pump_noise", "title": "Noises from the pump", "answer": "Ask your care team.",
        "facts": "Ask the care team | CLINIC", "examples": examples, "sources": ["CLINIC"],
        "reviewed_by": "Nurse educator", "reviewed_on": "2026-11-30",
    }  # fmt: skip
    bad = editor.post("/content/new/", {**data, "id": "../escape"})
    assert bad.status_code == 400 and bad.context["errors"].get("id")
    assert editor.post("/content/new/", data).status_code == 302
    assert "pump_noise" in loader.load(content).topics
    assert editor.post("/content/pump_noise/retire/").status_code == 302  # not confirmed
    assert "pump_noise" in loader.load(content).topics
    assert editor.post("/content/pump_noise/retire/", {"confirm": "yes"}).status_code == 302
    assert "pump_noise" not in loader.load(content).topics
    assert (content / "retired" / "pump_noise.yml").exists()
    assert Entry.objects.filter(action="retired topic", target="pump_noise").exists()


def test_a_missed_question_from_the_inbox_is_a_commit_by_the_nurse(client, content, tmp_path):
    from staff.review.follower import Follower
    from staff.review.models import Message
    from tests.staff.tracker_events import Tracker

    client.force_login(accounts.add("nina", roles.NURSE, PASSWORD))
    tracker = Tracker(tmp_path / "tracker.db")
    tracker.turn("a", "does the pump make my hair thin", "action_not_sure", "Not sure.")
    Follower(tracker.path).catch_up()
    message = Message.objects.get(sender=Message.PATIENT)
    response = client.post(f"/messages/{message.pk}/topic/", {"topic": TOPIC})
    assert response.status_code == 302
    assert "does the pump make my hair thin" in loader.load(content).topics[TOPIC].examples
    editor_page = Client()
    editor_page.force_login(accounts.add("eddie", roles.EDITOR, PASSWORD))
    latest = editor_page.get(f"/content/{TOPIC}/history/").context["commits"][0][0]
    assert latest.author == "nina" and "from the inbox" in latest.message


def test_clinic_details_are_edited_line_by_line_and_validated(editor, content):
    page = editor.get("/settings/clinic/")
    version = page.context["version"]
    before = (content / "clinic.yml").read_text()
    bad = editor.post("/settings/clinic/", {"base_version": version, "refill_interval_days": "999"})
    assert bad.status_code == 400 and b'id="refill_interval_days-error"' in bad.content
    assert (content / "clinic.yml").read_text() == before
    good = editor.post(
        "/settings/clinic/", {"base_version": version, "phone_main": "(555) 555-0123"}
    )
    assert good.status_code == 302
    after = (content / "clinic.yml").read_text()
    assert loader.load(content).clinic["phone_main"] == "(555) 555-0123"
    assert [x for x in after.splitlines() if x.startswith("#")] == [
        x for x in before.splitlines() if x.startswith("#")
    ]  # the comments stay
    stale = editor.post("/settings/clinic/", {"base_version": version, "hours": "9 to 5"})
    assert stale.status_code == 409


def test_sources_are_listed_added_and_a_cited_one_cannot_go(editor, content):
    page = editor.get("/settings/sources/")
    rows = [r.initial for r in page.context["form"] if r.initial.get("key")]
    form = sources_form(page.context["version"], len(rows) + 1)
    for n, row in enumerate(rows):
        form.update({f"source-{n}-{p}": row[p] for p in ("key", "name", "citation", "url")})
    form.update({f"source-{len(rows)}-key": "NEW1", f"source-{len(rows)}-name": "Example Health",
                 f"source-{len(rows)}-citation": "Example Health: the pump",
                 f"source-{len(rows)}-url": "https://example.org/pump"})  # fmt: skip
    assert editor.post("/settings/sources/", form).status_code == 302
    assert loader.load(content).sources["NEW1"].url == "https://example.org/pump"

    page = editor.get("/settings/sources/")
    form["base_version"] = page.context["version"]
    cited = next(n for n, row in enumerate(rows) if row["key"] == "JH")
    form[f"source-{cited}-key"] = ""  # remove a source topics cite
    response = editor.post("/settings/sources/", form)
    assert response.status_code == 400
    assert "JH" in loader.load(content).sources


@pytest.mark.parametrize("rows", ["abc", "-1", "1e9", "99999999999", "٣"])
def test_a_broken_sources_form_gets_an_answer_not_an_error_page(editor, content, rows):
    before = (content / "sources.yml").read_bytes()
    version = editor.get("/settings/sources/").context["version"]
    response = editor.post("/settings/sources/", sources_form(version, rows))
    assert response.status_code in (200, 302, 400)
    # No rows at all would drop every source: the validator refuses that.
    assert (content / "sources.yml").read_bytes() == before


# With approval on, every change to content/ waits for a second person.


@pytest.fixture
def approval(content):
    from staff.editor.models import Approval

    Approval.objects.create(require_approval=True)


def decided_by_a_second_person(decision="approve"):
    """The one pending draft, decided by another editor, after its page shows
    what would change; the draft as decided."""
    from staff.editor.models import Draft

    draft = Draft.objects.get(status=Draft.PENDING)
    second = Client()
    second.force_login(accounts.add("edna", roles.EDITOR, PASSWORD))
    listed = second.get("/content/drafts/").content
    assert f">{draft.kind.capitalize()}</a>".encode() in listed
    page = second.get(f"/content/drafts/{draft.pk}/")
    assert page.status_code == 200 and page.context["diff"], page.content
    second.post(f"/content/drafts/{draft.pk}/decide/", {"decision": decision})
    draft.refresh_from_db()
    return draft


def latest_commit(topic=TOPIC):
    history = Client()
    history.force_login(accounts.add("ada", roles.ADMIN, PASSWORD))
    return history.get(f"/content/{topic}/history/").context["commits"][0][0]


def test_with_approval_on_a_new_topic_waits(editor, content, approval):
    data = {
        "id": "pump_noise", "title": "Noises from the pump", "answer": "Ask your care team.",
        "facts": "Ask the care team | CLINIC", "sources": ["CLINIC"],
        "examples": "\n".join(f"question {n} about the pump noise" for n in range(12)),
        "reviewed_by": "Nurse educator", "reviewed_on": "2026-11-30",
    }  # fmt: skip
    assert editor.post("/content/new/", {**data, "title": ""}).status_code == 400
    assert editor.post("/content/new/", data).status_code == 302
    assert not (content / "topics" / "pump_noise.yml").exists()
    assert decided_by_a_second_person().status == "approved"
    assert "pump_noise" in loader.load(content).topics
    assert latest_commit("pump_noise").author == "eddie"
    assert Entry.objects.filter(action="approved new topic", target="pump_noise").exists()


def test_with_approval_on_retiring_a_topic_waits(editor, content, approval):
    from staff.editor.models import Draft

    # One that other topics name cannot go, and is not even kept as a draft.
    assert editor.post(f"/content/{TOPIC}/retire/", {"confirm": "yes"}).status_code == 302
    assert not Draft.objects.exists()
    topic = "fertility_and_pregnancy"  # named by no other topic
    version = editor.get(f"/content/{topic}/").context["version"]
    response = editor.post(f"/content/{topic}/retire/", {"confirm": "yes", "base_version": version})
    assert response.status_code == 302
    assert topic in loader.load(content).topics
    assert decided_by_a_second_person().status == "approved"
    assert topic not in loader.load(content).topics


def test_with_approval_on_the_24_hour_number_waits(editor, content, approval):
    before = (content / "clinic.yml").read_bytes()
    version = editor.get("/settings/clinic/").context["version"]
    bad = editor.post("/settings/clinic/", {"base_version": version, "refill_interval_days": "999"})
    assert bad.status_code == 400
    unchanged = {"base_version": version, "phone_24h": loader.load(content).clinic["phone_24h"]}
    assert editor.post("/settings/clinic/", unchanged).status_code == 302
    changed = {"base_version": version, "phone_24h": "(555) 555-0999"}
    assert editor.post("/settings/clinic/", changed).status_code == 302
    assert (content / "clinic.yml").read_bytes() == before
    assert decided_by_a_second_person().status == "approved"
    assert loader.load(content).clinic["phone_24h"] == "(555) 555-0999"
    assert Entry.objects.filter(action="proposed clinic details", username="eddie").exists()


def test_with_approval_on_the_sources_wait_and_a_rejected_change_is_never_written(
    editor, content, approval
):
    before = (content / "sources.yml").read_bytes()
    page = editor.get("/settings/sources/")
    rows = [r.initial for r in page.context["form"] if r.initial.get("key")]
    form = sources_form(page.context["version"], len(rows))
    for n, row in enumerate(rows):
        form.update({f"source-{n}-{p}": row[p] for p in ("key", "name", "citation", "url")})
    form["source-0-name"] = "Renamed source"
    assert editor.post("/settings/sources/", form).status_code == 302
    assert decided_by_a_second_person("reject").status == "rejected"
    assert (content / "sources.yml").read_bytes() == before


def test_with_approval_on_a_restore_from_history_waits(editor, content, approval):
    from staff.editor.models import Approval

    path = content / "topics" / f"{TOPIC}.yml"
    original = path.read_text()
    Approval.objects.update(require_approval=False)
    data = form_of(editor)
    data["title"] = "Losing hair"
    editor.post(f"/content/{TOPIC}/", data)
    Approval.objects.update(require_approval=True)
    earlier = editor.get(f"/content/{TOPIC}/history/").context["commits"][-1][0].sha
    assert editor.post(f"/content/{TOPIC}/revert/{earlier}/").status_code == 302
    assert "Losing hair" in path.read_text()
    assert decided_by_a_second_person().status == "approved"
    assert path.read_text() == original


def test_with_approval_on_a_nurses_example_question_waits(client, content, approval, tmp_path):
    from staff.review.follower import Follower
    from staff.review.models import Message
    from tests.staff.tracker_events import Tracker

    client.force_login(accounts.add("nina", roles.NURSE, PASSWORD))
    tracker = Tracker(tmp_path / "tracker.db")
    tracker.turn("a", "does the pump make my hair thin", "action_not_sure", "Not sure.")
    Follower(tracker.path).catch_up()
    message = Message.objects.get(sender=Message.PATIENT)
    assert client.post(f"/messages/{message.pk}/topic/", {"topic": TOPIC}).status_code == 302
    assert "does the pump make my hair thin" not in loader.load(content).topics[TOPIC].examples
    message.refresh_from_db()
    assert message.corrected_topic == TOPIC  # the nurse's reading is kept at once
    assert decided_by_a_second_person().status == "approved"
    assert "does the pump make my hair thin" in loader.load(content).topics[TOPIC].examples
    latest = latest_commit()
    assert latest.author == "nina" and "from the inbox" in latest.message


def test_a_draft_made_stale_by_a_later_change_is_never_written(editor, content, approval):
    from staff.editor.models import Approval

    version = editor.get("/settings/clinic/").context["version"]
    proposal = {"base_version": version, "phone_24h": "(555) 555-0999"}
    assert editor.post("/settings/clinic/", proposal).status_code == 302
    Approval.objects.update(require_approval=False)
    direct = {"base_version": version, "hours": "9 to 5"}
    assert editor.post("/settings/clinic/", direct).status_code == 302
    from staff.editor.models import Draft

    draft = Draft.objects.get(status=Draft.PENDING)
    second = Client()
    second.force_login(accounts.add("edna", roles.EDITOR, PASSWORD))
    second.post(f"/content/drafts/{draft.pk}/decide/", {"decision": "approve"})
    draft.refresh_from_db()
    assert draft.status == Draft.STALE
    assert loader.load(content).clinic["phone_24h"] != "(555) 555-0999"
