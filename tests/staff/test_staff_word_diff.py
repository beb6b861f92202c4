"""The History page's word-by-word comparison of what patients read, and the
editor's one sentence per field in error."""

from staff.editor.word_diff import ADDED, REMOVED, SAME, Piece, compare, patient_text


def test_only_the_changed_words_are_marked():
    pieces = compare("Sources differ on hair loss.", "Sources do not agree on hair loss.")
    assert pieces == [
        Piece(SAME, "Sources "),
        Piece(REMOVED, "differ "),
        Piece(ADDED, "do not agree "),
        Piece(SAME, "on hair loss."),
    ]
    assert "".join(p.text for p in pieces if p.kind != REMOVED) == (
        "Sources do not agree on hair loss."
    )


def test_the_patient_text_is_the_title_and_each_pump_types_answer():
    file_text = """id: x
title: Refills
answer:
  constant_flow: Every 14 days.
  programmable: As your team sets.
examples: [how often is the refill]
"""
    text = patient_text(file_text)
    assert text.startswith("Refills") and "(constant_flow pumps) Every 14 days." in text
    assert "how often" not in text
    assert patient_text("not: [valid") == "" and patient_text("- a list") == ""


def test_a_field_s_problems_read_as_one_sentence_that_names_it():
    from staff.editor.templatetags.editor_extras import one_sentence

    both = ["is missing", "must be non-empty text, or one text per pump type"]
    assert one_sentence(both, "Answer") == (
        "Answer must be non-empty text, or one text per pump type."
    )
    assert one_sentence(["is missing"], "Title") == "Title is missing."
    examples = ["is missing", "has 0 example questions; at least 12 are needed"]
    assert one_sentence(examples, "Example questions (one per line)") == (
        "Example questions: has 0 example questions; at least 12 are needed."
    )
    assert one_sentence(["'JH' is not in content/sources.yml"], "Sources") == (
        "Sources: 'JH' is not in content/sources.yml."
    )
    assert one_sentence([], "Title") == ""
