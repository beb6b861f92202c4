"""Identifiers masked out of patient messages before nurses browse the review log.

Patient messages are health information. The review log is there so that staff
can see what patients ask, and who asked isn't needed for that. `mask` swaps each
identifier it recognises for a bracketed label ("[phone]", "[name]", ...) and
leaves every other character as it was: the symptom words, the doses and the
dates a nurse needs to judge a question stay readable. HTML is not escaped here
because that's the template's job, and escaping twice would garble the text.

Recognition is by pattern and context, so some identifiers will be missed
(NOT_MASKED lists the known gaps). The patterns are written so that a message of
any length is masked in linear time: every repetition is either bounded or
anchored at the start of a token, which keeps Python's backtracking regex
engine from going quadratic or worse on hostile input.
"""

from __future__ import annotations

import re

import phonenumbers

from bot.reminders.contacts import PHONE_REGION

PHONE = "[phone]"
EMAIL = "[email]"
DATE_OF_BIRTH = "[date of birth]"
RECORD_NUMBER = "[record number]"
SOCIAL_SECURITY_NUMBER = "[social security number]"
ADDRESS = "[address]"
NAME = "[name]"

# Pairs of (label, what gets that label). The list in docs/security.md is tested against this.
MASKED_KINDS: tuple[tuple[str, str], ...] = (
    (
        PHONE,
        "phone numbers: US formats such as (555) 555-0100, 555-555-0100, 555.555.0100, "
        "+1 555 555 0100 and 5555550100, with an extension (ext. 12) if given; "
        "international numbers written with a leading + (+44 20 7946 0958)",
    ),
    (EMAIL, "e-mail addresses"),
    (
        DATE_OF_BIRTH,
        "a date next to DOB, date of birth, birth date, birthday or born "
        "(on/in): 03/14/1962, 3-14-62, March 14, 1962, 14 March 1962, "
        "1962-03-14, or a year alone after 'born in'; in Spanish after fecha de "
        "nacimiento, nací, nacido/nacida or cumpleaños (14 de marzo de 1962)",
    ),
    (
        RECORD_NUMBER,
        "a number after MRN, medical record number, record #, patient id, "
        "chart, hospital, member, insurance or policy number (in Spanish: número de "
        "expediente, expediente, historia clínica, número de paciente, de seguro, de "
        "póliza or de afiliado); any other run of 7 or more digits, and 12 or more "
        "digits in groups of four",
    ),
    (SOCIAL_SECURITY_NUMBER, "Social Security numbers (123-45-6789)"),
    (
        ADDRESS,
        "US street addresses with a street type (123 Main Street, 4500 N. Lake Shore "
        "Dr Apt 5B), with the city, state and ZIP that follow; PO boxes; a ZIP code "
        "after a state (IL 62704) or after 'zip'; in Spanish, calle or avenida with "
        "a house number (Calle Principal 123, 123 Calle Ocho, Avenida Juárez #45)",
    ),
    (
        NAME,
        "a name after 'my name is' (also 'my husband's name is', 'my name's'), "
        "'name:', 'this is ... calling/speaking/here', 'hi, this is ...', 'signed,' or "
        "'sincerely,'; a capitalised name alone on the last line after 'thanks,', "
        "'regards,' or 'best,'; in Spanish after 'me llamo', 'mi nombre es', '(mi "
        "esposo) se llama', 'habla' (a capitalised name), 'atentamente,' and a "
        "capitalised name on the last line after 'gracias,' or 'saludos,'",
    ),
)

NOT_MASKED: tuple[str, ...] = (
    "names that no phrase introduces, including after 'I am' / 'I'm' / 'soy' "
    "(so 'I'm Worried' stays as written)",
    "words after 'my name is' that can't be a name ('my name is on the list')",
    "a city or state on its own",
    "ages ('I am 62') and years on their own ('diagnosed in 2024')",
    "dates that are not a date of birth: refills, appointments, symptoms' onset",
    "drug names and doses, pump volumes and rates, temperatures, percentages, times",
    "seven-digit local numbers with a hyphen (555-0100), which read like ranges (100-1000)",
    "addresses without a street type ('123 Main'), and addresses outside the US",
    "e-mail addresses and numbers spelled out in words ('jane at example dot com')",
    "HTML: it passes through unchanged, and escaping is the template's job",
)

