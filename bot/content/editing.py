"""Editing FAQ topics from the browser: the library under the staff workspace's
content editor (issue 13). The Django pages call only what is listed here.

    EDITABLE_FIELDS                     the fields a page may show and change
    load_topic(content_dir, topic_id) -> Editable
    preview(content_dir, topic_id, fields) -> Preview
    save_topic(content_dir, topic_id, fields, base_version, author, history) -> Saved
    new_topic(content_dir, fields, author, history) -> Saved
    retire_topic(content_dir, topic_id, author, history, base_version=None) -> Saved
    Invalid, Conflict                   what a page shows instead of saving
    Author                              who saves (bot/content/history.py)

Fields are the topic file's own values, as `yaml.safe_load` reads them:

    title, reviewed_by   text
    answer               text (for every pump type), or a mapping of pump type
                         (loader.PUMP_TYPES: constant_flow, programmable) to text:
                         the topic file keeps per-pump-type answers under
                         `answer`, so there is no separate `variants` field
    facts                list of {"claim": text, "source": source key,
                         "pump_type": pump type (optional; None or "" = every pump)}
    examples, sources, follow_ups   lists of text (topic ids for follow_ups)
    reviewed_on          datetime.date, or text "YYYY-MM-DD"

Texts are cleaned before anything else: line endings become "\\n" and the
surrounding white space of each text goes (what a browser's text box adds). A
save gives only the fields it changes; any it leaves out keep their value, and
a field given as None is taken out of the file (follow_ups: [] too).

Every edit is checked by the assistant's own validator (`loader.load`) on a
temporary copy of content/ with the edit applied. Only problems the edit brings
stop it: `Invalid.errors` maps a field name to messages ("file" for a problem
of the whole file or one the edit causes in another file, "id" for the topic
id, "author" for the account). Reading-grade and other warnings never stop a
save; they come back as `warnings`. Nothing is written unless the whole edit is
valid, and a written file is replaced whole (temporary file, fsync, rename), so
the running assistant, which rereads content/ when a file changes, answers from
the new text at the next question and never sees half a file.

Saves are serialised by an exclusive lock on the content folder (the same lock
bot/content/examples.py takes). A save names the version it started from (the
sha256 of the file's bytes, `Editable.version`); if the file has changed since,
`Conflict` carries both texts and nothing is written.

A retired topic's file moves to content/retired/, which the assistant never
reads (the loader reads content/topics/*.yml only); its history stays.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import shutil
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from bot.content import answers, loader, round_trip
from bot.content.edit_errors import Conflict, Invalid
from bot.content.files import locked, sync_dir, write_atomic
from bot.content.history import Author
from bot.content.problems import ERROR, WARNING, Problem

if TYPE_CHECKING:
    from bot.content.history import ContentHistory

__all__ = [
    "EDITABLE_FIELDS",
    "MAX_FIELD_CHARS",
    "RETIRED_DIR",
    "Author",
    "Conflict",
    "Editable",
    "Invalid",
    "Preview",
    "Saved",
    "load_topic",
    "new_topic",
    "preview",
    "retire_topic",
    "save_keys",
    "save_topic",
]

# In the order a topic file has them.
EDITABLE_FIELDS = (
    "title",
    "answer",
    "facts",
    "examples",
    "follow_ups",
    "sources",
    "reviewed_on",
    "reviewed_by",
)
# The order keys are written in: that of every shipped topic file.
KEY_ORDER = ("id", *EDITABLE_FIELDS)
MAX_FIELD_CHARS = 10_000
RETIRED_DIR = "retired"
_TEXT_FIELDS = ("title", "reviewed_by")
_LIST_FIELDS = ("examples", "sources", "follow_ups")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_FIELD_HEAD = re.compile(r"^[A-Za-z_]+")


@dataclass
class Editable:
    """A topic as the editor shows it. `fields` has every EDITABLE_FIELDS key
    (None where the file has none; follow_ups [] then); `version` is the sha256
    (hex) of the file's bytes, to give back to save_topic as base_version."""

    topic_id: str
    fields: dict[str, Any]
    version: str
    file: Path


@dataclass
class Saved:
    """`version`: the file's new version (sha256 hex); `commit`: the history's
    commit, None without history or when nothing changed; `warnings`: reading
    grade and other warnings about the topic now; `changed_fields`: in
    EDITABLE_FIELDS order, [] if the save changed nothing."""

    version: str
    commit: str | None
    warnings: list[str] = field(default_factory=list)
    changed_fields: list[str] = field(default_factory=list)


