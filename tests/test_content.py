import datetime as dt

import pytest

from bot.content import loader
from bot.content.problems import ERROR, WARNING, ContentError
from tests.conftest import edit_yaml

# A fixed day on or after every reviewed_on in content/ (a later one is an error).
TODAY = dt.date(2026, 12, 4)


# The shipped content has one deliberate warning: chest pain as a red flag has no
# stored source and asks for a clinician's confirmation.
KNOWN_WARNING = ("content/red_flags.yml", "symptoms[0].sources")


def problems_of(content_dir, level=ERROR):
    """The problems of one level, without the known one and without "the English
    changed since this translation" (each test here edits the English; that
    warning has its own tests in test_content_translations.py)."""
    return [
        p
        for p in loader.load(content_dir, today=TODAY).problems
        if p.level == level
        and (p.file, p.field) != KNOWN_WARNING
        and not p.field.endswith(".translated_from")
    ]


def only_problem(content_dir, level=ERROR):
    found = problems_of(content_dir, level)
    assert len(found) == 1, [str(p) for p in found]
    return found[0]


def test_demo_content_is_valid():
    loaded = loader.load("content", today=TODAY)
    assert loaded.errors == []
    assert [(p.file, p.field) for p in loaded.warnings] == [KNOWN_WARNING]
    assert len(loaded.topics) >= 20
    for topic in loaded.topics.values():
        assert len(topic.examples) >= loader.MIN_EXAMPLES
        assert topic.sources and topic.reviewed_by


def test_demo_clinic_is_obviously_fictional():
    clinic = loader.load("content", today=TODAY).clinic
    assert "555" in clinic["phone_main"] and "555" in clinic["phone_24h"]
    assert clinic["refill_interval_days"] == 14


def test_unknown_topic_field_names_file_topic_and_field(content_dir):
    edit_yaml(content_dir / "topics/hospital_stay.yml", lambda d: d.update(anwser="typo"))
    problem = only_problem(content_dir)
    assert (problem.file, problem.topic, problem.field) == (
        "content/topics/hospital_stay.yml",
        "hospital_stay",
        "anwser",
    )
    assert "not a known topic field" in str(problem)


@pytest.mark.parametrize(
    "field", ["title", "answer", "facts", "examples", "sources", "reviewed_on", "reviewed_by"]
)
def test_missing_field(content_dir, field):
    edit_yaml(content_dir / "topics/refills.yml", lambda d: d.pop(field))
    problem = only_problem(content_dir)
    assert (problem.topic, problem.field, problem.message) == ("refills", field, "is missing")


def test_duplicate_id(content_dir):
    source = (content_dir / "topics/mri.yml").read_text()
    copy = source.replace("  - can i have an mri with the pump", "  - x")
    # Make the copy's examples unique so only the id clashes.
    copy = "\n".join(
        line + " copy"
        if line.startswith("  - ") and ":" not in line and not line.startswith("  - [")
        else line
        for line in copy.splitlines()
    )
    (content_dir / "topics/zz_mri_copy.yml").write_text(copy)
    problem = only_problem(content_dir)
    assert problem.field == "id" and "already used by content/topics/mri.yml" in problem.message


def test_same_example_under_two_topics(content_dir):
    edit_yaml(
        content_dir / "topics/recovery.yml",
        lambda d: d["examples"].append("How long is the HOSPITAL stay?"),
    )
    problem = only_problem(content_dir)
    assert (
        problem.field == "examples"
        and "also an example of topic 'hospital_stay'" in problem.message
    )


def test_example_repeated_within_a_topic(content_dir):
    edit_yaml(
        content_dir / "topics/recovery.yml",
        lambda d: d["examples"].append(d["examples"][0].upper()),
    )
    assert "is listed twice" in only_problem(content_dir).message


def test_too_few_examples(content_dir):
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d.update(examples=d["examples"][:5]))
    assert "at least 12" in only_problem(content_dir).message


def test_example_with_rasa_entity_markup(content_dir):
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d["examples"].append("is [mri](scan) ok"))
    assert "entity markup" in only_problem(content_dir).message


