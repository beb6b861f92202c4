"""Load and check the clinic's curated content in content/.

Layout:
  content/clinic.yml       what differs between clinics (names, phones, intervals)
  content/sources.yml      every citable source, by key: short name, citation, url
  content/source_domains.yml  the hosts a source's url may be on (the original publishers)
  content/topics/<id>.yml  one FAQ topic per file

`load(content_dir)` returns the content and every problem found, so a clinic's
staff see all mistakes at once, each naming the file, the topic and the field.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.content import figures, languages, placeholders, readability, source_domains
from bot.content import messages as messages_module
from bot.content import myths as myths_module
from bot.content import red_flags as red_flags_module
from bot.content import sign_off as sign_off_module
from bot.content import translations as translations_module
from bot.content import widget as widget_module
from bot.content.problems import ERROR, WARNING, ContentError, Problem
from bot.content.yaml_files import read_mapping, read_yaml

CLINIC_FILE = "clinic.yml"
SOURCES_FILE = "sources.yml"
SOURCE_FIELDS = ("name", "citation", "url")
# A source's name is a link on the one line under each answer: keep it short.
SOURCE_NAME_MAX = 40
TOPICS_DIR = "topics"

MIN_EXAMPLES = 12
REVIEW_MAX_AGE_DAYS = 365
DEFAULT_REFILL_INTERVAL_DAYS = 14
# Days since a conversation's last message after which its chat id no longer opens it.
DEFAULT_CHAT_ID_DAYS = 30
TOPIC_ID = re.compile(r"^[a-z][a-z0-9_]{1,40}$")
# Rasa reads "[text](entity)" and "[text]{...}" in examples as entity markup.
RASA_ENTITY_MARKUP = re.compile(r"\[[^\]]*\]\s*[({]")

CLINIC_FIELDS: dict[str, type] = {
    "clinic_name": str,
    "website": str,
    "phone_main": str,
    "phone_24h": str,
    "hours": str,
    "pump_model": str,
    "pump_type": str,
    "hospital_stay": str,
    "hospital_stay_with_resection": str,
    "timezone": str,
}
CLINIC_OPTIONAL: dict[str, type] = {
    "refill_interval_days": int,
    "reminder_days_before": int,
    "reminder_hour": int,
    "calendar_refills": int,
    "chat_id_days": int,
    "log_retention_days": int,
    "sign_off_days": int,
    "quiet_hours_start": str,
    "quiet_hours_end": str,
    # Whether patients read translations that no qualified translator has
    # reviewed yet (or whose English changed since): else the English answer
    # with a note (bot/content/translations.py).
    "show_draft_translations": bool,
    # The clinic's words in other languages, for texts in them: {es: {hours: ...}}.
    "translations": dict,
    # Whether patients get only answers a clinician signed (bot/content/sign_off.py);
    # the others say the team is reviewing them and give the clinic's number.
    "serve_only_signed": bool,
}
# The clinic values written in words, which a translation may give in its language.
CLINIC_WORDS = ("clinic_name", "hours", "hospital_stay", "hospital_stay_with_resection")
# No text messages between these times on the clinic's clock (reminders by e-mail
# go any time); a window may cross midnight.
QUIET_HOURS = {"quiet_hours_start": "21:00", "quiet_hours_end": "08:00"}
CLOCK_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
# Default and allowed range of each whole-number clinic setting.
CLINIC_NUMBERS = {
    "refill_interval_days": (DEFAULT_REFILL_INTERVAL_DAYS, 1, 90),
    "reminder_days_before": (1, 0, 7),
    "reminder_hour": (18, 0, 23),
    "calendar_refills": (6, 1, 26),
    "chat_id_days": (DEFAULT_CHAT_ID_DAYS, 1, 365),
    # The staff workspace's review log and Rasa's conversations (staff/review/retention.py).
    "log_retention_days": (180, 7, 3650),
    # A clinician's sign-off of a topic lasts this long (bot/content/sign_off.py).
    "sign_off_days": (365, 30, 1095),
}

# How the clinic's pump gives the drug: at a fixed rate pushed by body heat
# (Intera 3000, Codman 3000), or at a rate the team programs (Medtronic type).
CONSTANT_FLOW = "constant_flow"
PROGRAMMABLE = "programmable"
PUMP_TYPES = (CONSTANT_FLOW, PROGRAMMABLE)
# The key of an answer that holds for every pump type.
ANY_PUMP = "any"

TOPIC_REQUIRED = (
    "id",
    "title",
    "answer",
    "facts",
    "examples",
    "sources",
    "reviewed_on",
    "reviewed_by",
)
TOPIC_OPTIONAL = ("follow_ups", "myths", "translations", *sign_off_module.FIELDS)
FACT_FIELDS = ("claim", "source", "pump_type")


@dataclass(frozen=True)
class Source:
    key: str
    citation: str
    url: str
    # Short, shown to patients as the link under each answer ("Penn Medicine").
    name: str = ""


@dataclass(frozen=True)
class Fact:
    claim: str
    source: str
    # None: holds for every pump type.
    pump_type: str | None = None


@dataclass(frozen=True)
class Topic:
    id: str
    title: str
    # The answer this clinic's patients get: its pump type's variant, if any.
    answer: str
    examples: tuple[str, ...]
    sources: tuple[str, ...]
    reviewed_on: dt.date
    reviewed_by: str
    follow_ups: tuple[str, ...] = ()
    file: str = ""
    facts: tuple[Fact, ...] = ()
    # {"any": text}, or one text per pump type.
    variants: dict[str, str] = field(default_factory=dict)
    # Common false beliefs and their corrections (bot/content/myths.py).
    myths: tuple[myths_module.Myth, ...] = ()
    # The topic in other languages, by language code (bot/content/translations.py).
    translations: dict[str, translations_module.TopicTranslation] = field(default_factory=dict)
    # A clinician's sign-off, if given (bot/content/sign_off.py).
    sign_off: sign_off_module.SignOff | None = None

    @property
    def version(self) -> str:
        """The title and answer's version: what a sign-off or a translation names."""
        return translations_module.english_version(self.title, self.variants)

    @property
    def translated_examples(self) -> dict[str, tuple[str, ...]]:
        """Example questions in other languages: each language's classifier learns them."""
        return {code: t.examples for code, t in self.translations.items() if t.examples}

    def answer_for(self, pump_type: str | None) -> str | None:
        """The answer for a clinic with this pump type; None if there is none."""
        return self.variants.get(ANY_PUMP) or self.variants.get(pump_type or "")

    def sources_for(self, pump_type: str | None) -> tuple[str, ...]:
        """The sources to show with this pump type's answer: not those whose every
        fact here holds only for another pump type (a constant-flow clinic does
        not cite a page about programmable pumps)."""
        other = {f.source for f in self.facts if f.pump_type and f.pump_type != pump_type} - {
            f.source for f in self.facts if f.pump_type in (None, pump_type)
        }
        return tuple(key for key in self.sources if key not in other)