# --- the matching view ------------------------------------------------------
# Patterns run on a copy of the text in which exotic spaces, dashes and
# apostrophes are plain ASCII, other scripts' digits are ASCII digits and
# invisible characters are gone, so "555\u00a0555\u200b0100" is still seen
# as a phone number. Each character of the copy remembers where it came from,
# and the replacement is made in the original: everything outside a match
# comes back exactly as the patient typed it.
_SPACES = frozenset(
    "\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u202f\u205f\u3000"
)
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
_APOSTROPHES = frozenset("\u2018\u2019\u02bc")
_INVISIBLE = frozenset(
    "\u00ad\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff"
)


def _view(text: str) -> tuple[str, list[int] | None]:
    if text.isascii():
        return text, None
    chars: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        if ch.isascii():
            pass
        elif ch in _INVISIBLE:
            continue
        elif ch in _SPACES:
            ch = " "
        elif ch in _DASHES:
            ch = "-"
        elif ch in _APOSTROPHES:
            ch = "'"
        elif ch.isdecimal():
            ch = str(int(ch))
        chars.append(ch)
        origin.append(i)
    return "".join(chars), origin


# --- word lists ---------------------------------------------------------------
def _words(*words: str) -> frozenset[str]:
    return frozenset(w for group in words for w in group.split())


# Words that never start a name: after "my name is" they mean the sentence is
# about the name ("my name is on the list", "my name is spelled wrong").
_NOT_A_NAME = _words("""
    a an the on in at of to for from with by under as not no now still also just only
    already being been is was are be and but or so if that this these those what why how
    when where which who whom there here i me my mine you your it its he she they we him
    her them us our their spelled spelt written listed printed missing wrong incorrect
    correct right different same changed misspelled attached unknown confidential private
    above below too very really going supposed doctor doc nurse nurses team everyone
    everybody all again much guys folks sir madam ma'am thanks thank regards cheers best
    please hi hello hey
    el los las un una unos unas al en con por para que y o pero porque mi mis tu
    su sus muy ya si también tambien todavía todavia aquí aqui allí alli hoy ayer mañana
    manana anoche ahora nada algo nadie usted ustedes yo él ella ellos nosotros doctor
    doctora enfermera enfermero equipo gracias hola buenas buenos
""")
# Lowercase words that end a lowercase name ("my name is john have a question").
_COMMON_WORDS = _NOT_A_NAME | _words("""
    am have has had do does did will would can could should may might must need needs
    want wanted got get feel feeling felt think know question questions pump about today
    yesterday tomorrow tonight then since after before because pain fever chemo infusion
    called calling writing asking
""")
_PARTICLES = _words("de da del della der den di du la le van von bin ibn al st")
_TITLES = _words("mr mrs ms miss mx dr prof jr sr rev")
# A token of a name can't be one of these when it follows a house number: they
# are what follows a number in a sentence about treatment ("a 2 hour drive").
_NOT_A_STREET = _COMMON_WORDS | _words("""
    mg mcg ml cc units unit u iu kg lb lbs pounds minute minutes min mins hour hours hr
    hrs day days week weeks month months year years time times mile miles km block blocks
    pill pills tablet tablets tab tabs dose doses cycle cycles round rounds more less other
    extra percent degree degrees steps step floors floor visits lane lanes
""")

