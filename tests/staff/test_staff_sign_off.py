"""Answers to sign, with Django's test client on a private copy of the content:
a clinician signs what they read, audited and in the history; an editor cannot;
a change to the text voids the sign-off; the list puts what needs signing first.
The same for a red flag and a message, written into their entry of the shared file."""

import pytest
import yaml

from bot.content import loader
from staff.accounts import accounts, roles
from staff.audit.models import Entry
from staff.editor import common
from tests.staff.test_staff_editor import form_of
from tests.staff.workspace import PASSWORD, signed_in_client

pytestmark = pytest.mark.django_db
TOPIC = "hair_loss"


@pytest.fixture
def clinician(content):
    return signed_in_client("cleo", roles.CLINICIAN, "Cleo Ruiz")


def sign(client, topic=TOPIC):
    page = client.get(f"/content/{topic}/sign/")
    assert page.status_code == 200
    return client.post(f"/content/{topic}/sign/", {"base_version": page.context["version"]})


def file_of(content, topic=TOPIC) -> dict:
    return yaml.safe_load((content / "topics" / f"{topic}.yml").read_text(encoding="utf-8"))


def test_a_clinician_signs_what_they_read_audited_and_in_the_history(clinician, editor, content):
    page = clinician.get(f"/content/{TOPIC}/sign/")
    assert "Sources differ" in page.context["text"]  # the answer as patients read it
    assert page.context["sources"] and page.context["state"] == "unsigned"
    assert sign(clinician).status_code == 302
    kept = file_of(content)
    assert kept["signed_by"] == "Cleo Ruiz" and kept["signed_version"]
    topic = loader.load(content).topics[TOPIC]
    assert loader.load(content).sign_off_state(topic) == "signed"
    assert Entry.objects.filter(action="signed topic", target=TOPIC, username="cleo").exists()
    latest = editor.get(f"/content/{TOPIC}/history/").context["commits"][0][0]
    assert latest.author == "Cleo Ruiz" and "signed by Cleo Ruiz" in latest.message
    rows = clinician.get("/content/sign/").context["rows"]
    assert rows[-1]["topic"].id == TOPIC  # the signed one last


def test_a_change_to_the_answer_voids_the_sign_off_and_puts_it_first(clinician, editor, content):
    sign(clinician)
    data = form_of(editor)
    data["answer"] = data["answer"].replace("Sources differ", "Sources do not agree")
    assert editor.post(f"/content/{TOPIC}/", data).status_code == 302
    rows = clinician.get("/content/sign/").context["rows"]
    assert (rows[0]["topic"].id, rows[0]["state"]) == (TOPIC, "changed since signing")
    assert clinician.get(f"/content/{TOPIC}/sign/").context["state"] == "changed since signing"


def test_a_sign_off_about_to_end_is_listed_before_the_others_signed(clinician, content):
    import datetime as dt
    import re

    sign(clinician, TOPIC)
    sign(clinician, "heat_safety")
    days = loader.load(content).clinic["sign_off_days"]
    path = content / "topics" / f"{TOPIC}.yml"
    long_ago = dt.date.today() - dt.timedelta(days=days - 10)
    path.write_text(
        re.sub(r"(?m)^signed_on: .*$", f"signed_on: {long_ago}", path.read_text()),
        encoding="utf-8",
    )
    page = clinician.get("/content/sign/")
    rows = page.context["rows"]
    assert [r["topic"].id for r in rows[-2:]] == [TOPIC, "heat_safety"]
    assert rows[-2]["soon"] and not rows[-1]["soon"] and rows[-2]["state"] == "signed"
    ends = long_ago + dt.timedelta(days=days)
    assert f"signed; ends {ends:%Y-%m-%d}" in page.content.decode()
    # Still signed until then: patients get it under signed-only.
    assert loader.load(content).sign_off_state(loader.load(content).topics[TOPIC]) == "signed"


def test_only_a_clinician_signs(editor, client, content):
    before = (content / "topics" / f"{TOPIC}.yml").read_bytes()
    page = editor.get(f"/content/{TOPIC}/sign/")
    assert b"Only a clinician can sign" in page.content
    editor.post(f"/content/{TOPIC}/sign/", {"base_version": page.context["version"]})
    assert (content / "topics" / f"{TOPIC}.yml").read_bytes() == before
    client.force_login(accounts.add("nina", roles.NURSE, PASSWORD))
    assert client.get("/content/sign/").status_code == 403
    assert client.get("/content/no_such_topic/sign/").status_code in (403, 404)


def test_a_stale_page_is_a_conflict_not_a_signature_of_other_text(clinician, editor, content):
    shown = clinician.get(f"/content/{TOPIC}/sign/").context["version"]
    data = form_of(editor)
    data["title"] = "Losing hair"
    editor.post(f"/content/{TOPIC}/", data)
    response = clinician.post(f"/content/{TOPIC}/sign/", {"base_version": shown})
    assert response.status_code == 409
    assert "signed_by" not in file_of(content)


def test_a_clinician_lands_on_the_answers_to_sign(clinician):
    assert clinician.get("/").url.endswith("/content/sign/")
    listing = clinician.get("/content/sign/")
    assert b"0 of" in listing.content and b"answers</strong> are signed" in listing.content