@dataclass
class Content:
    clinic: dict[str, Any]
    sources: dict[str, Source]
    topics: dict[str, Topic]
    red_flags: red_flags_module.RedFlags | None = None
    messages: dict[str, messages_module.Message] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # The chat widget's labels, {language: {label: text}} (content/widget.yml).
    widget: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.level == WARNING]

    def render(self, text: str, language: str = "en") -> str:
        return placeholders.fill(text, self.clinic_in(language))

    def clinic_in(self, language: str) -> dict[str, Any]:
        """The clinic's values, its words in `language` where given (clinic.yml)."""
        words = (self.clinic.get("translations") or {}).get(language) or {}
        return {**self.clinic, **words} if words else self.clinic

    def sign_off_state(self, signed: sign_off_module.Signable, today: dt.date | None = None) -> str:
        """signed, unsigned, changed since signing or expired (bot/content/sign_off.py)
        of a topic, a red-flag symptom or level, or a message."""
        return sign_off_module.state(
            signed.sign_off, signed.version, today or dt.date.today(), self.clinic["sign_off_days"]
        )

    def reading_grades(self) -> dict[str, float]:
        """Flesch-Kincaid grade of each topic's answer as this clinic shows it."""
        return {
            topic_id: readability.grade(self.render(topic.answer))
            for topic_id, topic in sorted(self.topics.items())
        }