@pytest.mark.parametrize(
    "sources, message",
    [
        ([], "is missing"),
        (["NOPE"], "'NOPE' is not defined in content/sources.yml"),
    ],
)
def test_missing_source(content_dir, sources, message):
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d.update(sources=sources))
    problems = problems_of(content_dir)
    assert [p.message for p in problems if p.field == "sources"] == [message]
    # With sources listed, each fact's (and each correction's) source must be one of them.
    others = [p for p in problems if p.field != "sources"]
    assert all(p.field.startswith(("facts[", "myths[")) for p in others), others
    assert len([p for p in others if p.field.startswith("facts[")]) == (2 if sources else 0)


def test_source_without_url(content_dir):
    edit_yaml(content_dir / "sources.yml", lambda d: d["JH"].pop("url"))
    problems = problems_of(content_dir)
    assert any(p.file == "content/sources.yml" and p.field == "JH.url" for p in problems)


@pytest.mark.parametrize("name", [None, "", "   "])
def test_a_source_without_its_short_name_is_named(content_dir, name):
    def change(d):
        d["JH"].pop("name")
        if name is not None:
            d["JH"]["name"] = name

    edit_yaml(content_dir / "sources.yml", change)
    in_sources = [p for p in problems_of(content_dir) if p.file == "content/sources.yml"]
    assert [(p.field, p.message) for p in in_sources] == [("JH.name", "is missing")]
    assert str(in_sources[0]) == "ERROR: content/sources.yml field 'JH.name': is missing"


@pytest.mark.parametrize(
    "name, message",
    [
        ("Johns Hopkins Medicine: liver surgeon Kelly Lafaro answers questions", "at most 40"),
        ("[Johns Hopkins]", "without '[' or ']'"),
        ("{no_such_value}", "{no_such_value}, which content/clinic.yml does not define"),
    ],
)
def test_a_source_name_that_cannot_be_a_short_link_is_named(content_dir, name, message):
    edit_yaml(content_dir / "sources.yml", lambda d: d["JH"].update(name=name))
    problems = problems_of(content_dir)
    named = [p for p in problems if (p.file, p.field) == ("content/sources.yml", "JH.name")]
    assert len(named) == 1 and message in named[0].message, [str(p) for p in problems]


def test_the_sources_line_is_one_short_line_of_named_links():
    from bot.content import answers

    content = loader.load("content", today=TODAY)
    line = answers.sources_line(content, content.topics["hospital_stay"])
    assert line == (
        "Sources: [Johns Hopkins Medicine](https://joh.2.broadcastmed.net/videos/"
        "hepatic-artery-infusion-pump), [Penn Medicine](https://pennmedicine.org/cancer/"
        "types-of-cancer/liver-cancer/liver-cancer-treatment/hepatic-artery-infusion-pump/"
        "what-to-expect-hai-pump)"
    )
    # The full citation is for staff, not for the patient's line.
    assert "Kelly Lafaro" not in line and "\n" not in line
    # One source: the singular label; the clinic's own name and site filled in.
    assert answers.sources_line(content, content.topics["contact_care_team"]) == (
        "Source: [Lakeside Demo Cancer Center](https://example.org/lakeside-haip)"
    )


def test_the_sources_line_follows_the_answer_in_its_last_paragraph():
    from bot.content import answers

    content = loader.load("content", today=TODAY)
    text = answers.answer(content, content.topics["hospital_stay"]).text
    # A single line break: a channel that splits at blank lines (socket.io) keeps
    # the sources with the answer, and the widget shows them in the same bubble.
    assert "\n\nSources" not in text
    assert text.split("\n\n")[-1].split("\n")[-1].startswith("Sources: [Johns Hopkins Medicine](")


def test_a_name_cited_twice_shows_twice_only_for_another_page(content_dir):
    from bot.content import answers

    both_penn = dict(
        sources=["P1", "P2"],
        facts=[
            {"claim": "Pump alone: about 3 days in hospital", "source": "P1"},
            {"claim": "About a 3-day stay", "source": "P2"},
        ],
    )
    edit_yaml(content_dir / "topics/hospital_stay.yml", lambda d: d.update(both_penn))
    content = loader.load(content_dir, today=TODAY)
    line = answers.sources_line(content, content.topics["hospital_stay"])
    assert line.count("[Penn Medicine](") == 2  # two pages

    def same_page(d):
        d["P2"]["url"] = d["P1"]["url"]

    edit_yaml(content_dir / "sources.yml", same_page)
    content = loader.load(content_dir, today=TODAY)
    line = answers.sources_line(content, content.topics["hospital_stay"])
    assert line.startswith("Source: [Penn Medicine](") and line.count("Penn") == 1


