"""The browser content editor's library (bot/content/editing.py): edit a topic's
fields, see what a patient would see, save with a check and a conflict guard."""

import datetime as dt
import subprocess
import threading

import pytest
import yaml

from bot.content import answers, editing, loader
from bot.content.editing import Author, Conflict, Invalid
from bot.content.history import ContentHistory

NURSE = Author("Nurse Ann Example", "ann@clinic.example")
DOCTOR = Author("Dr Bo Example", "bo@clinic.example")
TOPIC = "hospital_stay"


@pytest.fixture
def history(content_dir, tmp_path):
    return ContentHistory(content_dir, tmp_path / "content-history.git")


def topic_file(content_dir, topic=TOPIC):
    return content_dir / "topics" / f"{topic}.yml"


def snapshot(content_dir):
    return {p: p.read_bytes() for p in content_dir.rglob("*") if p.is_file()}


def test_load_topic_gives_the_files_fields_and_version(content_dir):
    editable = editing.load_topic(content_dir, TOPIC)
    data = yaml.safe_load(topic_file(content_dir).read_text())
    assert set(editable.fields) == set(editing.EDITABLE_FIELDS)
    assert editable.fields["answer"] == data["answer"]
    assert editable.fields["follow_ups"] == ["recovery", "placement_surgery"]
    assert isinstance(editable.fields["reviewed_on"], dt.date)
    assert editable.file == topic_file(content_dir)
    assert editable.version == editing.version_of(topic_file(content_dir).read_bytes())


def test_per_pump_type_answers_are_the_answer_field(content_dir):
    fields = editing.load_topic(content_dir, "what_is_pump").fields
    assert set(fields["answer"]) == set(loader.PUMP_TYPES)


def test_a_save_keeps_every_other_field_and_line_and_is_live(content_dir):
    path = topic_file(content_dir)
    before_text = path.read_text()
    editable = editing.load_topic(content_dir, TOPIC)
    new_answer = editable.fields["answer"] + " Ask your nurse if you are not sure."
    saved = editing.save_topic(content_dir, TOPIC, {"answer": new_answer}, editable.version, NURSE)
    assert saved.changed_fields == ["answer"] and saved.commit is None
    after = editing.load_topic(content_dir, TOPIC)
    assert after.version == saved.version != editable.version
    assert after.fields == {**editable.fields, "answer": new_answer}
    # Only the answer's lines changed: the rest of the file is as the editor left it.
    assert path.read_text().split("facts:")[1] == before_text.split("facts:")[1]
    assert "answer: >-\n" in path.read_text()
    live = loader.load(content_dir)
    assert not live.errors
    assert live.topics[TOPIC].answer == new_answer


def test_comment_lines_between_keys_stay_when_the_keys_around_them_change(content_dir):
    path = topic_file(content_dir)
    text = path.read_text()
    text = text.replace("\nfacts:", "\n# Each fact with its source.\nfacts:")
    text = text.replace("\nfollow_ups:", "\n# Chosen by the nurses.\n\nfollow_ups:")
    path.write_text(text)
    editable = editing.load_topic(content_dir, TOPIC)
    fields = {
        "answer": editable.fields["answer"] + " Ask your nurse.",
        "examples": [*editable.fields["examples"], "how many nights in hospital"],
        "follow_ups": ["recovery"],
    }
    editing.save_topic(content_dir, TOPIC, fields, editable.version, NURSE)
    saved = path.read_text()
    assert "\n# Each fact with its source.\nfacts:" in saved
    assert "\n# Chosen by the nurses.\n\nfollow_ups: [recovery]\n" in saved
    assert editing.load_topic(content_dir, TOPIC).fields["examples"][-1] == (
        "how many nights in hospital"
    )


def test_the_saved_file_loads_to_exactly_the_given_fields(content_dir):
    editable = editing.load_topic(content_dir, "what_is_pump")
    fields = dict(editable.fields)
    fields["title"] = "What the pump is: the short story"
    fields["answer"] = {
        "constant_flow": "The pump is a small metal disc under the skin.\n\nIt has no battery.",
        "programmable": fields["answer"]["programmable"],
    }
    fields["examples"] = [*fields["examples"], 'what\'s the pump: "really" #1 [x]']
    fields["follow_ups"] = ["benefits", "hospital_stay"]
    fields["reviewed_on"] = "2026-11-28"
    fields["reviewed_by"] = "Dr Bo Example, liver surgeon"
    saved = editing.save_topic(content_dir, "what_is_pump", fields, editable.version, NURSE)
    assert saved.changed_fields == [
        "title",
        "answer",
        "examples",
        "follow_ups",
        "reviewed_on",
        "reviewed_by",
    ]
    reloaded = editing.load_topic(content_dir, "what_is_pump").fields
    assert reloaded == {**fields, "reviewed_on": dt.date(2026, 11, 28)}
    text = topic_file(content_dir, "what_is_pump").read_text()
    # The comment inside the answer stays; lists of keys stay on one line.
    assert "# This topic's facts hold only for one pump type" in text
    assert "follow_ups: [benefits, hospital_stay]\n" in text
    assert not loader.load(content_dir).errors