def normalise_example(text: str) -> str:
    """The form two example questions are compared in: case, spacing and
    punctuation do not make a question different."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def _clinic_translations(value: Any, rel: str, problems: list[Problem]) -> dict:
    """{language: {value name: text}} for the values in CLINIC_WORDS."""
    found: dict[str, dict[str, str]] = {}
    if not isinstance(value, dict):
        problems.append(Problem(ERROR, rel, "translations", "must map a language code to values"))
        return found
    for language, values in value.items():
        where = f"translations.{language}"
        if language not in languages.NAMES or language == languages.ENGLISH:
            problems.append(Problem(ERROR, rel, where, "is not a language code"))
            continue
        if not isinstance(values, dict):
            problems.append(Problem(ERROR, rel, where, "must map value names to text"))
            continue
        for key, text in values.items():
            if key not in CLINIC_WORDS:
                problems.append(
                    Problem(
                        ERROR,
                        rel,
                        f"{where}.{key}",
                        f"is not a value given in words ({', '.join(CLINIC_WORDS)})",
                    )
                )
            elif not isinstance(text, str) or not text.strip():
                problems.append(Problem(ERROR, rel, f"{where}.{key}", "must be non-empty text"))
            else:
                found.setdefault(language, {})[key] = text.strip()
    return found


def _load_clinic(root: Path, problems: list[Problem]) -> dict[str, Any]:
    rel = f"content/{CLINIC_FILE}"
    data = read_mapping(root / CLINIC_FILE, rel, problems)
    if data is None:
        return {}
    clinic: dict[str, Any] = {}
    known = {**CLINIC_FIELDS, **CLINIC_OPTIONAL}
    for key in data:
        if key not in known:
            problems.append(
                Problem(
                    ERROR,
                    rel,
                    str(key),
                    f"is not a known clinic field (known: {', '.join(sorted(known))})",
                )
            )
    for key, kind in known.items():
        value = data.get(key)
        if value is None:
            if key in CLINIC_FIELDS:
                problems.append(Problem(ERROR, rel, key, "is missing"))
            continue
        if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
            problems.append(Problem(ERROR, rel, key, f"must be a whole number, not {value!r}"))
            continue
        if kind is bool and not isinstance(value, bool):
            problems.append(Problem(ERROR, rel, key, f"must be true or false, not {value!r}"))
            continue
        if kind is dict:
            value = _clinic_translations(value, rel, problems)
        if key in QUIET_HOURS and not (isinstance(value, str) and CLOCK_TIME.match(value)):
            # YAML reads an unquoted 21:00 as the number 1260.
            problems.append(
                Problem(ERROR, rel, key, f'must be a time in quotes, like "21:00", not {value!r}')
            )
            continue
        if kind is str:
            if not isinstance(value, (str, int, float)) or not str(value).strip():
                problems.append(Problem(ERROR, rel, key, "must be non-empty text"))
                continue
            value = str(value).strip()
        clinic[key] = value
    for key, (default, low, high) in CLINIC_NUMBERS.items():
        value = clinic.setdefault(key, default)
        if isinstance(value, int) and not low <= value <= high:
            problems.append(
                Problem(ERROR, rel, key, f"must be between {low} and {high}, not {value}")
            )
    for key, default in QUIET_HOURS.items():
        clinic.setdefault(key, default)
    clinic.setdefault("show_draft_translations", False)
    clinic.setdefault("serve_only_signed", False)
    if "pump_type" in clinic and clinic["pump_type"] not in PUMP_TYPES:
        problems.append(
            Problem(
                ERROR,
                rel,
                "pump_type",
                f"must be {' or '.join(PUMP_TYPES)}, not '{clinic['pump_type']}'",
            )
        )
        del clinic["pump_type"]
    if "timezone" in clinic:
        try:
            zoneinfo.ZoneInfo(clinic["timezone"])
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(
                Problem(
                    ERROR,
                    rel,
                    "timezone",
                    f"'{clinic['timezone']}' is not an IANA time zone "
                    "(for example America/New_York)",
                )
            )
    return clinic


def _load_sources(
    root: Path, clinic: dict, problems: list[Problem], domains: source_domains.Domains | None
) -> dict[str, Source]:
    """Every source with its short name, citation and url; a url must be https://
    on a host of content/source_domains.yml (checked only once that file is usable)."""
    rel = f"content/{SOURCES_FILE}"
    data = read_mapping(
        root / SOURCES_FILE, rel, problems, "must map a source key to its name, citation and url"
    )
    if data is None:
        return {}
    sources = {}
    for key, entry in data.items():
        where = f"{key}"
        if not isinstance(entry, dict):
            problems.append(Problem(ERROR, rel, where, "must have 'name', 'citation' and 'url'"))
            continue
        for extra in set(entry) - set(SOURCE_FIELDS):
            problems.append(Problem(ERROR, rel, f"{where}.{extra}", "is not a known source field"))
        ok = True
        for name in SOURCE_FIELDS:
            value = entry.get(name)
            if not isinstance(value, str) or not value.strip():
                problems.append(Problem(ERROR, rel, f"{where}.{name}", "is missing"))
                ok = False
            elif missing := placeholders.unresolved(value, clinic):
                problems.append(
                    Problem(ERROR, rel, f"{where}.{name}", _unresolved_message(missing))
                )
                ok = False
        if ok and (problem := _source_url_problem(entry["url"], clinic, domains)):
            problems.append(Problem(ERROR, rel, f"{where}.url", problem))
            ok = False
        if ok and (problem := _source_name_problem(placeholders.fill(entry["name"], clinic))):
            problems.append(Problem(ERROR, rel, f"{where}.name", problem))
            ok = False
        if ok:
            sources[str(key)] = Source(
                str(key), entry["citation"].strip(), entry["url"].strip(), entry["name"].strip()
            )
    return sources


def _source_url_problem(
    url: str, clinic: dict, domains: source_domains.Domains | None
) -> str | None:
    filled = placeholders.fill(url, clinic).strip()
    if domains is None:
        return None if re.match(r"^https?://", filled) else "must start with https://"
    return source_domains.url_problem(filled, domains, clinic.get("website"))


def _source_name_problem(name: str) -> str | None:
    """Why a source's name cannot be its one-line link under an answer, if it cannot."""
    name = name.strip()
    if len(name) > SOURCE_NAME_MAX:
        return (
            f"is {len(name)} characters; at most {SOURCE_NAME_MAX}: a short name such as "
            "'Penn Medicine' (the full reference goes in 'citation')"
        )
    if re.search(r"[\[\]\n]", name):
        return "must be one line without '[' or ']' (it is shown as a link)"
    return None


