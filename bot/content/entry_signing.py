"""A clinician signs one entry of a shared file from the staff workspace: a
red-flag symptom or level (red_flags.yml) or a message (messages.yml). The
sign-off's three fields (bot/content/sign_off.py) are written as the entry's
last keys by ruamel.yaml's round trip (bot/content/round_trip.py), the rest of
the file's lines and comments as they were, checked to read back as intended
and by the validator, and committed to the content's history.

`base_version` is the entry's own version as the clinician's page showed it,
not the file's: two clinicians signing two messages of the same file at once
do not conflict, but a change to the text they read does."""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.content import loader, messages, red_flags, round_trip, sign_off, sign_off_items
from bot.content.editing import (
    Conflict,
    Invalid,
    Saved,
    check,
    locked,
    version_of,
    write_and_commit,
)
from bot.content.history import Author, ContentHistory


@dataclass(frozen=True)
class Place:
    """Where an entry is: its file, the top-level key holding it, and its key
    in that mapping or, for a list, its index."""

    file: str
    top: str
    key: str | int


def _signed(content: loader.Content, kind: str, key: str) -> sign_off.Signable | None:
    flags = content.red_flags
    if kind == sign_off_items.RED_FLAG:
        return flags.symptom(key) if flags else None
    if kind == sign_off_items.URGENT:
        return flags.levels.get(key) if flags else None
    if kind == sign_off_items.MESSAGE:
        return content.messages.get(key)
    return None


def entry(content: loader.Content, kind: str, key: str) -> sign_off.Signable:
    """The symptom, level or message; Invalid if there is none (or its entry
    has errors, so cannot be signed)."""
    found = _signed(content, kind, key)
    if found is None:
        raise Invalid({"key": [f"there is no {kind} '{key}' to sign"]})
    return found


def _place(data: dict, kind: str, key: str) -> Place:
    if kind == sign_off_items.MESSAGE:
        return Place(messages.FILE, "messages", key)
    if kind == sign_off_items.URGENT:
        return Place(red_flags.FILE, "levels", key)
    symptoms = data.get("symptoms") or []
    index = next(i for i, s in enumerate(symptoms) if isinstance(s, dict) and s.get("id") == key)
    return Place(red_flags.FILE, "symptoms", index)


def _with_fields(text: str, place: Place, fields: dict) -> str | None:
    """The file's text with `fields` as the entry's last keys (replacing any
    it has); None if that cannot be made to the file's own lines."""
    try:
        document = round_trip.load(text)
        target = document[place.top][place.key]
    except (round_trip.YAMLError, LookupError, TypeError):
        return None
    before = round_trip.dump(document)
    round_trip.set_last(target, fields)
    return round_trip.patched(text, before, round_trip.dump(document))


def _expected(data: dict, place: Place, fields: dict) -> dict:
    expected = copy.deepcopy(data)
    target = expected[place.top][place.key]
    target.update(fields)
    return expected


def sign(
    content_dir: Path | str,
    kind: str,
    key: str,
    clinician: str,
    base_version: str,
    author: Author,
    history: ContentHistory | None,
    today: dt.date | None = None,
) -> Saved:
    """Sign the entry as it is now. Conflict if its text is no longer the
    version the clinician's page showed (base_version): they sign what they read."""
    name = " ".join(str(clinician or "").split())
    if not name:
        raise Invalid({"signed_by": ["needs the clinician's name"]})
    today = today or dt.date.today()
    root = Path(content_dir)
    with locked(root):
        signed = entry(loader.load(root, today), kind, key)
        fields = {"signed_by": name, "signed_on": today, "signed_version": signed.version}
        path = root / (messages.FILE if kind == sign_off_items.MESSAGE else red_flags.FILE)
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        data = yaml.safe_load(text)
        place = _place(data, kind, key)
        mine = _with_fields(text, place, fields)
        if mine is None or yaml.safe_load(mine) != _expected(data, place, fields):
            raise Invalid({"file": ["cannot be written so that it reads back the same"]})
        if base_version != signed.version:
            raise Conflict(theirs=text, mine=mine, version=signed.version)
        checked = check(root, {place.file: mine}, place.file, set(sign_off.FIELDS))
        if checked.errors:
            raise Invalid(checked.errors, checked.warnings)
        message = f"{place.file}: {kind} {key} signed by {name}"
        commit = write_and_commit(checked, root, {path: mine}, author, history, message)
        return Saved(version_of(mine.encode("utf-8")), commit, checked.warnings, list(fields))