def test_every_shipped_topic_saved_unchanged_is_byte_identical(content_dir):
    for path in sorted((content_dir / "topics").glob("*.yml")):
        before = path.read_bytes()
        editable = editing.load_topic(content_dir, path.stem)
        # Compose the file anew from its fields: it must read back the same.
        data = yaml.safe_load(before)
        assert yaml.safe_load(editing._compose(None, {}, data)) == data
        assert editing._compose(before.decode(), data, dict(data)) == before.decode()
        assert editable.fields["title"]
    editable = editing.load_topic(content_dir, TOPIC)
    saved = editing.save_topic(content_dir, TOPIC, editable.fields, editable.version, NURSE)
    assert saved.changed_fields == [] and saved.version == editable.version


def test_browser_text_is_cleaned(content_dir):
    editable = editing.load_topic(content_dir, TOPIC)
    answer = "  You stay about {hospital_stay}.\r\n\r\nAsk your team.  "
    editing.save_topic(content_dir, TOPIC, {"answer": answer}, editable.version, NURSE)
    assert editing.load_topic(content_dir, TOPIC).fields["answer"] == (
        "You stay about {hospital_stay}.\n\nAsk your team."
    )


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"answer": ""}, "answer", "is missing"),
        ({"answer": "   "}, "answer", "is missing"),
        ({"sources": ["JH", "P1", "NO_SUCH_SOURCE"]}, "sources", "NO_SUCH_SOURCE"),
        ({"follow_ups": ["recovery", "no_such_topic"]}, "follow_ups", "not a topic id"),
        ({"follow_ups": [TOPIC]}, "follow_ups", "follow up on itself"),
        (
            {"answer": "You stay in the hospital for 9 days after the pump is placed."},
            "answer",
            "none of its facts",
        ),
        ({"facts": [{"claim": "Three days", "source": "NOPE"}]}, "facts", "facts[0].source"),
        ({"examples": ["how long is the stay"]}, "examples", "at least 12"),
        ({"reviewed_on": "2999-01-01"}, "reviewed_on", "in the future"),
        ({"title": None}, "title", "is missing"),
        ({"answer": "Call {no_such_value}."}, "answer", "does not define"),
        ({"answer": {"jet_pump": "Some text."}}, "answer", "not a pump type"),
    ],
)
def test_an_invalid_edit_names_the_field_and_writes_nothing(content_dir, change, field, message):
    before = snapshot(content_dir)
    editable = editing.load_topic(content_dir, TOPIC)
    with pytest.raises(Invalid) as raised:
        editing.save_topic(content_dir, TOPIC, change, editable.version, NURSE)
    assert field in raised.value.errors, raised.value.errors
    assert any(message in m for m in raised.value.errors[field]), raised.value.errors
    assert snapshot(content_dir) == before
    # The preview refuses the same edit.
    with pytest.raises(Invalid):
        editing.preview(content_dir, TOPIC, change)


def test_an_example_another_topic_has_is_named_under_examples(content_dir):
    editable = editing.load_topic(content_dir, TOPIC)
    examples = [*editable.fields["examples"], "how long is the recovery"]
    with pytest.raises(Invalid) as raised:
        editing.save_topic(content_dir, TOPIC, {"examples": examples}, editable.version, NURSE)
    [message] = raised.value.errors["examples"]
    assert "content/topics/recovery.yml" in message and "also an example" in message


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"answer": 5}, "answer"),
        ({"answer": b"bytes are not text"}, "answer"),
        ({"answer": "bad \udcff surrogate"}, "answer"),
        ({"answer": "a bell \x07 in it"}, "answer"),
        ({"answer": "x " * 5001}, "answer"),
        ({"examples": "one question"}, "examples"),
        ({"examples": ["fine", 3]}, "examples"),
        ({"examples": [f"question {n} " + "y" * 400 for n in range(30)]}, "examples"),
        ({"facts": ["not a mapping"]}, "facts"),
        ({"facts": [{"claim": ["list"], "source": "JH"}]}, "facts"),
        ({"reviewed_on": "yesterday"}, "reviewed_on"),
        ({"reviewed_on": dt.datetime(2026, 1, 1, 12, 0)}, "reviewed_on"),
        ({"anwser": "typo"}, "anwser"),
        ({"id": "other_id"}, "id"),
    ],
)
def test_bad_input_is_invalid_never_a_crash(content_dir, fields, field):
    before = snapshot(content_dir)
    version = editing.load_topic(content_dir, TOPIC).version
    with pytest.raises(Invalid) as raised:
        editing.save_topic(content_dir, TOPIC, fields, version, NURSE)
    assert field in raised.value.errors
    assert snapshot(content_dir) == before