def _unresolved_message(names: set[str]) -> str:
    return (
        f"uses {', '.join('{' + n + '}' for n in sorted(names))}, which "
        f"content/{CLINIC_FILE} does not define"
    )


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _load_topic(
    path: Path,
    root: Path,
    clinic: dict,
    sources: dict,
    today: dt.date,
    problems: list[Problem],
    ids_seen: set[str],
) -> Topic | None:
    """Parse one topic file; None if it has errors. Its id goes into ids_seen
    either way, so other topics' follow-ups to it are not reported as well."""
    rel = f"content/{path.relative_to(root)}"
    data = read_yaml(path, rel, problems)
    if not isinstance(data, dict):
        # Unreadable: its id is unknown, and most likely the file name.
        ids_seen.add(path.stem)
    if data is None:
        if path.stat().st_size == 0:
            problems.append(Problem(ERROR, rel, "(file)", "is empty"))
        return None
    if not isinstance(data, dict):
        problems.append(Problem(ERROR, rel, "(file)", "must be a mapping of field: value"))
        return None
    topic_id = data.get("id") if isinstance(data.get("id"), str) else path.stem
    ids_seen.add(topic_id)

    def problem(level: str, fieldname: str, message: str) -> None:
        problems.append(Problem(level, rel, fieldname, message, topic=topic_id))

    before = len([p for p in problems if p.level == ERROR])
    for key in data:
        if key not in TOPIC_REQUIRED + TOPIC_OPTIONAL:
            problem(
                ERROR,
                str(key),
                f"is not a known topic field (known: {', '.join(TOPIC_REQUIRED + TOPIC_OPTIONAL)})",
            )
    for key in TOPIC_REQUIRED:
        if data.get(key) in (None, "", []):
            problem(ERROR, key, "is missing")

    if isinstance(data.get("id"), str):
        if not TOPIC_ID.match(data["id"]):
            problem(
                ERROR, "id", "must be lowercase letters, digits and _ (for example hospital_stay)"
            )
    elif data.get("id") is not None:
        problem(ERROR, "id", "must be text")

    for key in ("title", "reviewed_by"):
        if data.get(key) is not None and _text(data.get(key)) is None:
            problem(ERROR, key, "must be non-empty text")
    if (text := _text(data.get("title"))) and (missing := placeholders.unresolved(text, clinic)):
        problem(ERROR, "title", _unresolved_message(missing))
    variants = _answer_variants(data.get("answer"), problem)
    for key, text in variants.items():
        if missing := placeholders.unresolved(text, clinic):
            problem(ERROR, _answer_field(key), _unresolved_message(missing))

    examples = _string_list(data.get("examples"), "examples", problem)
    seen: dict[str, str] = {}
    if examples is not None:
        if len(examples) < MIN_EXAMPLES:
            problem(
                ERROR,
                "examples",
                f"has {len(examples)} example questions; at least {MIN_EXAMPLES} are needed",
            )
        for example in examples:
            if "\n" in example:
                problem(ERROR, "examples", f"'{example[:40]}...' must be on one line")
            if RASA_ENTITY_MARKUP.search(example):
                problem(
                    ERROR,
                    "examples",
                    f"'{example}' looks like Rasa entity markup "
                    "([text](name)); rephrase it without brackets",
                )
            key = normalise_example(example)
            if key in seen:
                problem(ERROR, "examples", f"'{example}' is listed twice")
            seen[key] = example

    source_keys = _string_list(data.get("sources"), "sources", problem)
    if source_keys is not None:
        for key in source_keys:
            if key not in sources:
                problem(ERROR, "sources", f"'{key}' is not defined in content/{SOURCES_FILE}")
    facts = _facts(data.get("facts"), sources, source_keys, problem)
    if facts is not None and variants:
        _check_pump_types(variants, facts, clinic, problem)
        _check_figures(variants, facts, problem)

    follow_ups = _string_list(data.get("follow_ups"), "follow_ups", problem) or []
    beliefs = myths_module.parse(data.get("myths"), clinic, source_keys, problem, PUMP_TYPES)
    for index, myth in enumerate(beliefs or []):
        # A belief's questions are compared as the topic's own examples are.
        for example in myth.examples:
            if (key := normalise_example(example)) in seen:
                where = f"myths[{index}].examples"
                problem(ERROR, where, f"'{example}' is listed twice in this topic")
            seen[key] = example

    topic_translations = translations_module.parse(
        data.get("translations"),
        _text(data.get("title")) or "",
        variants,
        clinic,
        problem,
        _translated_examples(problem),
    )

    signed = sign_off_module.parse(data, today, problem)

    reviewed_on = data.get("reviewed_on")
    if reviewed_on is not None:
        if not isinstance(reviewed_on, dt.date) or isinstance(reviewed_on, dt.datetime):
            problem(ERROR, "reviewed_on", f"must be a date written YYYY-MM-DD, not {reviewed_on!r}")
            reviewed_on = None
        elif reviewed_on > today:
            problem(ERROR, "reviewed_on", f"{reviewed_on} is in the future")
        elif (today - reviewed_on).days > REVIEW_MAX_AGE_DAYS:
            problem(
                WARNING,
                "reviewed_on",
                f"last review {reviewed_on} is more than a year ago; please review this topic",
            )

    for key, text in variants.items():
        level = readability.grade(placeholders.fill(text, clinic))
        if level > readability.MAX_GRADE:
            problem(
                WARNING,
                _answer_field(key),
                f"reads at grade {level}; aim for grade "
                f"{readability.MAX_GRADE:g} or below (shorter sentences, simpler words)",
            )

    if len([p for p in problems if p.level == ERROR]) > before:
        return None
    topic = Topic(
        id=data["id"],
        title=_text(data["title"]),
        answer="",
        examples=tuple(examples),
        sources=tuple(source_keys),
        reviewed_on=reviewed_on,
        reviewed_by=_text(data["reviewed_by"]),
        follow_ups=tuple(follow_ups),
        file=rel,
        facts=tuple(facts),
        variants=variants,
        # The clinic's patients see only what is true for their pump.
        myths=tuple(m for m in beliefs if m.pump_type in (None, clinic.get("pump_type"))),
        translations=topic_translations,
        sign_off=signed,
    )
    answer = topic.answer_for(clinic.get("pump_type"))
    return dataclasses.replace(topic, answer=answer) if answer else None