def test_a_parenthesis_in_a_source_address_cannot_end_its_link(content_dir):
    from bot.content import answers

    edit_yaml(
        content_dir / "sources.yml",
        lambda d: d["JH"].update(url="https://example.org/a_(b)"),
    )
    content = loader.load(content_dir, today=TODAY)
    line = answers.sources_line(content, content.topics["hospital_stay"])
    assert "[Johns Hopkins Medicine](https://example.org/a_%28b%29)" in line


def test_review_older_than_a_year_is_a_warning(content_dir):
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d.update(reviewed_on=dt.date(2025, 11, 1)))
    assert problems_of(content_dir) == []
    warning = only_problem(content_dir, WARNING)
    assert warning.field == "reviewed_on" and "more than a year ago" in warning.message


def test_review_date_that_is_not_a_date(content_dir):
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d.update(reviewed_on="last week"))
    assert "YYYY-MM-DD" in only_problem(content_dir).message


def test_unresolved_placeholder(content_dir):
    edit_yaml(
        content_dir / "topics/mri.yml",
        lambda d: d.update(answer=d["answer"] + " Call {phone_nurse}."),
    )
    problem = only_problem(content_dir)
    assert problem.field == "answer" and "{phone_nurse}" in problem.message


def test_answer_above_reading_level_is_a_warning(content_dir):
    hard = (
        "Hepatic arterial infusion chemotherapy necessitates meticulous "
        "multidisciplinary evaluation, considering comorbidities, vascular "
        "anatomical variations, and anticipated therapeutic responsiveness."
    )
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d.update(answer=hard))
    assert problems_of(content_dir) == []
    assert "reads at grade" in only_problem(content_dir, WARNING).message


def test_malformed_yaml_names_the_line(content_dir):
    (content_dir / "topics/mri.yml").write_text("id: mri\ntitle: [unclosed\nanswer: x\n")
    problem = only_problem(content_dir)
    assert problem.file == "content/topics/mri.yml" and "line" in problem.message


def test_empty_topic_file(content_dir):
    (content_dir / "topics/mri.yml").write_text("")
    problems = problems_of(content_dir)
    assert any(p.file == "content/topics/mri.yml" and "empty" in p.message for p in problems)


def test_follow_up_to_a_missing_topic(content_dir):
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d.update(follow_ups=["nope"]))
    assert "'nope' is not a topic id" in only_problem(content_dir).message


@pytest.mark.parametrize(
    "change, field",
    [
        (lambda d: d.pop("phone_24h"), "phone_24h"),
        (lambda d: d.update(refill_interval_days="two weeks"), "refill_interval_days"),
        (lambda d: d.update(refill_interval_days=0), "refill_interval_days"),
        (lambda d: d.update(chat_id_days=0), "chat_id_days"),
        (lambda d: d.update(chat_id_days="a month"), "chat_id_days"),
        (lambda d: d.update(timezone="Mars/Olympus"), "timezone"),
        (lambda d: d.update(fax="555"), "fax"),
    ],
)
def test_clinic_file_errors(content_dir, change, field):
    edit_yaml(content_dir / "clinic.yml", change)
    problems = problems_of(content_dir)
    assert any(p.file == "content/clinic.yml" and p.field == field for p in problems), problems


def test_refill_interval_defaults_to_14_days(content_dir):
    edit_yaml(content_dir / "clinic.yml", lambda d: d.pop("refill_interval_days"))
    assert loader.load(content_dir, today=TODAY).clinic["refill_interval_days"] == 14


def test_chat_ids_last_30_days_unless_the_clinic_says_otherwise(content_dir):
    edit_yaml(content_dir / "clinic.yml", lambda d: d.pop("chat_id_days"))
    assert loader.load(content_dir, today=TODAY).clinic["chat_id_days"] == 30


def test_the_trouble_message_is_required(content_dir):
    edit_yaml(content_dir / "messages.yml", lambda d: d["messages"].pop("trouble"))
    assert only_problem(content_dir).field == "messages.trouble.text"


def test_load_valid_raises_with_every_error(content_dir):
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d.pop("title"))
    edit_yaml(content_dir / "topics/refills.yml", lambda d: d.pop("answer"))
    with pytest.raises(ContentError) as raised:
        loader.load_valid(content_dir, today=TODAY)
    assert len(raised.value.problems) == 2


