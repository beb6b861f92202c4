import random
import re
import time

import pytest

from staff.review.masking import MASKED_KINDS, NOT_MASKED, mask

# (message, the identifier in it, the label it must become)
IDENTIFIERS = [
    # phone numbers
    ("Call me at (555) 555-0100.", "(555) 555-0100", "[phone]"),
    ("my cell is 555-555-0100", "555-555-0100", "[phone]"),
    ("555.555.0100 is the house", "555.555.0100", "[phone]"),
    ("reach me on +1 555 555 0100", "+1 555 555 0100", "[phone]"),
    ("or +1-555-555-0100", "+1-555-555-0100", "[phone]"),
    ("dial 1 (555) 555-0100", "1 (555) 555-0100", "[phone]"),
    ("my number is 5555550100", "5555550100", "[phone]"),
    ("work: (555) 555-0100 ext. 12", "(555) 555-0100 ext. 12", "[phone]"),
    ("desk 555-555-0100 x204", "555-555-0100 x204", "[phone]"),
    ("my son in London: +44 20 7946 0958", "+44 20 7946 0958", "[phone]"),
    ("in Paris +33 1 23 45 67 89", "+33 1 23 45 67 89", "[phone]"),
    ("+91 98765 43210 is my brother", "+91 98765 43210", "[phone]"),
    # e-mail
    ("email me at jane.doe@example.com", "jane.doe@example.com", "[email]"),
    ("j_doe+pump@mail.example.co.uk.", "j_doe+pump@mail.example.co.uk", "[email]"),
    ("write to Ana-Maria.ONeil@hospital.org please", "Ana-Maria.ONeil@hospital.org", "[email]"),
    # dates of birth
    ("DOB 03/14/1962", "03/14/1962", "[date of birth]"),
    ("DOB: 3-14-62", "3-14-62", "[date of birth]"),
    ("D.O.B. 03/14/1962", "03/14/1962", "[date of birth]"),
    ("my date of birth is March 14, 1962", "March 14, 1962", "[date of birth]"),
    ("date of birth: 14 March 1962", "14 March 1962", "[date of birth]"),
    ("I was born on 1962-03-14", "1962-03-14", "[date of birth]"),
    ("I was born in 1962", "1962", "[date of birth]"),
    ("born in March 1962", "March 1962", "[date of birth]"),
    ("born on the 14th of March, 1962", "14th of March, 1962", "[date of birth]"),
    ("my birthday is March 14th", "March 14th", "[date of birth]"),
    ("my birthday's 3/14", "3/14", "[date of birth]"),
    ("birthdate 14.03.1962", "14.03.1962", "[date of birth]"),
    ("Jane (3/14/1962 DOB)", "3/14/1962", "[date of birth]"),
    # record numbers
    ("MRN 12345678", "12345678", "[record number]"),
    ("MRN: A1234567", "A1234567", "[record number]"),
    ("my medical record number is 12345678", "12345678", "[record number]"),
    ("record # 1234567", "1234567", "[record number]"),
    ("patient id 998877", "998877", "[record number]"),
    ("Patient ID: 998877", "998877", "[record number]"),
    ("chart number 44-5566", "44-5566", "[record number]"),
    ("insurance id XJ4456789", "XJ4456789", "[record number]"),
    ("the number on my bracelet is 123456789", "123456789", "[record number]"),
    ("card 1234 5678 9012 3456", "1234 5678 9012 3456", "[record number]"),
    # Social Security numbers
    ("SSN 123-45-6789", "123-45-6789", "[social security number]"),
    ("social 123 45 6789", "123 45 6789", "[social security number]"),
    # addresses
    ("I live at 123 Main Street", "123 Main Street", "[address]"),
    ("4500 N. Lake Shore Dr Apt 5B", "4500 N. Lake Shore Dr Apt 5B", "[address]"),
    ("12 Elm St., Springfield, IL 62704 is home", "12 Elm St., Springfield, IL 62704", "[address]"),
    ("45 W 42nd St, New York, NY 10036", "45 W 42nd St, New York, NY 10036", "[address]"),
    (
        "77 Massachusetts Avenue, Cambridge, MA 02139",
        "77 Massachusetts Avenue, Cambridge, MA 02139",
        "[address]",
    ),
    ("send it to 9 oak lane", "9 oak lane", "[address]"),
    ("PO Box 123", "PO Box 123", "[address]"),
    ("P.O. Box 4567, Austin, TX 78701", "P.O. Box 4567, Austin, TX 78701", "[address]"),
    ("we moved to Springfield, IL 62704", "62704", "[address]"),
    ("my zip code is 62704", "62704", "[address]"),
    # names
    ("my name is Jane Doe and I have a fever", "Jane Doe", "[name]"),
    ("hi my name is jane doe i have a question", "jane doe", "[name]"),
    ("My name's Robert.", "Robert", "[name]"),
    ("Name: Mary Smith\nfever since Monday", "Mary Smith", "[name]"),
    ("this is John Smith calling about the pump", "John Smith", "[name]"),
    ("Hi, this is Ana. My pump beeps", "Ana", "[name]"),
    ("Signed, Robert Brown", "Robert Brown", "[name]"),
    ("Sincerely,\nAnn Lee", "Ann Lee", "[name]"),
    ("Is this normal?\nThanks,\nMary", "Mary", "[name]"),
    ("my husband's name is Bob O'Brien", "Bob O'Brien", "[name]"),
    ("my name is Maria de la Cruz", "Maria de la Cruz", "[name]"),
    ("my name is José García", "José García", "[name]"),
    # in Spanish
    ("Hola, me llamo Rosa María López y tengo una pregunta", "Rosa María López", "[name]"),
    ("mi nombre es juan perez", "juan perez", "[name]"),
    ("Mi esposo se llama Juan Pérez", "Juan Pérez", "[name]"),
    ("Buenas tardes, le habla Carmen Ruiz", "Carmen Ruiz", "[name]"),
    ("Atentamente, Rosa", "Rosa", "[name]"),
    ("¿Es normal?\nGracias,\nRosa López", "Rosa López", "[name]"),
    ("mi fecha de nacimiento es 14/03/1962", "14/03/1962", "[date of birth]"),
    ("nací el 14 de marzo de 1962", "14 de marzo de 1962", "[date of birth]"),
    ("Nacida en 1958", "1958", "[date of birth]"),
    ("mi cumpleaños es el 3 de mayo", "3 de mayo", "[date of birth]"),
    ("nacida en marzo de 1962", "marzo de 1962", "[date of birth]"),
    ("mi número de expediente es 12345678", "12345678", "[record number]"),
    ("expediente: A1234567", "A1234567", "[record number]"),
    ("mi número de seguro es XJ4456789", "XJ4456789", "[record number]"),
    ("historia clínica 44-5566", "44-5566", "[record number]"),
    ("vivo en 123 Calle Ocho", "123 Calle Ocho", "[address]"),
    ("mi casa: Avenida Juárez #45", "Avenida Juárez #45", "[address]"),
    ("Calle Principal 123 es mi casa", "Calle Principal 123", "[address]"),
]