def _answer_field(key: str) -> str:
    return "answer" if key == ANY_PUMP else f"answer.{key}"


def _answer_variants(value: Any, problem: Callable[[str, str, str], None]) -> dict[str, str]:
    """`answer: text` (for every pump type) or `answer: {constant_flow: text,
    programmable: text}` (one text per pump type, at least one)."""
    if value is None:
        return {}
    if isinstance(value, dict):
        variants = {}
        for key, text in value.items():
            if key not in PUMP_TYPES:
                problem(
                    ERROR,
                    f"answer.{key}",
                    f"is not a pump type; write one answer per pump type "
                    f"({', '.join(PUMP_TYPES)}), or one answer for every pump",
                )
            elif _text(text) is None:
                problem(ERROR, f"answer.{key}", "must be non-empty text")
            else:
                variants[key] = _text(text)
        if not value:
            problem(ERROR, "answer", "is missing")
        return variants
    if _text(value) is None:
        problem(ERROR, "answer", "must be non-empty text, or one text per pump type")
        return {}
    return {ANY_PUMP: _text(value)}


def _facts(
    value: Any,
    sources: dict,
    source_keys: list[str] | None,
    problem: Callable[[str, str, str], None],
) -> list[Fact] | None:
    """Each fact: a short claim and the source key it comes from (and the pump type
    it holds for, if only one). None if the list is missing or malformed."""
    if value in (None, "", []):
        return None  # reported as missing with the other required fields
    if not isinstance(value, list):
        problem(ERROR, "facts", "must be a list of facts, each with 'claim' and 'source'")
        return None
    facts, ok = [], True
    for index, entry in enumerate(value):
        where = f"facts[{index}]"
        if not isinstance(entry, dict):
            problem(ERROR, where, "must have 'claim' and 'source'")
            ok = False
            continue
        for key in entry:
            if key not in FACT_FIELDS:
                problem(
                    ERROR,
                    f"{where}.{key}",
                    f"is not a known fact field (known: {', '.join(FACT_FIELDS)})",
                )
                ok = False
        claim, source = _text(entry.get("claim")), _text(entry.get("source"))
        if claim is None:
            problem(ERROR, f"{where}.claim", "is missing")
            ok = False
        if source is None:
            problem(ERROR, f"{where}.source", "is missing")
            ok = False
        elif source not in sources:
            problem(
                ERROR, f"{where}.source", f"'{source}' is not defined in content/{SOURCES_FILE}"
            )
            ok = False
        elif source_keys and source not in source_keys:
            problem(
                ERROR,
                f"{where}.source",
                f"'{source}' is not in this topic's sources, so patients would not see it cited",
            )
            ok = False
        pump_type = entry.get("pump_type")
        if pump_type is not None and pump_type not in PUMP_TYPES:
            problem(ERROR, f"{where}.pump_type", f"must be {' or '.join(PUMP_TYPES)}")
            ok = False
        if claim and source:
            facts.append(Fact(claim, source, pump_type))
    return facts if ok else None