def test_one_clinic_edit_changes_every_answer_that_uses_it(content_dir):
    edit_yaml(content_dir / "clinic.yml", lambda d: d.update(phone_main="(555) 555-0123"))
    loaded = loader.load(content_dir, today=TODAY)
    uses = [t for t in loaded.topics.values() if "{phone_main}" in t.answer]
    assert len(uses) >= 3
    assert all("(555) 555-0123" in loaded.render(t.answer) for t in uses)


@pytest.mark.parametrize(
    "name, message",
    [
        ("clinic.yml", "must be a mapping of field: value"),
        ("sources.yml", "must map a source key to its name, citation and url"),
        ("messages.yml", "must be a mapping of field: value"),
        ("red_flags.yml", "must be a mapping of field: value"),
    ],
)
def test_a_content_file_of_the_wrong_shape_or_missing_is_named(content_dir, name, message):
    (content_dir / name).write_text("- just\n- a list\n")
    assert (f"content/{name}", "(file)", message) in [
        (p.file, p.field, p.message) for p in problems_of(content_dir)
    ]
    (content_dir / name).unlink()
    assert (f"content/{name}", "(file)", "is missing") in [
        (p.file, p.field, p.message) for p in problems_of(content_dir)
    ]


# --- facts: no figure without a source (issue 11) ---------------------------------


def _with(fact_claim=None, source="PSNET", **fact):
    def change(d):
        d["answer"] += " About 40% of people ask this."
        if fact_claim:
            d["facts"].append({"claim": fact_claim, "source": source, **fact})

    return change


def test_a_figure_no_fact_holds_is_an_error(content_dir):
    edit_yaml(content_dir / "topics/mri.yml", _with())
    problem = only_problem(content_dir)
    assert (problem.file, problem.topic, problem.field) == (
        "content/topics/mri.yml",
        "mri",
        "answer",
    )
    assert "states '40%', which none of its facts holds" in problem.message


def test_a_figure_a_fact_holds_passes(content_dir):
    edit_yaml(content_dir / "topics/mri.yml", _with("40% of patients ask about MRI"))
    assert problems_of(content_dir) == []


@pytest.mark.parametrize(
    "answer, claim, ok",
    [
        ("It takes 3 weeks.", "about 3 weeks", True),
        ("It takes 3 weeks.", "3 months", False),
        ("It takes 2 to 6 weeks.", "2-6 weeks off work", True),
        ("It takes 2 to 6 weeks.", "6 weeks", False),
        ("About 23 of every 100 people.", "23% of patients", True),
        ("About 23 of every 100 people.", "23 patients", True),
        ("Six cycles were planned.", "6 cycles", True),
        ("Call the 24-hour line.", "the clinic has a 24-hour line", True),
        ("Call the 24-hour line.", "24 patients", True),
        ("It began in 2021.", "approved in 2012", False),
    ],
)
def test_figures_are_matched_by_number_and_unit(content_dir, answer, claim, ok):
    def change(d):
        d["answer"] += " " + answer
        d["facts"].append({"claim": claim, "source": "PSNET"})

    edit_yaml(content_dir / "topics/mri.yml", change)
    assert (problems_of(content_dir) == []) is ok


def test_names_and_the_emergency_number_are_not_figures(content_dir):
    edit_yaml(
        content_dir / "topics/mri.yml",
        lambda d: d.update(
            answer=d["answer"] + " FUDR turns into 5-FU. In an emergency, call 911."
        ),
    )
    assert problems_of(content_dir) == []


@pytest.mark.parametrize(
    "fact, field, message",
    [
        ({"claim": "x"}, "facts[2].source", "is missing"),
        ({"source": "PSNET"}, "facts[2].claim", "is missing"),
        ({"claim": "x", "source": "NOPE"}, "facts[2].source", "'NOPE' is not defined"),
        ({"claim": "x", "source": "JH"}, "facts[2].source", "'JH' is not in this topic's sources"),
        ({"claim": "x", "source": "PSNET", "page": 3}, "facts[2].page", "not a known fact field"),
        ({"claim": "x", "source": "PSNET", "pump_type": "solar"}, "facts[2].pump_type", "must be"),
    ],
)
def test_fact_errors_name_the_field(content_dir, fact, field, message):
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d["facts"].append(fact))
    problem = only_problem(content_dir)
    assert (problem.topic, problem.field) == ("mri", field) and message in problem.message