def test_the_overview_reports_the_share_signed(clinician, content):
    sign(clinician)
    total = len(loader.load(content).topics)
    page = clinician.get("/dashboard/").content.decode()
    assert f"Answers signed by a clinician (today)</th><td>1 of {total} (" in page


def test_the_clinic_turns_signed_only_on_from_its_details_page(editor, content):
    page = editor.get("/settings/clinic/")
    keys = list(page.context["form"].fields)
    assert "serve_only_signed" in keys and "translations" not in keys  # a mapping: in the file
    form = {"base_version": page.context["version"], "serve_only_signed": "true"}
    assert editor.post("/settings/clinic/", form).status_code == 302
    assert loader.load(content).clinic["serve_only_signed"] is True


# Red flags and messages: each entry of red_flags.yml and messages.yml.
ENTRIES = [("red-flag", "jaundice", "red_flags.yml"), ("message", "handoff", "messages.yml")]


def sign_entry(client, kind, key):
    page = client.get(f"/content/sign/{kind}/{key}/")
    assert page.status_code == 200
    return client.post(f"/content/sign/{kind}/{key}/", {"base_version": page.context["version"]})


@pytest.mark.parametrize("kind, key, file", ENTRIES)
def test_a_clinician_signs_a_red_flag_and_a_message_audited_and_in_the_history(
    clinician, editor, content, kind, key, file
):
    page = clinician.get(f"/content/sign/{kind}/{key}/")
    assert page.context["state"] == "unsigned" and page.context["text"]
    if kind == "red-flag":
        assert "yellow skin or eyes" in page.context["text"] and page.context["sources"]
        assert "yellow skin" in page.context["phrases"]
    before = (content / file).read_text(encoding="utf-8")
    assert sign_entry(clinician, kind, key).status_code == 302
    after = (content / file).read_text(encoding="utf-8")
    assert before.count("\n#") == after.count("\n#")  # the file's comments stay
    loaded = loader.load(content)
    signed = loaded.red_flags.symptom(key) if kind == "red-flag" else loaded.messages[key]
    assert signed.sign_off.by == "Cleo Ruiz" and loaded.sign_off_state(signed) == "signed"
    action = "signed red flag" if kind == "red-flag" else "signed message"
    assert Entry.objects.filter(action=action, target=key, username="cleo").exists()
    (latest,) = common.history().log(content / file, limit=1)
    assert latest.author == "Cleo Ruiz" and f"{kind} {key} signed by Cleo Ruiz" in latest.message
    sections = {s["kind"]: s["rows"] for s in clinician.get("/content/sign/").context["sections"]}
    assert sections[kind][-1]["item"].key == key  # the signed one last


@pytest.mark.parametrize("kind, key, file", ENTRIES)
def test_a_nurse_or_an_editor_cannot_sign_a_red_flag_or_a_message(
    editor, client, content, kind, key, file
):
    before = (content / file).read_bytes()
    page = editor.get(f"/content/sign/{kind}/{key}/")
    assert b"Only a clinician can sign" in page.content
    editor.post(f"/content/sign/{kind}/{key}/", {"base_version": page.context["version"]})
    assert (content / file).read_bytes() == before
    client.force_login(accounts.add("nina", roles.NURSE, PASSWORD))
    assert client.get(f"/content/sign/{kind}/{key}/").status_code == 403
    client.post(f"/content/sign/{kind}/{key}/", {"base_version": page.context["version"]})
    assert (content / file).read_bytes() == before
    assert not Entry.objects.filter(action__in=["signed red flag", "signed message"]).exists()


def test_a_changed_message_is_a_conflict_and_an_unknown_one_is_not_found(clinician, content):
    shown = clinician.get("/content/sign/message/handoff/").context["version"]
    path = content / "messages.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "so I can't connect you", "so I cannot connect you", 1
        ),
        "utf-8",
    )
    response = clinician.post("/content/sign/message/handoff/", {"base_version": shown})
    assert response.status_code == 409 and "signed_by" not in path.read_text(encoding="utf-8")
    assert response.context["version"] != shown  # the text as it is now, to read again
    assert clinician.get("/content/sign/message/no_such/").status_code == 404
    assert clinician.get("/content/sign/recipe/handoff/").status_code == 404


def test_with_approval_on_a_clinician_s_signature_is_written_at_once(clinician, content):
    """As a topic's: a sign-off changes no text patients read, and is itself the review."""
    from staff.editor.models import Approval, Draft

    Approval.objects.create(require_approval=True)
    assert sign_entry(clinician, "urgent", "emergency").status_code == 302
    assert loader.load(content).red_flags.levels["emergency"].sign_off.by == "Cleo Ruiz"
    assert not Draft.objects.exists()


def test_the_overview_and_the_list_report_red_flags_and_messages_apart(clinician, content):
    sign_entry(clinician, "message", "welcome")
    loaded = loader.load(content)
    page = clinician.get("/dashboard/").content.decode()
    total = len(loaded.messages)
    assert f"Messages signed by a clinician (today)</th><td>1 of {total} (" in page
    assert (
        f"Red flags signed by a clinician (today)</th><td>0 of {len(loaded.red_flags.symptoms)}"
        in page
    )
    listing = clinician.get("/content/sign/").content.decode()
    assert "given to patients signed or not" in listing
    # A message is listed with the start of its text, not its key alone.
    assert "Hello! I am an automated helper from {clinic_name}" in listing