# Messages that must come back exactly as they were sent.
UNCHANGED = [
    "el doctor me llamo ayer",
    "mi mamá solo habla español",
    "me llamo la atención el precio",
    "la cita es el 14 de marzo",
    "tengo 62 años y 38.5 de fiebre",
    "soy Rosa y tengo una pregunta",
    "la calle estaba mojada",
    "my refill is on 12/03/2026",
    "next fill March 3",
    "Nov 26 at 2pm",
    "appointment 2026-11-26, then 26 November 2026 and 11/26/2026",
    "FUDR 0.12 mg/kg/day",
    "dexamethasone 20 mg",
    "heparin 100 units/mL",
    "5-FU and leucovorin",
    "30 mL pump, 0.5 mL/day, refill every 2 weeks",
    "pain, nausea, diarrhea and a fever of 102",
    "temp 38.5",
    "101.5 F since this morning",
    "about 50% better, 0.25% change",
    "take it at 6 pm or at 14:30",
    "diagnosed in 2024",
    "I am 62",
    "I'm 62 years old",
    "stage 4, 4 cycles so far",
    "I'm Worried",
    "I'm nauseous",
    "I am Tired All The Time",
    "my name is on the list",
    "my name is spelled wrong on the bottle",
    "the drug name: FUDR",
    "Thanks, I will call tomorrow",
    "a 2 hour drive down the road",
    "I walk 2 blocks down the road",
    "I have 2 questions for Dr Smith",
    "100-1000 units",
    "I weigh 150 lbs",
    "I was born in Chicago",
    "my birthday is next week",
    "Springfield, IL",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "我的泵漏了吗？",
    "ألم في البطن",
    "मुझे बुखार है",
    "Боль в животе",
    "👍🏽 thanks ❤️",
    "👨\u200d👩\u200d👧 the whole family came",
    "🤒 38.9",
    "",
]