def test_a_topic_without_facts(content_dir):
    edit_yaml(content_dir / "topics/mri.yml", lambda d: d.update(facts=[]))
    problem = only_problem(content_dir)
    assert (problem.field, problem.message) == ("facts", "is missing")


# --- pump type and answer variants (issue 11) ----------------------------------


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d.pop("pump_type"), "is missing"),
        (lambda d: d.update(pump_type="solar"), "must be constant_flow or programmable"),
    ],
)
def test_clinic_pump_type(content_dir, change, message):
    edit_yaml(content_dir / "clinic.yml", change)
    problems = [p for p in problems_of(content_dir) if p.field == "pump_type"]
    assert [p.message for p in problems] == [
        message if message == "is missing" else f"{message}, not 'solar'"
    ]


def test_the_clinics_pump_type_needs_a_variant(content_dir):
    edit_yaml(content_dir / "clinic.yml", lambda d: d.update(pump_type="programmable"))
    edit_yaml(content_dir / "topics/heat_safety.yml", lambda d: d["answer"].pop("programmable"))
    problem = only_problem(content_dir)
    assert (problem.file, problem.topic, problem.field) == (
        "content/topics/heat_safety.yml",
        "heat_safety",
        "answer",
    )
    assert "no text for this clinic's pump type 'programmable'" in problem.message


def test_a_variant_for_another_pump_type_only_is_fine(content_dir):
    edit_yaml(content_dir / "topics/heat_safety.yml", lambda d: d["answer"].pop("programmable"))
    assert problems_of(content_dir) == []


def test_facts_for_one_pump_type_need_the_answer_per_type(content_dir):
    def change(d):
        d["answer"] = d["answer"]["constant_flow"]

    edit_yaml(content_dir / "topics/heat_safety.yml", change)
    problem = only_problem(content_dir)
    assert problem.field == "answer" and "hold only for constant_flow pumps" in problem.message


def test_an_unknown_variant_key(content_dir):
    edit_yaml(content_dir / "topics/heat_safety.yml", lambda d: d["answer"].update(solar="Hot."))
    problem = only_problem(content_dir)
    assert problem.field == "answer.solar" and "is not a pump type" in problem.message


def test_a_variant_may_use_only_facts_for_its_pump_type(content_dir):
    def change(d):
        # "constant rate" facts of the constant-flow pump do not hold a figure
        # for the programmable text.
        d["answer"]["programmable"] += " It gives 40% more in the heat."
        d["facts"].append({"claim": "40% faster", "source": "HW", "pump_type": "constant_flow"})

    edit_yaml(content_dir / "topics/heat_safety.yml", change)
    problem = only_problem(content_dir)
    assert problem.field == "answer.programmable" and "for programmable pumps" in problem.message


def test_each_clinic_gets_its_pump_types_answer_and_sources(content_dir):
    from bot.content import answers

    constant = loader.load(content_dir, today=TODAY)
    edit_yaml(content_dir / "clinic.yml", lambda d: d.update(pump_type="programmable"))
    programmable = loader.load(content_dir, today=TODAY)
    assert programmable.errors == []
    first = answers.answer(constant, constant.topics["what_is_pump"]).text
    second = answers.answer(programmable, programmable.topics["what_is_pump"]).text
    assert "no battery" in first and "programmable" not in first
    assert "a programmable pump" in second and "battery" not in second
    # Sources of facts that hold only for the other pump type are not cited.
    medtronic = "about-your-medtronic-implanted-infusion-pump"
    assert "6619" in first and medtronic not in first
    assert medtronic in second and "6619" not in second


# --- reading level (issue 11) ---------------------------------------------------


def test_shipped_answers_read_at_grade_7_or_below_on_the_median():
    grades = loader.load("content", today=TODAY).reading_grades()
    assert max(grades.values()) <= 8
    assert sorted(grades.values())[len(grades) // 2] <= 7


def test_a_hard_median_is_a_warning(content_dir):
    hard = (
        "Hepatic arterial infusion chemotherapy necessitates meticulous "
        "multidisciplinary evaluation, considering comorbidities."
    )
    for path in (content_dir / "topics").glob("*.yml"):
        edit_yaml(path, lambda d: d.update(answer=hard) if isinstance(d["answer"], str) else None)
    assert problems_of(content_dir) == []
    warnings = problems_of(content_dir, WARNING)
    assert any(
        p.file == "content/topics/" and "the median answer reads at grade" in p.message
        for p in warnings
    )