def test_fields_that_are_not_a_mapping_are_invalid(content_dir):
    version = editing.load_topic(content_dir, TOPIC).version
    with pytest.raises(Invalid):
        editing.save_topic(content_dir, TOPIC, ["answer"], version, NURSE)


@pytest.mark.parametrize(
    "topic_id", ["../clinic", "../../etc/passwd", "topics/../x", "/etc/passwd", "", None, "A"]
)
def test_ids_that_are_paths_are_rejected(content_dir, topic_id):
    before = snapshot(content_dir)
    with pytest.raises(Invalid) as raised:
        editing.load_topic(content_dir, topic_id)
    assert "id" in raised.value.errors
    with pytest.raises(Invalid):
        editing.save_topic(content_dir, topic_id, {"title": "x"}, "0" * 64, NURSE)
    with pytest.raises(Invalid):
        editing.preview(content_dir, topic_id, {})
    with pytest.raises(Invalid):
        editing.retire_topic(content_dir, topic_id, NURSE)
    with pytest.raises(Invalid):
        editing.new_topic(content_dir, {"id": topic_id, "title": "x"}, NURSE)
    assert snapshot(content_dir) == before


def test_an_unknown_topic_is_invalid(content_dir):
    with pytest.raises(Invalid, match="no topic 'no_such_topic'"):
        editing.load_topic(content_dir, "no_such_topic")


def test_a_file_that_is_not_utf8_is_invalid_not_a_crash(content_dir):
    topic_file(content_dir).write_bytes(b"id: hospital_stay\ntitle: caf\xe9\n")
    with pytest.raises(Invalid) as raised:
        editing.load_topic(content_dir, TOPIC)
    assert "UTF-8" in raised.value.errors["file"][0]


def test_a_stale_version_is_a_conflict_with_both_texts(content_dir):
    path = topic_file(content_dir)
    ann = editing.load_topic(content_dir, TOPIC)
    bo = editing.load_topic(content_dir, TOPIC)
    editing.save_topic(content_dir, TOPIC, {"title": "Your hospital stay"}, ann.version, NURSE)
    theirs = path.read_text()
    bo_answer = bo.fields["answer"] + " Bring a book."
    with pytest.raises(Conflict) as raised:
        editing.save_topic(content_dir, TOPIC, {"answer": bo_answer}, bo.version, DOCTOR)
    assert raised.value.theirs == theirs == path.read_text()
    mine = yaml.safe_load(raised.value.mine)
    assert mine["answer"] == bo_answer and mine["title"] == "Your hospital stay"
    # Saved against the version the conflict names, both edits stay.
    editing.save_topic(content_dir, TOPIC, {"answer": bo_answer}, raised.value.version, DOCTOR)
    fields = editing.load_topic(content_dir, TOPIC).fields
    assert (fields["title"], fields["answer"]) == ("Your hospital stay", bo_answer)


def test_two_editors_saving_at_once_one_gets_a_conflict_none_is_lost(content_dir):
    base = editing.load_topic(content_dir, TOPIC)
    edits = {
        "ann": {"title": "Your stay in the hospital"},
        "bo": {"reviewed_by": "Dr Bo Example, liver surgeon"},
    }
    start = threading.Barrier(len(edits))
    outcome = {}

    def save(who):
        start.wait()
        try:
            outcome[who] = editing.save_topic(content_dir, TOPIC, edits[who], base.version, NURSE)
        except Conflict as conflict:
            outcome[who] = conflict

    threads = [threading.Thread(target=save, args=(who,)) for who in edits]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    kinds = sorted(type(o).__name__ for o in outcome.values())
    assert kinds == ["Conflict", "Saved"]
    [(winner, saved)] = [(w, o) for w, o in outcome.items() if isinstance(o, editing.Saved)]
    [(loser, conflict)] = [(w, o) for w, o in outcome.items() if isinstance(o, Conflict)]
    fields = editing.load_topic(content_dir, TOPIC).fields
    assert {k: fields[k] for k in edits[winner]} == edits[winner]
    assert all(fields[k] == base.fields[k] for k in edits[loser])
    assert conflict.version == saved.version
    assert yaml.safe_load(conflict.mine) == {
        **yaml.safe_load(conflict.theirs),
        **edits[loser],
    }
    assert not list(content_dir.rglob("*.tmp"))