@dataclass
class Preview:
    """What a patient would see for the topic: `text` is the whole chat message
    (answer for the clinic's pump type, placeholders filled, sources line last),
    `buttons` the follow-up buttons, `sources_line` that last line on its own,
    `grade` the answer's Flesch-Kincaid grade as shown."""

    text: str
    buttons: list[dict]
    sources_line: str
    grade: float
    warnings: list[str] = field(default_factory=list)


def version_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- reading -----------------------------------------------------------------


def _check_id(topic_id: Any) -> str:
    if not isinstance(topic_id, str) or not loader.TOPIC_ID.match(topic_id):
        raise Invalid(
            {"id": ["must be lowercase letters, digits and _ (for example hospital_stay)"]}
        )
    return topic_id


def _topics_dir(root: Path) -> Path:
    return root / loader.TOPICS_DIR


def _topic_path(root: Path, topic_id: Any) -> Path:
    """The file of an existing topic; Invalid if there is none."""
    topic_id = _check_id(topic_id)
    folder = _topics_dir(root)
    path = folder / f"{topic_id}.yml"
    if not path.is_file():
        # A file may be named other than its id: look inside.
        path = next(
            (p for p in sorted(folder.glob("*.yml")) if _id_in(p) == topic_id),
            path,
        )
    if not path.is_file() or path.resolve().parent != folder.resolve():
        raise Invalid({"id": [f"there is no topic '{topic_id}'"]})
    return path


def _id_in(path: Path) -> str | None:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return data.get("id") if isinstance(data, dict) else None


def _read(path: Path) -> tuple[bytes, str, dict]:
    """The file's bytes, text and mapping; Invalid if it cannot be edited as fields."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise Invalid({"file": ["is not UTF-8 text; fix it by hand"]}) from None
    except OSError as exc:
        raise Invalid({"file": [f"cannot be read: {exc.strerror}"]}) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise Invalid({"file": [f"is not valid YAML ({exc}); fix it by hand"]}) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise Invalid({"file": ["must be a mapping of field: value; fix it by hand"]})
    return raw, text, data


def read_fields(path: Path) -> dict:
    """A topic file's mapping, every key (Invalid as load_topic)."""
    return _read(path)[2]


def _rel(root: Path, path: Path) -> str:
    """A file's name in problems: "content/topics/x.yml", whatever the folder's name."""
    return f"content/{path.relative_to(root).as_posix()}"


def load_topic(content_dir: Path | str, topic_id: str) -> Editable:
    """The topic's fields for the editor; Invalid if there is no such topic or
    its file cannot be read as fields (broken YAML: fixed by hand)."""
    root = Path(content_dir)
    path = _topic_path(root, topic_id)
    raw, _, data = _read(path)
    fields = {name: data.get(name) for name in EDITABLE_FIELDS}
    if fields["follow_ups"] is None:
        fields["follow_ups"] = []
    return Editable(topic_id=topic_id, fields=fields, version=version_of(raw), file=path)


# --- cleaning the given fields -------------------------------------------------


def _clean_text(value: Any, name: str, errors: dict[str, list[str]]) -> str | None:
    if not isinstance(value, str):
        errors.setdefault(name, []).append(f"must be text, not {type(value).__name__}")
        return None
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        errors.setdefault(name, []).append("is not valid UTF-8 text")
        return None
    value = value.replace("\r\n", "\n").replace("\r", "\n").strip()
    if _CONTROL.search(value):
        errors.setdefault(name, []).append("contains control characters")
        return None
    return value