_US_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR GU VI AS MP"
).split()
_US_STATE_NAMES = (
    "Alabama|Alaska|Arizona|Arkansas|California|Colorado|Connecticut|Delaware|Florida|"
    "Georgia|Hawaii|Idaho|Illinois|Indiana|Iowa|Kansas|Kentucky|Louisiana|Maine|Maryland|"
    "Massachusetts|Michigan|Minnesota|Mississippi|Missouri|Montana|Nebraska|Nevada|"
    r"New\s{1,2}Hampshire|New\s{1,2}Jersey|New\s{1,2}Mexico|New\s{1,2}York|"
    r"North\s{1,2}Carolina|North\s{1,2}Dakota|Ohio|Oklahoma|Oregon|Pennsylvania|"
    r"Rhode\s{1,2}Island|South\s{1,2}Carolina|South\s{1,2}Dakota|Tennessee|Texas|Utah|"
    r"Vermont|Virginia|Washington|West\s{1,2}Virginia|Wisconsin|Wyoming|Puerto\s{1,2}Rico"
)
# Postal codes are matched in capitals only: "in", "or", "me" and "ok" are words.
_STATE = rf"(?:(?-i:\b(?:{'|'.join(_US_STATE_CODES)})\b)|(?i:\b(?:{_US_STATE_NAMES})\b))"
_ZIP = r"[0-9]{5}(?:-[0-9]{4})?(?![0-9-])"

# --- patterns -----------------------------------------------------------------
_EMAIL = re.compile(r"(?<![\w.+'-])[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")

_SSN = re.compile(r"(?<![\w-])[0-9]{3}([- ])[0-9]{2}\1[0-9]{4}(?!\w|-[0-9])")

# Phone numbers are found by phonenumbers' matcher, read as the clinic's
# country's when written without a country code. It tries every run of digits
# and punctuation, and on a long run ("1/1/1/..." a thousand times) it parses
# sub-run after sub-run, each taking tens of microseconds, so a hostile message
# would take seconds. It is handed only the runs where a phone number fits:
# digits at most two separators apart, 7 to 30 of them (one number, or two
# written side by side), with room after the run for an extension.
_DIGIT_RUN = re.compile(r"[+(]?[0-9](?:[ .()/-]{0,2}[0-9])*")
_RUN_DIGITS = range(7, 31)
_EXTENSION_ROOM = 20


def _phone_numbers(view: str):
    for run in _DIGIT_RUN.finditer(view):
        if sum(ch.isdigit() for ch in run[0]) not in _RUN_DIGITS:
            continue
        window = view[run.start() : run.end() + _EXTENSION_ROOM]
        matches = phonenumbers.PhoneNumberMatcher(
            window, PHONE_REGION, leniency=phonenumbers.Leniency.POSSIBLE
        )
        for match in matches:
            # A number that can only be dialled locally (555-0100) reads like
            # a range (100-1000): those are left as they are (NOT_MASKED).
            local_only = (
                phonenumbers.is_possible_number_with_reason(match.number)
                != phonenumbers.ValidationResult.IS_POSSIBLE
            )
            if match.start < len(run[0]) and not local_only:
                yield run.start() + match.start, run.start() + match.end, PHONE