def test_saves_that_retry_on_conflict_all_land(content_dir):
    edits = {
        "title": "Your hospital stay",
        "reviewed_by": "Dr Bo Example",
        "follow_ups": ["recovery"],
    }

    def save(name, value):
        while True:
            editable = editing.load_topic(content_dir, TOPIC)
            try:
                return editing.save_topic(
                    content_dir, TOPIC, {name: value}, editable.version, NURSE
                )
            except Conflict:
                continue

    threads = [threading.Thread(target=save, args=item) for item in edits.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    fields = editing.load_topic(content_dir, TOPIC).fields
    assert {k: fields[k] for k in edits} == edits


def test_reading_grade_warnings_do_not_stop_a_save(content_dir):
    editable = editing.load_topic(content_dir, TOPIC)
    hard = (
        "Postoperative hospitalization following implantation necessitates "
        "comprehensive multidisciplinary observation, individualized analgesia "
        "administration, and systematic ambulation, typically {hospital_stay}."
    )
    saved = editing.save_topic(content_dir, TOPIC, {"answer": hard}, editable.version, NURSE)
    assert any("reads at grade" in w for w in saved.warnings), saved.warnings
    assert loader.load(content_dir).topics[TOPIC].answer == hard


def test_the_preview_is_what_the_patient_gets_after_saving(content_dir):
    before = snapshot(content_dir)
    editable = editing.load_topic(content_dir, "what_is_pump")
    variants = dict(editable.fields["answer"])
    variants["constant_flow"] = (
        "It is a small pump under your skin. Call {phone_24h} with questions."
    )
    change = {"answer": variants, "follow_ups": ["hospital_stay", "refills"]}
    shown = editing.preview(content_dir, "what_is_pump", change)
    assert snapshot(content_dir) == before
    assert "(555) 555-0199" in shown.text and "{phone_24h}" not in shown.text
    assert "programmable pump" not in shown.text  # this clinic's pump type only
    assert shown.text.endswith("\n" + shown.sources_line)
    assert [b["title"] for b in shown.buttons] == [
        "How long you stay in the hospital",
        loader.load(content_dir).topics["refills"].title,
    ]
    assert 0 < shown.grade <= 8

    editing.save_topic(content_dir, "what_is_pump", change, editable.version, NURSE)
    content = loader.load(content_dir)
    reply = answers.answer(content, content.topics["what_is_pump"])
    assert (shown.text, shown.buttons) == (reply.text, reply.buttons)
    assert shown.sources_line == answers.sources_line(content, content.topics["what_is_pump"])
    assert shown.grade == content.reading_grades()["what_is_pump"]


def new_fields(content_dir, topic_id="pump_noises"):
    fields = dict(editing.load_topic(content_dir, TOPIC).fields)
    fields["id"] = topic_id
    fields["title"] = "Sounds from the pump"
    fields["examples"] = [f"{e} (new topic)" for e in fields["examples"]]
    fields["follow_ups"] = ["recovery"]
    return fields


def test_a_new_topic_is_created_live_and_committed(content_dir, history):
    saved = editing.new_topic(content_dir, new_fields(content_dir), NURSE, history)
    path = content_dir / "topics" / "pump_noises.yml"
    assert saved.version == editing.version_of(path.read_bytes())
    assert saved.changed_fields[0] == "title"
    content = loader.load(content_dir)
    assert not content.errors and content.topics["pump_noises"].title == "Sounds from the pump"
    assert path.read_text().startswith("id: pump_noises\ntitle: Sounds from the pump\nanswer: >-\n")
    [last, *_] = history.log()
    assert (last.sha, last.message, last.author) == (
        saved.commit,
        "pump_noises: new topic",
        NURSE.name,
    )


def test_a_new_topic_must_be_valid_and_new(content_dir):
    before = snapshot(content_dir)
    with pytest.raises(Invalid, match="already a topic"):
        editing.new_topic(content_dir, new_fields(content_dir, TOPIC), NURSE)
    with pytest.raises(Invalid) as raised:
        editing.new_topic(content_dir, {"id": "pump_noises", "title": "Sounds"}, NURSE)
    assert {"answer", "examples", "sources"} <= set(raised.value.errors)
    with pytest.raises(Invalid) as raised:
        editing.new_topic(content_dir, {**new_fields(content_dir), "examples": []}, NURSE)
    assert "examples" in raised.value.errors
    assert snapshot(content_dir) == before


def test_a_topic_others_follow_up_on_cannot_be_retired(content_dir):
    before = snapshot(content_dir)
    with pytest.raises(Invalid) as raised:
        editing.retire_topic(content_dir, TOPIC, NURSE)
    messages = raised.value.errors["file"]
    assert any("content/topics/recovery.yml" in m and "follow_ups" in m for m in messages)
    assert any("content/messages.yml" in m for m in messages)
    assert snapshot(content_dir) == before


def test_a_retired_topic_moves_out_of_the_assistants_sight(content_dir, history):
    editing.new_topic(content_dir, new_fields(content_dir), NURSE, history)
    text = (content_dir / "topics" / "pump_noises.yml").read_text()
    saved = editing.retire_topic(content_dir, "pump_noises", DOCTOR, history)
    assert not (content_dir / "topics" / "pump_noises.yml").exists()
    assert (content_dir / "retired" / "pump_noises.yml").read_text() == text
    content = loader.load(content_dir)
    assert "pump_noises" not in content.topics and not content.errors
    assert history.log(limit=1)[0].message == "pump_noises: retired"
    assert saved.commit == history.log(limit=1)[0].sha
    with pytest.raises(Invalid):
        editing.load_topic(content_dir, "pump_noises")


def test_a_retire_with_a_stale_version_is_a_conflict(content_dir):
    editing.new_topic(content_dir, new_fields(content_dir), NURSE)
    with pytest.raises(Conflict):
        editing.retire_topic(content_dir, "pump_noises", NURSE, base_version="0" * 64)
    assert (content_dir / "topics" / "pump_noises.yml").exists()


def test_a_save_with_history_is_committed_by_the_staff_account(
    content_dir, history, tmp_path, monkeypatch
):
    # A server with no git identity, and git settings that must not leak in.
    home = tmp_path / "empty-home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Someone Else")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "not-this-one"))
    editable = editing.load_topic(content_dir, TOPIC)
    fields = {
        "answer": editable.fields["answer"] + " Bring a book.",
        "examples": [*editable.fields["examples"], "how long do they keep you in"],
    }
    saved = editing.save_topic(content_dir, TOPIC, fields, editable.version, NURSE, history)
    shown = subprocess.run(
        ["git", f"--git-dir={history.git_dir}", "log", "-1", "--format=%an|%ae|%cn|%ce|%s"],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home), "GIT_CONFIG_GLOBAL": "/dev/null"},
    ).stdout.strip()
    assert shown == f"{NURSE.name}|{NURSE.email}|{NURSE.name}|{NURSE.email}|" + (
        "hospital_stay: answer, examples"
    )
    assert saved.commit == history.log(limit=1)[0].sha
    assert [c.message for c in history.log()] == [
        "hospital_stay: answer, examples",
        "Content as found",
    ]
    assert not (tmp_path / "not-this-one").exists()
    assert not list(home.iterdir())