UNICODE_SEPARATORS = {
    "no-break space": "\u00a0",
    "narrow no-break space": "\u202f",
    "thin space": "\u2009",
    "figure space": "\u2007",
    "zero-width space": "\u200b",
    "word joiner": "\u2060",
    "en dash": "\u2013",
    "non-breaking hyphen": "\u2011",
}


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


@pytest.mark.parametrize(
    ("text", "identifier", "label"),
    IDENTIFIERS,
    ids=[f"{label} {ident}" for _, ident, label in IDENTIFIERS],
)
def test_identifier_is_masked(text, identifier, label):
    masked = mask(text)
    assert label in masked
    assert identifier not in masked
    if _digits(identifier):
        assert _digits(identifier) not in _digits(masked)
    # Every word of a name, street or e-mail local part is gone too; the label's
    # own words ("date of birth") don't count.
    rest = re.sub(r"\[[a-z ]+\]", " ", masked)
    for word in re.findall(r"[^\W\d_]{2,}", identifier.split("@")[0]):
        assert not re.search(rf"\b{re.escape(word)}\b", rest)


@pytest.mark.parametrize("text", UNCHANGED)
def test_text_comes_back_unchanged(text):
    assert mask(text) == text


def test_only_the_identifier_changes():
    assert mask("Hi, my pump is leaking, call me at 555-555-0100 or DOB 3/14/62.") == (
        "Hi, my pump is leaking, call me at [phone] or DOB [date of birth]."
    )


def test_a_message_with_several_identifiers():
    text = (
        "My name is Jane Doe, DOB 03/14/1962, MRN 12345678.\n"
        "I live at 123 Main Street, Springfield, IL 62704; "
        "call (555) 555-0100 or jane@example.com.\n"
        "My refill is on 12/03/2026 and the pump holds 30 mL."
    )
    assert mask(text) == (
        "My name is [name], DOB [date of birth], MRN [record number].\n"
        "I live at [address]; call [phone] or [email].\n"
        "My refill is on 12/03/2026 and the pump holds 30 mL."
    )


@pytest.mark.parametrize("sep", UNICODE_SEPARATORS.values(), ids=UNICODE_SEPARATORS.keys())
def test_phone_with_unicode_separators_is_masked_and_the_rest_kept(sep):
    assert mask(f"Call{sep}me: 555{sep}555{sep}0100{sep}today") == (
        f"Call{sep}me: [phone]{sep}today"
    )


def test_phone_in_fullwidth_digits_is_masked():
    assert mask("電話 ５５５-５５５-０１００ です") == "電話 [phone] です"


def test_invisible_characters_outside_a_match_are_kept():
    text = "fe\u200bver\u00a0and\u2009chills, call 555-555-0100"
    assert mask(text) == "fe\u200bver\u00a0and\u2009chills, call [phone]"


@pytest.mark.parametrize(
    "text",
    [t for t, _, _ in IDENTIFIERS]
    + UNCHANGED
    + [
        "My name is Jane Doe, DOB 03/14/1962, MRN 12345678, (555) 555-0100, jane@example.com",
        "[phone] [email] [date of birth] [record number] [address] [name]",
        "my name is [name], DOB [date of birth], MRN [record number], name: [name]",
        "name: Mary141234 5678 9012 3456",
        "Hi, this is Stdoe12345671962",
    ],
)
def test_masking_twice_changes_nothing(text):
    once = mask(text)
    assert mask(once) == once