_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?"
)
_DAY = r"[0-9]{1,2}(?:st|nd|rd|th)?\b"
_MES = (
    r"(?:enero|febrero|marzo|abril|mayo|junio|julio|agosto|se(?:p|pt)?tiembre|octubre"
    r"|noviembre|diciembre)\b"
)
# "14 de marzo de 1962", "el 14 de marzo", "marzo de 1962", and the numeric forms.
_FECHA = rf"""(?:
    (?:el\s{{1,2}})?[0-9]{{1,2}}\s{{1,2}}de\s{{1,2}}{_MES}(?:\s{{1,2}}(?:de|del)\s{{1,2}}[0-9]{{4}})?
  | {_MES}\s{{1,2}}(?:de|del)\s{{1,2}}[0-9]{{4}}
  | [0-9]{{1,2}}[-/.][0-9]{{1,2}}(?:[-/.](?:[0-9]{{4}}|[0-9]{{2}}))?
  | (?:en\s{{1,2}})?[0-9]{{4}}
)(?![0-9])"""
_FECHA_DE_NACIMIENTO = re.compile(
    rf"""
    (?:\bfecha\s{{1,2}}de\s{{1,2}}nacimiento\b|\bf\.?\s{{0,2}}(?:de\s{{1,2}})?nac\b\.?
     |\bnac[ií]\b|\bnaci[oó]\b|\bnacid[oa]s?\b|\bcumplea[nñ]os\b)
    (?:\s{{0,3}}(?:[:=,(-]|(?:es|era|fue|el|en|de)\b)){{0,3}}\s{{0,3}}
    ({_FECHA})
    """,
    re.X | re.I,
)
_DATE = rf"""(?:
    [0-9]{{4}}[-/.][0-9]{{1,2}}[-/.][0-9]{{1,2}}
  | [0-9]{{1,2}}[-/.][0-9]{{1,2}}(?:[-/.](?:[0-9]{{4}}|[0-9]{{2}}))?
  | {_MONTH}\s{{0,2}}{_DAY}(?:,?\s{{1,2}}[0-9]{{4}})?
  | (?:the\s{{1,2}})?{_DAY}\s{{1,2}}(?:of\s{{1,2}})?{_MONTH}(?:,?\s{{1,2}}[0-9]{{4}})?
  | {_MONTH},?\s{{1,2}}[0-9]{{4}}
  | [0-9]{{4}}
)(?![0-9])"""
_DOB_WORD = r"(?:\bd\.?o\.?b\b\.?|\bdate\s{1,2}of\s{1,2}birth\b|\bbirth\s{0,2}date\b)"
_DATE_AFTER_BIRTH_WORD = re.compile(
    rf"""
    (?:{_DOB_WORD}|\bbirthday\b|\bborn\b)
    (?:\s{{0,3}}(?:[:=,(-]|'s\b|(?:is|was|on|in|of)\b)){{0,3}}\s{{0,3}}
    ({_DATE})
    """,
    re.X | re.I,
)
# "3/14/1962 (DOB)". This one is tried at every digit and month name, so
# _FINDERS runs it only on messages that say "DOB" or "birth".
_DATE_BEFORE_BIRTH_WORD = re.compile(rf"({_DATE})\s{{0,2}}\(?\s{{0,2}}{_DOB_WORD}", re.X | re.I)

_RECORD_NUMBER = re.compile(
    r"""
    (?:\bmrn\b
     | \bmedical\s{1,2}record(?:\s{1,2}(?:number\b|no\b\.?|\#))?
     | \b(?:record|chart|patient|hospital|member|insurance|policy)
       \s{0,2}(?:number\b|no\b\.?|\#|id\b|i\.d\.)
     | \bid\b(?:\s{1,2}(?:number\b|no\b\.?|\#))?)
    (?:\s{0,3}(?:[:=\#.-]|(?:is|was)\b)){0,3}\s{0,3}
    ((?=[a-z-]{0,4}[0-9])[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){3,24})(?![\w-])
    """,
    re.X | re.I,
)
_NUMERO_DE_EXPEDIENTE = re.compile(
    r"""
    (?:\b(?:n[uú]mero|num\.?|n[º°o]\.?)\s{1,2}de\s{1,2}
       (?:expediente|paciente|seguro|p[oó]liza|afiliad[oa]|historia(?:\s{1,2}cl[ií]nica)?)\b
     | \bexpediente\b | \bhistoria\s{1,2}cl[ií]nica\b)
    (?:\s{0,3}(?:[:=\#.-]|(?:es|era)\b)){0,3}\s{0,3}
    ((?=[a-z-]{0,4}[0-9])[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){3,24})(?![\w-])
    """,
    re.X | re.I,
)
_LONG_NUMBER = re.compile(r"(?<!\w)(?<![0-9][.,])[a-z]{0,3}[0-9]{7,}(?![.,][0-9])(?!\w)", re.I)
_DIGIT_GROUPS = re.compile(r"(?<![\w-])[0-9]{4}([ -])[0-9]{4}\1[0-9]{4}(?:\1[0-9]{1,7})?(?![\w-])")

