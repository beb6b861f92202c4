"""A clinician's sign-off of a topic (bot/content/sign_off.py, signing.py): what
the file says, when a sign-off lapses, and what patients get when the clinic
serves only signed answers."""

import datetime as dt

import pytest

from bot.cli import sign_off_summary
from bot.content import answers, editing, loader, sign_off, signing
from bot.content.history import Author
from tests.conftest import edit_yaml

TOPIC = "hospital_stay"
TODAY = dt.date.today()  # signing writes today's date; every check is relative to it
NURSE_AUTHOR = Author("Dr. Ana Ruiz", "ana@clinic.example.org")


def signed_copy(content_dir):
    _, file_version = signing.current_version(content_dir, TOPIC)
    signing.sign(content_dir, TOPIC, "Dr. Ana Ruiz, oncologist", file_version, NURSE_AUTHOR,
                 None, TODAY)  # fmt: skip
    return loader.load(content_dir, today=TODAY)


def test_a_signed_topic_names_who_when_and_which_text(content_dir):
    loaded = signed_copy(content_dir)
    topic = loaded.topics[TOPIC]
    assert topic.sign_off == sign_off.SignOff("Dr. Ana Ruiz, oncologist", TODAY, topic.version)
    assert loaded.sign_off_state(topic, TODAY) == sign_off.SIGNED
    others = [t for t in loaded.topics.values() if t.id != TOPIC]
    assert {loaded.sign_off_state(t, TODAY) for t in others} == {sign_off.UNSIGNED}
    assert "Signed by a clinician: 1 of" in sign_off_summary(loaded)


def test_a_change_to_the_text_voids_the_sign_off_and_time_ends_it(content_dir):
    signed_copy(content_dir)
    path = content_dir / "topics" / f"{TOPIC}.yml"
    edit_yaml(path, lambda d: d.update(answer=d["answer"] + " Ask your surgeon."))
    loaded = loader.load(content_dir, today=TODAY)
    assert loaded.sign_off_state(loaded.topics[TOPIC], TODAY) == sign_off.CHANGED
    assert "1 changed since signing" in sign_off_summary(loaded)

    fresh = signed_copy(content_dir)
    days = fresh.clinic["sign_off_days"]
    topic = fresh.topics[TOPIC]
    assert fresh.sign_off_state(topic, TODAY + dt.timedelta(days=days)) == sign_off.SIGNED
    assert fresh.sign_off_state(topic, TODAY + dt.timedelta(days=days + 1)) == sign_off.EXPIRED


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"signed_by": "Dr. Ruiz"}, "'signed_on': is missing"),
        ({"signed_by": "Dr. Ruiz", "signed_on": "yesterday", "signed_version": "x"}, "YYYY-MM-DD"),
        (
            {"signed_by": "Dr. Ruiz", "signed_on": TODAY + dt.timedelta(days=1),
             "signed_version": "x"},
            "is in the future",
        ),  # fmt: skip
        ({"signed_by": " ", "signed_on": TODAY, "signed_version": "x"}, "clinician's name"),
    ],
)
def test_a_malformed_sign_off_is_named_by_its_field(content_dir, fields, expected):
    edit_yaml(content_dir / "topics" / f"{TOPIC}.yml", lambda d: d.update(fields))
    errors = [str(p) for p in loader.load(content_dir, today=TODAY).errors]
    assert any(f"topics/{TOPIC}.yml" in e and expected in e for e in errors), errors


def test_signing_what_changed_since_the_page_showed_it_is_a_conflict(content_dir):
    _, shown = signing.current_version(content_dir, TOPIC)
    edit_yaml(content_dir / "topics" / f"{TOPIC}.yml", lambda d: d.update(title="Hospital"))
    with pytest.raises(editing.Conflict):
        signing.sign(content_dir, TOPIC, "Dr. Ana Ruiz", shown, NURSE_AUTHOR, None, TODAY)


@pytest.mark.parametrize("language, words", [("en", "still reviewing"), ("es", "revisando")])
def test_a_clinic_serving_only_signed_answers_gives_the_others_its_number(
    content_dir, language, words
):
    edit_yaml(content_dir / "clinic.yml", lambda d: d.update(serve_only_signed=True))
    loaded = signed_copy(content_dir)
    signed = answers.answer_in(loaded, loaded.topics[TOPIC], language)
    assert "3 days" in signed[-1].text or "3 días" in signed[-1].text
    (unsigned,) = answers.answer_in(loaded, loaded.topics["refills"], language)
    assert words in unsigned.text and loaded.clinic["phone_main"] in unsigned.text
    assert "911" in unsigned.text