def test_an_author_without_a_name_is_invalid_before_anything_is_written(content_dir, history):
    before = snapshot(content_dir)
    editable = editing.load_topic(content_dir, TOPIC)
    for author in (Author("", "x@y"), Author("Ann\nEvil", "x@y"), Author("Ann", "<x>")):
        with pytest.raises(Invalid) as raised:
            editing.save_topic(
                content_dir, TOPIC, {"title": "New title"}, editable.version, author, history
            )
        assert "author" in raised.value.errors
    assert snapshot(content_dir) == before


def test_clinic_details_keep_their_comments_and_words_stay_text(content_dir):
    from bot.content import clinic_editing

    path = content_dir / "clinic.yml"
    before = path.read_text()
    version = clinic_editing.load_clinic(content_dir).version
    changes = {"quiet_hours_start": "22:00", "pump_model": "On"}
    clinic_editing.save_clinic(content_dir, changes, version, NURSE)
    after = path.read_text()
    # YAML 1.1, which the assistant reads, takes an unquoted 22:00 for a number
    # and an unquoted On for true.
    assert {k: yaml.safe_load(after)[k] for k in changes} == changes
    assert [line for line in after.splitlines() if not line.startswith(tuple(changes))] == [
        line for line in before.splitlines() if not line.startswith(tuple(changes))
    ]