def _size(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Mapping):
        return sum(_size(k) + _size(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return sum(_size(v) for v in value)
    return 0


def _clean_field(name: str, value: Any, errors: dict[str, list[str]]) -> Any:
    """The value as it will be written, or None (with errors) if it cannot be."""
    count = len(errors.get(name, []))
    if _size(value) > MAX_FIELD_CHARS:
        errors.setdefault(name, []).append(f"is longer than {MAX_FIELD_CHARS:,} characters")
        return None
    if name in _TEXT_FIELDS:
        return _clean_text(value, name, errors)
    if name == "answer":
        if isinstance(value, Mapping):
            variants = {}
            for key, text in value.items():
                key = _clean_text(key, name, errors)
                text = _clean_text(text, name, errors)
                if key is not None and text is not None:
                    variants[key] = text
            return variants if len(errors.get(name, [])) == count else None
        return _clean_text(value, name, errors)
    if name in _LIST_FIELDS:
        if not isinstance(value, (list, tuple)):
            errors.setdefault(name, []).append("must be a list of text items")
            return None
        items = [_clean_text(item, name, errors) for item in value]
        if len(errors.get(name, [])) > count:
            return None
        return items or (None if name == "follow_ups" else [])
    if name == "facts":
        if not isinstance(value, (list, tuple)):
            errors.setdefault(name, []).append("must be a list of facts, each a claim and source")
            return None
        facts = []
        for entry in value:
            if not isinstance(entry, Mapping):
                errors.setdefault(name, []).append("each fact must have 'claim' and 'source'")
                continue
            fact = {}
            # Known keys in the file's order; unknown ones kept, for the validator to name.
            keys = [k for k in loader.FACT_FIELDS if k in entry]
            keys += [k for k in entry if k not in loader.FACT_FIELDS]
            for key in keys:
                if _clean_text(key, name, errors) is None:
                    continue
                if key == "pump_type" and entry[key] in (None, ""):
                    continue
                text = _clean_text(entry[key], name, errors)
                if text is not None:
                    fact[key] = text
            facts.append(fact)
        return facts if len(errors.get(name, [])) == count else None
    if name == "reviewed_on":
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
                    return dt.date.fromisoformat(value.strip())
        errors.setdefault(name, []).append("must be a date written YYYY-MM-DD")
        return None
    errors.setdefault(name, []).append("is not a field the editor can change")
    return None


def _clean(fields: Any) -> dict[str, Any]:
    """The given fields, cleaned; Invalid for any of a wrong type, too long, or
    unknown. None means: take the field out of the file."""
    if not isinstance(fields, Mapping):
        raise Invalid({"file": ["the fields must be a mapping of field name to value"]})
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            errors.setdefault(str(name), []).append("is not a field the editor can change")
            continue
        cleaned[name] = None if value is None else _clean_field(name, value, errors)
    if errors:
        raise Invalid(errors)
    return cleaned


def _check_author(author: Any) -> None:
    if not isinstance(author, Author) or not author.valid():
        raise Invalid({"author": ["needs a name and an email address, each on one line"]})


# --- writing YAML ----------------------------------------------------------------


def _styled(name: str, value: Any, indent: int = 2) -> Any:
    """A field's value in the shipped files' style: an answer as a block (folded
    near 72 columns, `indent` spaces in), sources and follow_ups on one line."""
    if name == "answer" and isinstance(value, str):
        return round_trip.folded(value, indent)
    if name == "answer" and isinstance(value, dict):
        return {
            k: round_trip.folded(v, indent + 2) if isinstance(v, str) else v
            for k, v in value.items()
        }
    if name in ("sources", "follow_ups") and isinstance(value, list):
        return round_trip.flow(value)
    if name == "translations" and isinstance(value, dict):
        # Each language's answer as a block, like the English one.
        return {
            language: {k: _styled(k, v, indent + 4) for k, v in entry.items()}
            if isinstance(entry, dict)
            else entry
            for language, entry in value.items()
        }
    return value


def _compose(original: str | None, before: dict, after: dict) -> str:
    """The file's new text: the keys unchanged since `before` keep their lines
    and comments, changed ones are written afresh, in the shipped files' key
    order. Written whole if the edited file would not read back as `after`."""
    for text in (_edited(original, before, after), _fresh(after, styled=True)):
        if text is not None and _reads_as(text, after):
            return text
    text = _fresh(after, styled=False)
    if not _reads_as(text, after):
        raise Invalid({"file": ["cannot be written so that it reads back the same"]})
    return text


def _edited(original: str | None, before: dict, after: dict) -> str | None:
    try:
        document = round_trip.load(original) if original is not None else None
    except round_trip.YAMLError:
        return None
    if not isinstance(document, round_trip.CommentedMap):
        return None
    for gone in [k for k in document if k not in after]:
        del document[gone]
    kept = [k for k in before if k in after]
    if kept == [k for k in KEY_ORDER if k in kept]:
        order = [k for k in KEY_ORDER if k in after]
        order += [k for k in after if k not in order]
    else:
        order = kept + [k for k in after if k not in kept]
    for at, key in enumerate(order):
        if key not in document:
            document.insert(at, key, _styled(key, after[key]))
        elif before.get(key) != after[key]:
            round_trip.assign(document, key, _styled(key, after[key]))
    return round_trip.dump(document)


def _fresh(data: dict, styled: bool) -> str:
    ordered = {k: data[k] for k in KEY_ORDER if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    if styled:
        ordered = {k: _styled(k, v) for k, v in ordered.items()}
    return round_trip.dump(ordered)


def _reads_as(text: str, data: dict) -> bool:
    try:
        return yaml.safe_load(text) == data
    except yaml.YAMLError:
        return False


# --- locking, writing, checking ----------------------------------------------------


def _describe(problem: Problem, own: bool) -> str:
    head = _FIELD_HEAD.match(problem.field)
    plain = problem.field == "(file)" or (head and head.group(0) == problem.field)
    where = "" if own and plain else f"{problem.field}: "
    if not own:
        topic = f" (topic {problem.topic})" if problem.topic else ""
        where = f"{problem.file}{topic} {where}"
    return f"{where}{problem.message}"


def _key_of(problem: Problem, own: bool, changed: set[str]) -> str:
    head = _FIELD_HEAD.match(problem.field)
    name = head.group(0) if head else ""
    if own and name in (*EDITABLE_FIELDS, "id"):
        return name
    if not own and name in changed:
        return name  # e.g. an example that another topic already has
    return "file"


_known_lock = threading.Lock()
_known: dict[Path, tuple[tuple, frozenset[str]]] = {}


def _signature(root: Path) -> tuple:
    return (
        dt.date.today(),  # reviews age, and dates come to pass
        *(
            (str(p), p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size)
            for p in sorted(root.rglob("*.yml"))
        ),
    )


def _known_problems(root: Path) -> frozenset[str]:
    """The problems content/ has now, as text; remembered until a file changes
    (each file's inode, time and size, as bot/content/store.py notices edits)."""
    signature = _signature(root)
    with _known_lock:
        cached = _known.get(root.resolve())
    if cached and cached[0] == signature:
        return cached[1]
    problems = frozenset(str(p) for p in loader.load(root).problems)
    _remember(root, signature, problems)
    return problems


def _remember(root: Path, signature: tuple, problems: frozenset[str]) -> None:
    with _known_lock:
        _known[root.resolve()] = (signature, problems)


@dataclass
class _Checked:
    errors: dict[str, list[str]]
    warnings: list[str]
    content: loader.Content


def check(
    content_dir: Path | str,
    changes: Mapping[str, str | None],
    own: str | None = None,
    changed: set[str] | frozenset[str] = frozenset(),
) -> _Checked:
    """Run the validator on a temporary copy of content/ with `changes` applied
    (path relative to content/ -> new text, or None to remove the file). Errors:
    those the copy has and content/ has not. `own`: the edited file's path
    relative to content/, whose problems are named by field."""
    root = Path(content_dir)
    known = _known_problems(root)
    own_rel = f"content/{own}" if own else None
    with tempfile.TemporaryDirectory(prefix="haip-content-") as temp:
        copy = Path(temp) / "content"
        shutil.copytree(root, copy, ignore=shutil.ignore_patterns(".*"))
        for rel, text in changes.items():
            target = copy / rel
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        after = loader.load(copy)
    errors: dict[str, list[str]] = {}
    warnings: list[str] = []
    for problem in after.problems:
        is_own = problem.file == own_rel
        new = str(problem) not in known
        if problem.level == ERROR and new:
            key = _key_of(problem, is_own, set(changed))
            errors.setdefault(key, []).append(_describe(problem, is_own))
        elif problem.level == WARNING and (is_own or new):
            warnings.append(_describe(problem, is_own))
    return _Checked(errors, warnings, after)


def _new_data(current: dict, cleaned: dict) -> dict:
    data = dict(current)
    for name, value in cleaned.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def _changed(before: dict, after: dict) -> list[str]:
    return [name for name in EDITABLE_FIELDS if before.get(name) != after.get(name)]


# --- the API ----------------------------------------------------------------------------


def preview(content_dir: Path | str, topic_id: str, fields: Mapping[str, Any]) -> Preview:
    """The chat message a patient would get for this topic with these (unsaved)
    fields applied to its file, made by the assistant's own functions
    (answers.answer) on a temporary copy: nothing in content_dir changes.
    Invalid exactly when save_topic would refuse these fields."""
    root = Path(content_dir)
    cleaned = _clean(fields)
    path = _topic_path(root, topic_id)
    _, text, current = _read(path)
    data = _new_data(current, cleaned)
    own = path.relative_to(root).as_posix()
    checked = check(root, {own: _compose(text, current, data)}, own, set(cleaned))
    topic_key = data.get("id") if isinstance(data.get("id"), str) else topic_id
    topic = checked.content.topics.get(topic_key)
    if checked.errors or topic is None:
        errors = checked.errors or {
            "file": [
                _describe(p, True) for p in checked.content.errors if p.file == f"content/{own}"
            ]
            or ["the topic cannot be shown"]
        }
        raise Invalid(errors, checked.warnings)
    content = checked.content
    reply = answers.answer(content, topic)
    grade = content.reading_grades()[topic.id]
    return Preview(
        text=reply.text,
        buttons=list(reply.buttons),
        sources_line=answers.sources_line(content, topic),
        grade=grade,
        warnings=checked.warnings,
    )


def save_topic(
    content_dir: Path | str,
    topic_id: str,
    fields: Mapping[str, Any],
    base_version: str,
    author: Author,
    history: ContentHistory | None = None,
) -> Saved:
    """Save the given fields of the topic (the others keep their value).

    Raises Invalid (nothing written) for bad input or if the edit brings new
    validator errors, Conflict (nothing written) if the file is no longer
    `base_version`. With `history`, the file is committed with `author` and the
    message "<topic_id>: <changed fields>" (changes made to the file outside the
    editor are committed first, under the history's own name). A save that
    changes nothing writes nothing and returns changed_fields []."""
    root = Path(content_dir)
    cleaned = _clean(fields)
    if history is not None:
        _check_author(author)
    with locked(root):
        path = _topic_path(root, topic_id)
        raw, text, current = _read(path)
        data = _new_data(current, cleaned)
        changed = _changed(current, data)
        version = version_of(raw)
        if not changed:
            checked = check(root, {}, path.relative_to(root).as_posix())
            return Saved(version=version, commit=None, warnings=checked.warnings)
        mine = _compose(text, current, data)
        if base_version != version:
            raise Conflict(theirs=text, mine=mine, version=version)
        own = path.relative_to(root).as_posix()
        checked = check(root, {own: mine}, own, set(changed))
        if checked.errors:
            raise Invalid(checked.errors, checked.warnings)
        commit = write_and_commit(
            checked,
            root,
            {path: mine},
            author,
            history,
            f"{topic_id}: {', '.join(changed)}",
        )
        return Saved(
            version=version_of(mine.encode("utf-8")),
            commit=commit,
            warnings=checked.warnings,
            changed_fields=changed,
        )


def save_keys(
    content_dir: Path | str,
    topic_id: str,
    values: Mapping[str, Any],
    base_version: str,
    author: Author,
    history: ContentHistory | None,
    message: str,
) -> Saved:
    """Replace top-level keys of the topic's file that the topic form does not
    edit (`translations`, a sign-off's), with a topic edit's guarantees:
    Conflict if the file is no longer base_version, Invalid if the validator
    finds new errors, the other keys' lines (and comments) kept, committed with
    `message`."""
    root = Path(content_dir)
    if edited := [key for key in values if key in KEY_ORDER]:
        raise Invalid({key: ["is edited with the topic's own fields"] for key in edited})
    if history is not None:
        _check_author(author)
    with locked(root):
        path = _topic_path(root, topic_id)
        raw, text, current = _read(path)
        version = version_of(raw)
        data = {**current, **values}
        if data == current:
            return Saved(version=version, commit=None, warnings=[])
        mine = _compose(text, current, data)
        if base_version != version:
            raise Conflict(theirs=text, mine=mine, version=version)
        own = path.relative_to(root).as_posix()
        checked = check(root, {own: mine}, own, set(values))
        if checked.errors:
            raise Invalid(checked.errors, checked.warnings)
        commit = write_and_commit(checked, root, {path: mine}, author, history, message)
        return Saved(
            version=version_of(mine.encode("utf-8")),
            commit=commit,
            warnings=checked.warnings,
            changed_fields=list(values),
        )


def new_topic(
    content_dir: Path | str,
    fields: Mapping[str, Any],
    author: Author,
    history: ContentHistory | None = None,
) -> Saved:
    """Create content/topics/<id>.yml from `fields`, which include "id" and every
    field the validator requires (title, answer, facts, examples, sources,
    reviewed_on, reviewed_by; follow_ups optional). Invalid if the id is taken,
    malformed, or the topic would not be valid. Commit message "<id>: new topic"."""
    root = Path(content_dir)
    if not isinstance(fields, Mapping):
        raise Invalid({"file": ["the fields must be a mapping of field name to value"]})
    topic_id = _check_id(fields.get("id"))
    cleaned = _clean({k: v for k, v in fields.items() if k != "id"})
    if history is not None:
        _check_author(author)
    data = {"id": topic_id, **{k: v for k, v in cleaned.items() if v is not None}}
    with locked(root):
        path = _topics_dir(root) / f"{topic_id}.yml"
        if path.exists():
            raise Invalid({"id": [f"'{topic_id}' is already a topic"]})
        text = _compose(None, {}, data)
        own = path.relative_to(root).as_posix()
        checked = check(root, {own: text}, own, set(cleaned))
        if checked.errors:
            raise Invalid(checked.errors, checked.warnings)
        commit = write_and_commit(
            checked, root, {path: text}, author, history, f"{topic_id}: new topic"
        )
        return Saved(
            version=version_of(text.encode("utf-8")),
            commit=commit,
            warnings=checked.warnings,
            changed_fields=[name for name in EDITABLE_FIELDS if name in data],
        )


def retire_topic(
    content_dir: Path | str,
    topic_id: str,
    author: Author,
    history: ContentHistory | None = None,
    base_version: str | None = None,
) -> Saved:
    """Move the topic's file to content/retired/ (replacing an older retired copy
    of the same name), where the assistant does not read it. Invalid if there is
    no such topic or anything still names it (another topic's follow_ups, a red
    flag's topics, a message's buttons): the messages say where. With
    base_version, Conflict if the file changed since. Returns the retired file's
    version; commit message "<id>: retired"."""
    root = Path(content_dir)
    if history is not None:
        _check_author(author)
    with locked(root):
        path = _topic_path(root, topic_id)
        raw, text, _ = _read(path)
        version = version_of(raw)
        if base_version is not None and base_version != version:
            raise Conflict(theirs=text, mine="", version=version)
        own = path.relative_to(root).as_posix()
        target = root / RETIRED_DIR / path.name
        checked = check(root, {own: None}, None)
        if checked.errors:
            raise Invalid(checked.errors, checked.warnings)
        commit = write_and_commit(
            checked, root, {target: text, path: None}, author, history, f"{topic_id}: retired"
        )
        return Saved(version=version, commit=commit, warnings=[], changed_fields=[])


def write_and_commit(
    checked: _Checked,
    root: Path,
    changes: Mapping[Path, str | None],
    author: Author,
    history: ContentHistory | None,
    message: str,
) -> str | None:
    """Write (or remove) the files, then commit them. Called with the folder
    locked. The history is made ready before anything is written, so a broken
    history fails the save before a file changes."""
    paths = list(changes)
    if history is not None:
        history.ensure()
        history.commit(paths, history.system_author, "Changed outside the editor")
    for path, text in changes.items():
        if text is None:
            path.unlink()
            sync_dir(path.parent)
        else:
            write_atomic(path, text)
    # Checked on a copy with just these changes: content/ has those problems now.
    _remember(root, _signature(root), frozenset(str(p) for p in checked.content.problems))
    if history is None:
        return None
    return history.commit(paths, author, message)


def revert(
    content_dir: Path | str, history: ContentHistory, sha: str, path: Path | str, author: Author
) -> str | None:
    """Restore the file as it was at commit `sha`, and commit that ("Revert
    <topic> to <short sha>") by `author`. The old text is checked with the
    validator first, as a save is: Invalid if it would bring errors now (a
    source since removed, say), and then nothing changes. None if the file
    already is as it was then."""
    root = Path(content_dir)
    old, rel, message = history.restore_plan(sha, path)
    with locked(root):
        history.ensure()
        history.commit([rel], history.system_author, "Changed outside the editor")
        target = root / rel
        if target.exists() and target.read_bytes() == old.encode("utf-8"):
            return None
        checked = check(root, {rel: old}, rel)
        if checked.errors:
            raise Invalid(checked.errors, checked.warnings)
        write_atomic(target, old)
        return history.commit([rel], author, message)