_STREET_TYPE = (
    r"(?:street|st|avenue|ave|road|rd|boulevard|blvd|drive|dr|lane|ln|court|ct"
    r"|place|pl|way|terrace|ter|circle|cir|parkway|pkwy|highway|hwy|route|rte"
    r"|trail|trl|square|sq|loop|plaza|pike|alley)\b\.?"
)
_UNIT = (
    r"(?:,?\s{1,2}(?:apt|apartment|unit|suite|ste|fl|floor|room|rm|\#)\b\.?"
    r"\s{0,2}\#?\s{0,2}[a-z0-9-]{1,8}\b)?"
)
_CITY_STATE_ZIP = (
    rf"(?:(?:,\s{{0,2}}|\s{{1,2}})[^\W\d_][\w'.-]{{0,30}}"
    rf"(?:\s{{1,2}}[^\W\d_][\w'.-]{{0,30}}){{0,2}},?\s{{1,2}}{_STATE}"
    rf"(?:,?\s{{1,2}}{_ZIP})?)?"
)
_STREET_ADDRESS = re.compile(
    rf"""
    (?<![\w.,/-])[0-9]{{1,6}}[a-z]?
    ((?:\s{{1,2}}[\w'.-]{{1,30}}){{1,4}}?)
    \s{{1,2}}{_STREET_TYPE}{_UNIT}{_CITY_STATE_ZIP}
    """,
    re.X | re.I,
)
# "Calle Principal 123", "Avenida Juárez #45", "123 Calle Ocho".
_CALLE = r"(?:calle|avenida|avda\b\.?|av\b\.?|camino|carretera|callej[oó]n|privada|paseo)"
_DIRECCION = re.compile(
    rf"""
    (?<![\w.,/-])(?:
      {_CALLE}(?:\s{{1,2}}[^\W\d_][\w'.-]{{0,30}}){{1,4}}?\s{{1,2}}(?:\#|no\.?|n[uú]m\.?|n[uú]mero)?\s{{0,2}}[0-9]{{1,6}}[a-z]?\b
    | [0-9]{{1,6}}[a-z]?\s{{1,2}}{_CALLE}(?:\s{{1,2}}[^\W\d_][\w'.-]{{0,30}}){{1,3}}
    ){_UNIT}{_CITY_STATE_ZIP}
    """,
    re.X | re.I,
)
_PO_BOX = re.compile(
    rf"(?:\bp\.?\s?o\.?\s{{0,2}}box|\bpost\s{{1,2}}office\s{{1,2}}box)\s{{0,2}}\#?\s{{0,2}}"
    rf"[0-9]{{1,7}}\b{_CITY_STATE_ZIP}",
    re.I,
)
_ZIP_CANDIDATE = re.compile(rf"(?<![\w.,/-]){_ZIP}")
_STATE_CODES = frozenset(_US_STATE_CODES)
_STATE_NAMES = frozenset(re.sub(r"\\s\{1,2\}", " ", _US_STATE_NAMES).lower().split("|"))

