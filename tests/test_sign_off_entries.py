"""A clinician's sign-off of each red-flag symptom, each red-flag level's urgent
message and each message (bot/content/red_flags.py, messages.py,
entry_signing.py): what the file says, when a sign-off lapses, errors named by
file and field, and the safety rule: none of these is ever withheld for want of
a signature, whatever the clinic chooses for answers."""

import datetime as dt
import difflib
import re

import pytest
import yaml

from actions import conversation, replies
from bot.cli import sign_off_summary
from bot.content import editing, entry_signing, loader, round_trip, sign_off
from bot.content import sign_off_items as items
from bot.content.history import Author
from bot.content.store import ContentStore
from tests.conftest import edit_yaml
from tests.test_conversation_actions import red_flags, run, symptom_question, tracker

# A day after every review date of the shipped content; nothing here reads the clock.
DAY = dt.date(2027, 3, 1)
AUTHOR = Author("Dr. Ana Ruiz", "ana@clinic.example.org")


def signed_by(version: str, on: dt.date = DAY) -> dict:
    return {"signed_by": "Dr. Ana Ruiz, MD", "signed_on": on, "signed_version": version}


def sign_in_file(content_dir, kind: str, key: str, on: dt.date = DAY) -> None:
    version = entry_signing.entry(loader.load(content_dir, DAY), kind, key).version
    if kind == items.MESSAGE:
        edit_yaml(content_dir / "messages.yml",
                  lambda d: d["messages"][key].update(signed_by(version, on)))  # fmt: skip
    elif kind == items.URGENT:
        edit_yaml(content_dir / "red_flags.yml",
                  lambda d: d["levels"][key].update(signed_by(version, on)))  # fmt: skip
    else:
        edit_yaml(content_dir / "red_flags.yml", lambda d: next(
            s for s in d["symptoms"] if s["id"] == key).update(signed_by(version, on)))  # fmt: skip


def state(content_dir, kind: str, key: str, today: dt.date = DAY) -> str:
    content = loader.load(content_dir, DAY)
    assert not content.errors, content.errors
    return content.sign_off_state(entry_signing.entry(content, kind, key), today)


@pytest.mark.parametrize(
    "kind, key", [(items.RED_FLAG, "fever_chills"), (items.URGENT, "call_now"),
                  (items.MESSAGE, "welcome")],
)  # fmt: skip
def test_a_signed_entry_lasts_the_review_period_then_expires(content_dir, kind, key):
    assert state(content_dir, kind, key) == sign_off.UNSIGNED
    sign_in_file(content_dir, kind, key, on=DAY - dt.timedelta(days=10))
    days = loader.load(content_dir, DAY).clinic["sign_off_days"]
    assert state(content_dir, kind, key) == sign_off.SIGNED
    last = DAY - dt.timedelta(days=10) + dt.timedelta(days=days)
    assert state(content_dir, kind, key, today=last) == sign_off.SIGNED
    assert state(content_dir, kind, key, today=last + dt.timedelta(days=1)) == sign_off.EXPIRED


def test_a_change_to_the_text_voids_the_sign_off(content_dir):
    for kind, key in [(items.RED_FLAG, "fever_chills"), (items.URGENT, "call_now"),
                      (items.MESSAGE, "welcome")]:  # fmt: skip
        sign_in_file(content_dir, kind, key)
    path = content_dir / "red_flags.yml"
    fever = lambda d: next(s for s in d["symptoms"] if s["id"] == "fever_chills")  # noqa: E731
    edit_yaml(path, lambda d: fever(d)["phrases"].append("i feel feverish tonight"))
    assert state(content_dir, items.RED_FLAG, "fever_chills") == sign_off.CHANGED
    edit_yaml(path, lambda d: d["levels"]["call_now"].update(message="Call us now at {phone_24h}."))
    assert state(content_dir, items.URGENT, "call_now") == sign_off.CHANGED
    welcome = "Hello from {clinic_name}."
    edit_yaml(content_dir / "messages.yml", lambda d: d["messages"]["welcome"].update(text=welcome))
    assert state(content_dir, items.MESSAGE, "welcome") == sign_off.CHANGED
    summary = sign_off_summary(loader.load(content_dir, DAY))
    assert "1 changed since signing" in summary and "red flags" in summary