FRAGMENTS = [
    "my name is ",
    "Jane",
    "doe",
    " ",
    "\u00a0",
    "\u200b",
    "555",
    "-",
    "0100",
    "(",
    ")",
    "+1 ",
    "+44 ",
    "DOB ",
    "born on ",
    "March ",
    "14",
    ", ",
    "1962",
    "/",
    "MRN ",
    "A",
    "1234567",
    "@",
    "example",
    ".com",
    "123 ",
    "Main ",
    "St",
    "Apt 5B",
    "IL ",
    "62704",
    "Thanks,\n",
    "Mary",
    "\n",
    "name: ",
    "this is ",
    " calling",
    "PO Box ",
    "ext. 12",
    "'s",
    "de ",
    "Cruz",
    ".",
    "[name]",
    "[phone]",
    "é",
    "\u0301",
    "ID ",
    "record # ",
    "zip ",
    "Hi, this is ",
    "Dr. ",
    "Signed, ",
    "张伟",
    "123-45-6789",
    "1234 5678 9012 3456",
    "９",
    "x",
    "_",
    "a.b@c.de",
]


def test_masking_twice_changes_nothing_on_glued_fragments():
    # Identifiers glued to each other are where a label can uncover another match.
    rng = random.Random(0)
    for _ in range(3000):
        text = "".join(rng.choice(FRAGMENTS) for _ in range(rng.randint(1, 14)))
        once = mask(text)
        assert mask(once) == once, text


def test_labels_are_the_masked_kinds():
    labels = [label for label, _ in MASKED_KINDS]
    assert len(labels) == len(set(labels))
    assert all(re.fullmatch(r"\[[a-z ]+\]", label) for label in labels)
    assert all(isinstance(what, str) and what for _, what in MASKED_KINDS)
    assert set(labels) == {label for _, _, label in IDENTIFIERS}
    assert NOT_MASKED and all(isinstance(line, str) and line for line in NOT_MASKED)


def test_long_message_is_masked_throughout():
    text = "my name is Jane Doe, call 555-555-0100 about my 30 mL pump. " * 300
    assert len(text) > 10_000
    masked = mask(text)
    assert masked.count("[name]") == 300
    assert masked.count("[phone]") == 300
    assert "Jane" not in masked and "0100" not in masked


ADVERSARIAL = {
    "1-": "1-" * 50_000,
    "a@": "a@" * 50_000,
    "digits": "1" * 100_000,
    "letters": "a" * 100_000,
    "1 space": "1 " * 50_000,
    "1 dot": "1." * 50_000,
    "1 slash": "1/" * 50_000,
    "+1": "+1 " * 33_000,
    "a dot": "a." * 50_000,
    "long local part": "a" * 1000 + "@" + "b." * 49_000,
    "spaces": " " * 100_000,
    "no-break spaces": "\u00a0" * 100_000,
    "zero-width": "\u200b" * 100_000,
    "(555)": "(555) " * 17_000,
    "DOB": "DOB " * 25_000,
    "born on": "born on 1 " * 10_000,
    "MRN": "MRN " * 25_000,
    "my name is": "my name is " * 9_000,
    "name:": "name: a " * 12_500,
    "thanks": "Thanks,\n" * 12_500,
    "house numbers": "12 a b c d " * 9_000,
    "street": "123 Main " * 11_000 + "St",
    "state ZIP": "IL 62704 " * 11_000,
}


@pytest.mark.parametrize("text", ADVERSARIAL.values(), ids=ADVERSARIAL.keys())
def test_adversarial_input_is_masked_quickly(text):
    assert len(text) >= 99_000
    start = time.perf_counter()
    mask(text)
    assert time.perf_counter() - start < 1.0


def test_empty_string():
    assert mask("") == ""


def test_the_security_page_lists_what_is_and_is_not_masked():
    from bot import paths

    page = (paths.ROOT / "docs" / "security.md").read_text()
    for label, meaning in MASKED_KINDS:
        assert f"- `{label}`: {meaning}" in page, label
    for gap in NOT_MASKED:
        assert f"- {gap}" in page, gap