_NAME_TOKEN = r"[^\W\d_](?:[^\W\d_]|[\u0300-\u036f'-]){0,40}\.?"
_NAME_TOKENS = rf"({_NAME_TOKEN}(?:[ ]{{1,2}}{_NAME_TOKEN}){{0,3}})"
_NAME_TOKEN_RE = re.compile(_NAME_TOKEN)
_INTRODUCED_NAME = re.compile(
    rf"""\b(?:my|his|her|their|our)\s{{1,2}}(?:[\w'-]{{1,20}}'s\s{{1,2}})?
    (?:(?:full|first|last|real|legal|maiden)\s{{1,2}})?name(?:\s{{1,2}}is\b|'s\b)
    \s{{0,3}}:?\s{{0,3}}{_NAME_TOKENS}""",
    re.X | re.I,
)
_NAME_FIELD = re.compile(
    rf"(?<![\w'])(?:(?:patient|full|first|last|legal)\s{{1,2}})?name\s{{0,2}}:\s{{0,3}}"
    rf"{_NAME_TOKENS}",
    re.I,
)
_NAME_SIGNATURE = re.compile(
    rf"\b(?:signed|sincerely|yours\s{{1,2}}truly|respectfully)"
    rf"(?:\s{{0,2}}[,:-]\s{{0,3}}|[ ]{{0,2}}\n\s{{0,3}}){_NAME_TOKENS}",
    re.I,
)
_NAME_SIGN_OFF = re.compile(
    rf"(?i:\b(?:thanks|thank\s{{1,2}}you|regards|best\s{{1,2}}regards|kind\s{{1,2}}regards"
    rf"|best\s{{1,2}}wishes|best|cheers))(?:\s{{0,2}}[,:-]\s{{0,3}}|[ ]{{0,2}}\n\s{{0,3}})"
    rf"{_NAME_TOKENS}[ ]{{0,2}}[.!]?[ ]{{0,2}}(?=\n|$)",
)
_NAME_CALLER = re.compile(
    rf"(?i:\bthis\s{{1,2}}is)\s{{1,2}}{_NAME_TOKENS}\s{{1,2}}"
    rf"(?i:calling|speaking|here|writing)\b"
    rf"|(?i:\b(?:hi|hello|hey|good\s{{1,2}}(?:morning|afternoon|evening))[,!.]?\s{{1,3}}"
    rf"this\s{{1,2}}is)\s{{1,2}}{_NAME_TOKENS}",
)
# "me llamo Rosa", "mi nombre es Rosa López", "mi esposo se llama Juan".
_NOMBRE_PRESENTADO = re.compile(
    rf"""(?:\bme\s{{1,2}}llamo\b|\b(?:mi|su)\s{{1,2}}nombre\s{{1,2}}(?:completo\s{{1,2}})?es\b
    |\bse\s{{1,2}}llama\b)\s{{0,3}}:?\s{{0,3}}{_NAME_TOKENS}""",
    re.X | re.I,
)
_NOMBRE_QUE_HABLA = re.compile(
    rf"(?i:\b(?:le|les)?\s{{0,2}}habla\b)\s{{1,2}}{_NAME_TOKENS}"
)
_NOMBRE_FIRMA = re.compile(
    rf"\b(?:atentamente|cordialmente)"
    rf"(?:\s{{0,2}}[,:-]\s{{0,3}}|[ ]{{0,2}}\n\s{{0,3}}){_NAME_TOKENS}",
    re.I,
)
_NOMBRE_DESPEDIDA = re.compile(
    rf"(?i:\b(?:gracias|muchas\s{{1,2}}gracias|saludos|bendiciones))(?:\s{{0,2}}[,:-]\s{{0,3}}"
    rf"|[ ]{{0,2}}\n\s{{0,3}}){_NAME_TOKENS}[ ]{{0,2}}[.!]?[ ]{{0,2}}(?=\n|$)",
)
# Words before "name:" that make it something other than a person's name.
_NOT_A_PERSON = _words(
    "drug medication medicine med brand generic pump product file device program clinic hospital"
)


# --- finders: each yields (start, end, label) in the view -------------------------
def _whole(pattern: re.Pattern, label: str):
    def find(view: str):
        for m in pattern.finditer(view):
            yield m.start(), m.end(), label

    return find


def _groups(pattern: re.Pattern, label: str):
    def find(view: str):
        for m in pattern.finditer(view):
            for g in range(1, pattern.groups + 1):
                if m.start(g) >= 0 and m.end(g) > m.start(g):
                    yield m.start(g), m.end(g), label

    return find


def _zip_codes(view: str):
    # ZIP-shaped numbers are few and states many, so the words before each
    # candidate are looked at rather than searching for every state.
    for m in _ZIP_CANDIDATE.finditer(view):
        before = view[max(0, m.start() - 30) : m.start()]
        words = before.rstrip().split()
        if 1 <= len(before) - len(before.rstrip()) <= 3 and words and _before_zip(words):
            yield m.start(), m.end(), ADDRESS