def test_an_urgent_message_s_version_is_the_one_its_translation_names(content_dir):
    """One fingerprint of the English text: a sign-off and a translation agree."""
    data = yaml.safe_load((content_dir / "red_flags.yml").read_text(encoding="utf-8"))
    level = loader.load(content_dir, DAY).red_flags.levels["emergency"]
    assert level.version == data["levels"]["emergency"]["translations"]["es"]["translated_from"]


@pytest.mark.parametrize(
    "file, change, field, words",
    [
        ("messages.yml", lambda d: d["messages"]["welcome"].update(signed_on="last week",
         signed_by="Dr. Ruiz", signed_version="x"), "messages.welcome.signed_on", "YYYY-MM-DD"),
        ("messages.yml", lambda d: d["messages"]["handoff"].update(signed_by="Dr. Ruiz"),
         "messages.handoff.signed_version", "is missing"),
        ("messages.yml", lambda d: d["messages"]["welcome"].update(signed_at=DAY),
         "messages.welcome.signed_at", "is not a known field"),
        ("red_flags.yml", lambda d: d["levels"]["emergency"].update(
            signed_by="Dr. Ruiz", signed_on=DAY + dt.timedelta(days=1), signed_version="x"),
         "levels.emergency.signed_on", "is in the future"),
        ("red_flags.yml", lambda d: d["levels"]["emergency"].update(approved=True),
         "levels.emergency.approved", "is not a known field"),
        ("red_flags.yml", lambda d: d["symptoms"][0].update(
            signed_by=" ", signed_on=DAY, signed_version="x"),
         "symptoms[0].signed_by", "clinician's name"),
        ("red_flags.yml", lambda d: d["symptoms"][0].update(signed=True),
         "symptoms[0].signed", "is not a known symptom field"),
    ],
)  # fmt: skip
def test_a_malformed_sign_off_is_named_by_file_and_field(content_dir, file, change, field, words):
    edit_yaml(content_dir / file, change)
    errors = loader.load(content_dir, DAY).errors
    assert any(
        p.file == f"content/{file}" and p.field == field and words in p.message for p in errors
    ), [str(p) for p in errors]


def test_signing_writes_into_the_entry_and_keeps_the_file_s_comments(content_dir):
    today = dt.date.today()  # the validator checks a new sign-off against the clock
    for kind, key, file in [(items.MESSAGE, "handoff", "messages.yml"),
                            (items.RED_FLAG, "jaundice", "red_flags.yml"),
                            (items.URGENT, "emergency", "red_flags.yml")]:  # fmt: skip
        path = content_dir / file
        before = path.read_text(encoding="utf-8")
        version = entry_signing.entry(loader.load(content_dir, today), kind, key).version
        entry_signing.sign(content_dir, kind, key, "Dr. Ana Ruiz, MD", version, AUTHOR, None, today)
        after = path.read_text(encoding="utf-8")
        comments = [line for line in before.splitlines() if line.lstrip().startswith("#")]
        assert [line for line in after.splitlines() if line.lstrip().startswith("#")] == comments
        assert len(after.splitlines()) == len(before.splitlines()) + 3  # the three fields only
    loaded = loader.load(content_dir, today)
    assert not loaded.errors
    for kind, key in [(items.MESSAGE, "handoff"), (items.RED_FLAG, "jaundice"),
                      (items.URGENT, "emergency")]:  # fmt: skip
        signed = entry_signing.entry(loaded, kind, key)
        assert signed.sign_off == sign_off.SignOff("Dr. Ana Ruiz, MD", today, signed.version)
    # Signed again, the fields are replaced, not repeated.
    version = loaded.messages["handoff"].version
    entry_signing.sign(content_dir, items.MESSAGE, "handoff", "Dr. Lee", version, AUTHOR, None,
                       today)  # fmt: skip
    assert loader.load(content_dir, today).messages["handoff"].sign_off.by == "Dr. Lee"