def _check_pump_types(
    variants: dict[str, str], facts: list[Fact], clinic: dict, problem: Callable
) -> None:
    """A topic whose facts hold only for one pump type says so: its answer has a
    text per pump type. The clinic's pump type must have one."""
    only = sorted({f.pump_type for f in facts if f.pump_type})
    if only and ANY_PUMP in variants:
        problem(
            ERROR,
            "answer",
            f"uses facts that hold only for {' and '.join(only)} pumps "
            f"({', '.join(f'facts[{i}]' for i, f in enumerate(facts) if f.pump_type)}); "
            f"write the answer per pump type (answer: {only[0]}: ...)",
        )
        return
    pump_type = clinic.get("pump_type")
    if ANY_PUMP not in variants and pump_type and pump_type not in variants:
        problem(
            ERROR,
            "answer",
            f"has no text for this clinic's pump type '{pump_type}' "
            f"(content/{CLINIC_FILE}); add answer: {pump_type}: ... with its facts",
        )


def _check_figures(variants: dict[str, str], facts: list[Fact], problem: Callable) -> None:
    """No number, percentage or time span in an answer unless a fact holds it."""
    for key, text in variants.items():
        claims = [f.claim for f in facts if f.pump_type in (None, key)]
        for figure in figures.unsourced(text, claims):
            pump = "" if key == ANY_PUMP else f" for {key} pumps"
            problem(
                ERROR,
                _answer_field(key),
                f"states '{figure}', which none of its facts{pump} holds; add the "
                "fact with its source under 'facts', or take the figure out",
            )