def _before_zip(words: list[str]) -> bool:
    """Whether a number after these words is a ZIP code: after a state ("IL",
    "Illinois", "New York") or after "zip", "zip code", "zip code is"."""
    last = words[-1].rstrip(",")
    if last in _STATE_CODES:
        return True
    if " ".join([*words[-2:-1], last]).lower() in _STATE_NAMES or last.lower() in _STATE_NAMES:
        return True
    tail = [w for w in (w.strip(":#=-").lower() for w in words[-3:]) if w]
    if tail and tail[-1] == "is":
        tail.pop()
    if tail and tail[-1] == "code":
        tail.pop()
    return bool(tail) and tail[-1] == "zip"


def _street_addresses(view: str):
    for m in _STREET_ADDRESS.finditer(view):
        words = [w.strip(".'-").lower() for w in m[1].split()]
        if not any(w in _NOT_A_STREET for w in words):
            yield m.start(), m.end(), ADDRESS


def _name_span(view: str, start: int, end: int, *, capitals_only: bool) -> tuple[int, int] | None:
    """The part of view[start:end] that is a name, judged word by word, or None."""
    kept_end = None
    lowercase_name = False
    tokens = list(_NAME_TOKEN_RE.finditer(view, start, end))
    for i, token in enumerate(tokens):
        word = token[0]
        bare = word.rstrip(".")
        possessive = bare.lower().endswith("'s") and len(bare) > 2
        key = (bare[:-2] if possessive else bare).lower()
        capital = not bare[0].islower()
        if i == 0:
            if key in _NOT_A_NAME or (capitals_only and not capital):
                return None
            # "me llamo la atención": a lowercase particle does not start a name.
            if not capital and key in _PARTICLES:
                return None
            lowercase_name = not capital
        elif key in _NOT_A_NAME:
            break
        elif not capital:
            following = [t[0] for t in tokens[i + 1 :] if t[0].lower() not in _PARTICLES]
            particle = key in _PARTICLES and bool(following) and not following[0][0].islower()
            if not (
                particle or (lowercase_name and not capitals_only and key not in _COMMON_WORDS)
            ):
                break
        token_end = token.end()
        if possessive:
            kept_end = token.start() + len(bare) - 2
            break
        # A full stop after a word ends the sentence, unless it's an initial or title.
        if word.endswith(".") and len(bare) > 1 and key not in _TITLES:
            kept_end = token.start() + len(bare)
            break
        kept_end = token_end
    if kept_end is None:
        return None
    # "Maria de" is not a name without what follows the particle.
    while True:
        head, _, last = view[start:kept_end].rpartition(" ")
        if head and last.lower() in _PARTICLES:
            kept_end = start + len(head.rstrip())
        else:
            break
    return start, kept_end


def _names(pattern: re.Pattern, *, capitals_only: bool, field: bool = False):
    def find(view: str):
        for m in pattern.finditer(view):
            if field:
                before = view[max(0, m.start() - 30) : m.start()].split()
                if before and before[-1].lower().rstrip("'s") in _NOT_A_PERSON:
                    continue
            for g in range(1, pattern.groups + 1):
                if m.start(g) >= 0:
                    span = _name_span(view, m.start(g), m.end(g), capitals_only=capitals_only)
                    if span:
                        yield (*span, NAME)

    return find


_STREET_TYPES = _words("""street st avenue ave road rd boulevard blvd drive dr lane ln court ct
    place pl way terrace ter circle cir parkway pkwy highway hwy route rte trail trl square sq
    loop plaza pike alley""")