def entry_lines(text: str, kind: str, key: str) -> range:
    """The lines of the shipped file's entry: from its first line to the next
    entry's (or the next top-level key's), comments between them included."""
    lines = text.splitlines()
    if kind == items.RED_FLAG:
        heads = [i for i, line in enumerate(lines) if line.startswith("  - id: ")]
        first = lines.index(f"  - id: {key}")
    else:
        top = lines.index("levels:" if kind == items.URGENT else "messages:")
        heads = [i for i, line in enumerate(lines) if i > top and re.match(r"  \w+:$", line)]
        first = lines.index(f"  {key}:", top)
    ends = [i for i, line in enumerate(lines) if re.match(r"\w", line)]
    return range(first, min([i for i in heads + ends if i > first], default=len(lines)))


@pytest.mark.parametrize(
    "kind, key",
    [(items.RED_FLAG, "chest_or_breathing"), (items.RED_FLAG, "severe_vomiting_diarrhea"),
     (items.RED_FLAG, "pump_site_pain"), (items.URGENT, "emergency"), (items.URGENT, "unspecified"),
     (items.MESSAGE, "welcome"), (items.MESSAGE, "not_sure_no_topics"),
     (items.MESSAGE, "reminder_confirm")],
)  # fmt: skip
def test_signing_changes_only_the_entry_s_lines_of_the_shipped_file(content_dir, kind, key):
    """Byte for byte: the rest of the file, its long wrapped lists included."""
    today = dt.date.today()
    path = content_dir / ("messages.yml" if kind == items.MESSAGE else "red_flags.yml")
    shipped = path.read_text(encoding="utf-8")
    entry = entry_lines(shipped, kind, key)
    signings = [("Dr. Ana Ruiz, MD", list(sign_off.FIELDS)), ("Dr. Lee", ["signed_by"])]
    for clinician, written in signings:  # signed again, only the name changes
        before = path.read_text(encoding="utf-8").splitlines(keepends=True)
        version = entry_signing.entry(loader.load(content_dir, today), kind, key).version
        entry_signing.sign(content_dir, kind, key, clinician, version, AUTHOR, None, today)
        after = path.read_text(encoding="utf-8").splitlines(keepends=True)
        changes = [c for c in difflib.SequenceMatcher(None, before, after, False).get_opcodes()
                   if c[0] != "equal"]  # fmt: skip
        assert len(changes) == 1, changes
        _, i1, i2, j1, j2 = changes[0]
        assert [line.strip().split(":")[0] for line in after[j1:j2]] == written
        assert after[j1].strip() == f"signed_by: {clinician}"
        assert i2 - i1 == (0 if len(written) == 3 else 1)  # added, then replaced
        assert entry.start < i1 <= entry.stop  # the fields end the entry itself
        last = next(i for i in range(i1 - 1, entry.start, -1) if before[i].strip())
        assert not before[last].lstrip().startswith("#")  # before the comments after it
    signed = entry_signing.entry(loader.load(content_dir, today), kind, key)
    assert signed.sign_off == sign_off.SignOff("Dr. Lee", today, signed.version)


SIGNED = "    signed_by: Dr. Lee\n    signed_on: 2027-03-01\n    signed_version: 9183accf3a96\n"