def _translated_examples(problem: Callable) -> Callable[[Any, str], list[str]]:
    """Checks a translation's example questions as the English ones are checked."""

    def check(value: Any, where: str) -> list[str]:
        examples = _string_list(value, where, problem) or []
        seen = set()
        for example in examples:
            if RASA_ENTITY_MARKUP.search(example) or "\n" in example:
                problem(ERROR, where, f"'{example[:40]}' must be one plain line")
            elif normalise_example(example) in seen:
                problem(ERROR, where, f"'{example}' is listed twice")
            seen.add(normalise_example(example))
        return examples

    return check


def _string_list(
    value: Any, name: str, problem: Callable[[str, str, str], None]
) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, (str, int, float)) for v in value):
        problem(ERROR, name, "must be a list of text items")
        return None
    items = [str(v).strip() for v in value]
    if any(not item for item in items):
        problem(ERROR, name, "has an empty item")
        return None
    return items


def _check_across_topics(
    topics: dict[str, Topic], ids_seen: set[str], problems: list[Problem]
) -> None:
    owner: dict[str, Topic] = {}
    for topic in topics.values():
        for example in topic.examples:
            key = normalise_example(example)
            other = owner.setdefault(key, topic)
            if other is not topic:
                problems.append(
                    Problem(
                        ERROR,
                        topic.file,
                        "examples",
                        f"'{example}' is also an example of topic '{other.id}' ({other.file}); "
                        "keep each question under one topic",
                        topic=topic.id,
                    )
                )
        for follow_up in topic.follow_ups:
            if follow_up not in ids_seen:
                problems.append(
                    Problem(
                        ERROR,
                        topic.file,
                        "follow_ups",
                        f"'{follow_up}' is not a topic id",
                        topic=topic.id,
                    )
                )
            elif follow_up == topic.id:
                problems.append(
                    Problem(
                        ERROR,
                        topic.file,
                        "follow_ups",
                        "a topic cannot follow up on itself",
                        topic=topic.id,
                    )
                )


def _check_median_grade(topics: dict[str, Topic], clinic: dict, problems: list[Problem]) -> None:
    grades = [readability.grade(placeholders.fill(t.answer, clinic)) for t in topics.values()]
    middle = readability.median(grades)
    if grades and middle > readability.MAX_MEDIAN_GRADE:
        problems.append(
            Problem(
                WARNING,
                f"content/{TOPICS_DIR}/",
                "answer",
                f"the median answer reads at grade {middle:g}; aim for grade "
                f"{readability.MAX_MEDIAN_GRADE:g} or below (shorter sentences, simpler words)",
            )
        )


def load(content_dir: Path | str, today: dt.date | None = None) -> Content:
    """Read every content file and report all problems; never raises on bad content."""
    root = Path(content_dir)
    today = today or dt.date.today()
    problems: list[Problem] = []
    clinic = _load_clinic(root, problems)
    domains, domain_problems = source_domains.load(root)
    problems.extend(domain_problems)
    sources = _load_sources(root, clinic, problems, domains)
    topics: dict[str, Topic] = {}
    topic_files = sorted((root / TOPICS_DIR).glob("*.yml")) if (root / TOPICS_DIR).is_dir() else []
    if not topic_files:
        problems.append(
            Problem(ERROR, f"content/{TOPICS_DIR}/", "(folder)", "has no topic files (*.yml)")
        )
    ids_seen: set[str] = set()
    for path in topic_files:
        topic = _load_topic(path, root, clinic, sources, today, problems, ids_seen)
        if topic is None:
            continue
        if topic.id in topics:
            problems.append(
                Problem(
                    ERROR,
                    topic.file,
                    "id",
                    f"'{topic.id}' is already used by {topics[topic.id].file}",
                    topic=topic.id,
                )
            )
            continue
        topics[topic.id] = topic
    _check_across_topics(topics, ids_seen, problems)
    _check_median_grade(topics, clinic, problems)
    red_flags = red_flags_module.load(root, clinic, sources, problems, ids_seen, today)
    messages = messages_module.load(root, clinic, ids_seen, problems, today)
    widget = widget_module.load(root, problems)
    return Content(
        clinic=clinic,
        sources=sources,
        topics=topics,
        red_flags=red_flags,
        messages=messages,
        problems=problems,
        widget=widget,
    )


def load_valid(content_dir: Path | str, today: dt.date | None = None) -> Content:
    """Like `load`, but raise ContentError if any error was found."""
    content = load(content_dir, today)
    if content.errors:
        raise ContentError(content.errors)
    return content