# Earlier finders win where matches overlap: the context-bound patterns come
# before the bare number shapes, so "MRN 5555550100" is a record number. The
# words are a cheap first look: a finder whose pattern needs one of them is
# skipped when the message has none, which keeps long messages fast.
_FINDERS = (
    (None, _whole(_EMAIL, EMAIL)),
    (_words("dob birth birthday birthdate born"), _groups(_DATE_AFTER_BIRTH_WORD, DATE_OF_BIRTH)),
    (_words("dob birth birthdate"), _groups(_DATE_BEFORE_BIRTH_WORD, DATE_OF_BIRTH)),
    (
        _words("mrn record chart patient hospital member insurance policy id"),
        _groups(_RECORD_NUMBER, RECORD_NUMBER),
    ),
    (None, _whole(_SSN, SOCIAL_SECURITY_NUMBER)),
    (None, _phone_numbers),
    (_STREET_TYPES, _street_addresses),
    (_words("box"), _whole(_PO_BOX, ADDRESS)),
    (None, _zip_codes),
    (
        _words("fecha nacimiento nac naci nací nació nacio nacido nacida cumpleaños cumpleanos"),
        _groups(_FECHA_DE_NACIMIENTO, DATE_OF_BIRTH),
    ),
    (_words("expediente historia paciente seguro poliza póliza afiliado afiliada"),
     _groups(_NUMERO_DE_EXPEDIENTE, RECORD_NUMBER)),
    (_words("calle avenida avda av camino carretera callejon callejón privada paseo"),
     _whole(_DIRECCION, ADDRESS)),
    (_words("llamo nombre llama"), _names(_NOMBRE_PRESENTADO, capitals_only=False)),
    (_words("habla"), _names(_NOMBRE_QUE_HABLA, capitals_only=True)),
    (_words("atentamente cordialmente"), _names(_NOMBRE_FIRMA, capitals_only=False)),
    (_words("gracias saludos bendiciones"), _names(_NOMBRE_DESPEDIDA, capitals_only=True)),
    (_words("name"), _names(_INTRODUCED_NAME, capitals_only=False)),
    (_words("name"), _names(_NAME_FIELD, capitals_only=False, field=True)),
    (_words("signed sincerely truly respectfully"), _names(_NAME_SIGNATURE, capitals_only=False)),
    (_words("thanks thank regards best cheers"), _names(_NAME_SIGN_OFF, capitals_only=True)),
    (_words("this"), _names(_NAME_CALLER, capitals_only=True)),
    (None, _whole(_DIGIT_GROUPS, RECORD_NUMBER)),
    (None, _whole(_LONG_NUMBER, RECORD_NUMBER)),
)
_LATIN_WORD = re.compile(r"[a-zñáéíóú]+")
_LABEL = re.compile("|".join(re.escape(label) for label, _ in MASKED_KINDS))


# A label can uncover an identifier that its own text hid: in "Mary5555550100"
# the phone number starts inside a word until the name becomes "[name]". No
# pattern matches inside a label, so each pass that changes anything leaves
# fewer characters outside labels, and passes run until nothing changes (two
# for almost any message); the cap only guards against an unforeseen loop.
_MAX_PASSES = 8


def mask(text: str) -> str:
    """`text` with every identifier recognised replaced by its label (MASKED_KINDS).
    All other characters are returned unchanged, and masking twice changes nothing."""
    for _ in range(_MAX_PASSES):
        masked = _mask_once(text)
        if masked == text:
            break
        text = masked
    return text


def _mask_once(text: str) -> str:
    if not text:
        return text
    view, origin = _view(text)
    # Labels from an earlier pass hold trigger words ("[date of birth]") that
    # would only wake finders up for nothing.
    lower = _LABEL.sub(" ", view.lower())
    # Without the full stops "d.o.b." and "p.o. box" count as "dob" and "po box".
    words = {*_LATIN_WORD.findall(lower), *_LATIN_WORD.findall(lower.replace(".", ""))}
    taken = bytearray(len(view))
    chosen: list[tuple[int, int, str]] = []
    for needs, find in _FINDERS:
        if needs is not None and needs.isdisjoint(words):
            continue
        for start, end, label in find(view):
            if start < end and taken.find(1, start, end) == -1:
                taken[start:end] = b"\x01" * (end - start)
                chosen.append((start, end, label))
    if not chosen:
        return text
    chosen.sort()
    pieces: list[str] = []
    done = 0
    for start, end, label in chosen:
        if origin is not None:
            start, end = origin[start], origin[end - 1] + 1
        pieces += (text[done:start], label)
        done = end
    pieces.append(text[done:])
    return "".join(pieces)