@pytest.mark.parametrize(
    "before, after",
    [
        # A comment on the last value's line stays there; the lines after it follow the fields.
        ("m:\n  a:\n    t: hi  # says hi\n  # b next\n  b: 1\n",
         "m:\n  a:\n    t: hi  # says hi\n" + SIGNED + "  # b next\n  b: 1\n"),
        ("m:\n  a:\n    t: >-\n      hi\n      there\n\n  # b next\n  b: 1\n",
         "m:\n  a:\n    t: >-\n      hi\n      there\n" + SIGNED + "\n  # b next\n  b: 1\n"),
        # A list wrapped over lines keeps its lines, and the comment on its last one.
        ("m:\n  a:\n    t: [one, two,\n      three]  # all\n  # b next\n  b: 1\n",
         "m:\n  a:\n    t: [one, two,\n      three]  # all\n" + SIGNED + "  # b next\n  b: 1\n"),
        # Signed before: the old fields go, wherever they were.
        ("m:\n  a:\n    signed_by: Dr. Ruiz\n    t: hi\n    signed_on: 2027-01-01\n",
         "m:\n  a:\n    t: hi\n" + SIGNED),
        ("m:\n  a:\n    t: hi\n# the end", "m:\n  a:\n    t: hi\n" + SIGNED + "# the end\n"),
        ("m:\r\n  a:\r\n    t: hi\r\n  # b\r\n  b: 1\r\n",
         "m:\r\n  a:\r\n    t: hi\r\n" + SIGNED.replace("\n", "\r\n") + "  # b\r\n  b: 1\r\n"),
    ],
)  # fmt: skip
def test_the_fields_end_the_entry_in_layouts_a_hand_edited_file_may_have(before, after):
    document = round_trip.load(before)
    dumped = round_trip.dump(document)
    fields = {"signed_by": "Dr. Lee", "signed_on": DAY, "signed_version": "9183accf3a96"}
    round_trip.set_last(document["m"]["a"], fields)
    assert round_trip.patched(before, dumped, round_trip.dump(document)) == after


def test_signing_text_that_changed_since_the_page_showed_it_is_a_conflict(content_dir):
    today = dt.date.today()
    shown = loader.load(content_dir, today).messages["handoff"].version
    other = loader.load(content_dir, today).messages["welcome"].version
    handoff = "Call us at {phone_main}."
    edit_yaml(content_dir / "messages.yml", lambda d: d["messages"]["handoff"].update(text=handoff))
    with pytest.raises(editing.Conflict):
        entry_signing.sign(content_dir, items.MESSAGE, "handoff", "Dr. Ruiz", shown, AUTHOR, None,
                           today)  # fmt: skip
    # Another message of the same file changed: this one is signed as read.
    entry_signing.sign(
        content_dir, items.MESSAGE, "welcome", "Dr. Ruiz", other, AUTHOR, None, today
    )
    with pytest.raises(editing.Invalid):
        entry_signing.sign(content_dir, items.RED_FLAG, "no_such", "Dr. Ruiz", "x", AUTHOR, None,
                           today)  # fmt: skip


@pytest.fixture
def signed_only(content_dir, monkeypatch):
    """A clinic serving only signed answers, with nothing signed."""
    edit_yaml(content_dir / "clinic.yml", lambda d: d.update(serve_only_signed=True))
    monkeypatch.setattr(replies, "STORE", ContentStore(content_dir))
    return content_dir


def test_unsigned_urgent_guidance_is_given_when_the_clinic_serves_only_signed(signed_only):
    texts, _, _ = run(conversation.ActionUrgentGuidance(), tracker(red_flags("jaundice")))
    assert "yellow skin or eyes" in texts[0] and "(555) 555-0199" in texts[0]
    texts, _, _ = run(conversation.ActionUrgentGuidance(), tracker())
    assert "may need care right away" in texts[0]
    # The topic's answer is the one withheld; the urgent line still comes first.
    texts, _, _ = run(
        conversation.ActionUrgentGuidance(),
        tracker(symptom_question("bile_duct_damage", "jaundice"), events=[]),
    )
    assert "yellow skin or eyes" in texts[0]
    assert "reviewing" in texts[1] and "bile ducts" not in texts[1]
    assert "computer program" in texts[2]  # the unsigned welcome


def test_unsigned_messages_are_given_when_the_clinic_serves_only_signed(signed_only):
    texts, _, _ = run(conversation.ActionMedicalAdvice(), tracker())
    assert "can't tell you what to do" in texts[0]
    texts, _, _ = run(conversation.ActionHandoff(), tracker())
    assert "(555) 555-0100" in texts[0]
    loaded = loader.load(signed_only, DAY)
    assert loaded.messages["handoff"].sign_off is None
    assert loaded.red_flags.symptom("jaundice").sign_off is None
