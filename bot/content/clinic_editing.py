"""Editing the clinic's details (clinic.yml) and the sources list (sources.yml)
from the staff workspace, with the same guarantees as a topic's editor
(bot/content/editing.py): validated on a copy first, errors by field, a
conflict instead of an overwrite, written whole, committed with the author."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.content import loader, round_trip
from bot.content.editing import (
    MAX_FIELD_CHARS,
    Conflict,
    Invalid,
    Saved,
    check,
    locked,
    version_of,
    write_and_commit,
)
from bot.content.history import Author, ContentHistory

# One line each: the clinic's words in other languages (a mapping) are edited in the file.
CLINIC_KEYS = tuple(
    key
    for key, kind in {**loader.CLINIC_FIELDS, **loader.CLINIC_OPTIONAL, "pump_type": str}.items()
    if kind is not dict
)
SOURCE_PARTS = ("name", "citation", "url")
_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")


def _by_field(checked, rel: str) -> dict[str, list[str]]:
    """The editor's checker names a topic's fields; here each new error in this
    file goes under its own field (a clinic key, or a source's key)."""
    new = {m for ms in checked.errors.values() for m in ms}
    by_field: dict[str, list[str]] = {}
    for problem in checked.content.errors:
        if problem.file != f"content/{rel}":
            continue
        if any(problem.message in m for m in new):
            by_field.setdefault(problem.field, []).append(problem.message)
    # Whatever could not be placed (e.g. a topic that cites a removed source).
    placed = {m for ms in by_field.values() for m in ms}
    rest = [m for m in new if not any(p in m for p in placed)]
    if rest:
        by_field.setdefault("file", []).extend(rest)
    return by_field


@dataclass
class Values:
    values: dict
    version: str


def _rewritten(text: str, values: Mapping, only: bool = False) -> str:
    """The file's text with these top-level keys set (and, with `only`, no
    others, in this order); every line and comment an edit leaves alone stays."""
    try:
        document = round_trip.load(text)
    except round_trip.YAMLError as exc:
        raise Invalid({"file": [f"cannot be edited here ({exc}); fix it by hand"]}) from None
    expected = {**(yaml.safe_load(text) or {}), **values}
    if only:
        expected = dict(values)
        for gone in [k for k in document if k not in values]:
            del document[gone]
    for key, value in values.items():
        round_trip.assign(document, key, value)
        if only:
            document.move_to_end(key)
    mine = round_trip.dump(document)
    if yaml.safe_load(mine) != expected:
        raise Invalid({"file": ["cannot be written so that it reads back the same"]})
    return mine


def load_clinic(content_dir: Path | str) -> Values:
    raw = (Path(content_dir) / loader.CLINIC_FILE).read_bytes()
    data = yaml.safe_load(raw) or {}
    return Values({k: data[k] for k in CLINIC_KEYS if k in data}, version_of(raw))


def _typed(key: str, text: str):
    """Whole-number settings are written as numbers and yes/no settings as true
    or false, as the validator expects."""
    text = text.strip()
    if key in loader.CLINIC_NUMBERS and re.fullmatch(r"\d{1,6}", text):
        return int(text)
    if loader.CLINIC_OPTIONAL.get(key) is bool and text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def save_clinic(
    content_dir: Path | str,
    typed: Mapping[str, str],
    base_version: str,
    author: Author,
    history: ContentHistory | None = None,
) -> Saved:
    """Change the given keys of clinic.yml; its other lines and its comments stay."""
    root = Path(content_dir)
    errors = {k: ["is not a clinic setting"] for k in typed if k not in CLINIC_KEYS}
    errors |= {k: ["is too long"] for k, v in typed.items() if len(str(v)) > MAX_FIELD_CHARS}
    errors |= {k: ["must be one line"] for k, v in typed.items() if "\n" in str(v)}
    if errors:
        raise Invalid(errors)
    with locked(root):
        path = root / loader.CLINIC_FILE
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        current = yaml.safe_load(text) or {}
        changed = [k for k in CLINIC_KEYS if k in typed and _typed(k, typed[k]) != current.get(k)]
        if not changed:
            return Saved(version=version_of(raw), commit=None, warnings=[])
        values = {key: _typed(key, typed[key]) for key in changed}
        mine = _rewritten(text, values)
        if base_version != version_of(raw):
            raise Conflict(theirs=text, mine=mine, version=version_of(raw))
        checked = check(root, {loader.CLINIC_FILE: mine}, loader.CLINIC_FILE, set(changed))
        if checked.errors:
            raise Invalid(_by_field(checked, loader.CLINIC_FILE), checked.warnings)
        commit = write_and_commit(
            checked, root, {path: mine}, author, history, f"clinic.yml: {', '.join(changed)}"
        )
        return Saved(version_of(mine.encode()), commit, checked.warnings, changed)


def load_sources(content_dir: Path | str) -> Values:
    raw = (Path(content_dir) / loader.SOURCES_FILE).read_bytes()
    data = yaml.safe_load(raw) or {}
    rows = [{"key": k, **{p: str((v or {}).get(p, "")) for p in SOURCE_PARTS}}
            for k, v in data.items()]  # fmt: skip
    return Values({"rows": rows}, version_of(raw))


def save_sources(
    content_dir: Path | str,
    rows: list[Mapping[str, str]],
    base_version: str,
    author: Author,
    history: ContentHistory | None = None,
) -> Saved:
    """Replace the list: rows in order; a row with an empty key is dropped (the
    validator refuses it if a topic still cites that source)."""
    root = Path(content_dir)
    errors: dict[str, list[str]] = {}
    entries: dict[str, dict[str, str]] = {}
    for row in rows:
        key = str(row.get("key") or "").strip()
        if not key:
            continue
        if not _KEY.match(key):
            errors.setdefault(key[:40] or "key", []).append(
                "a key is a letter, then letters, digits, - or _ (at most 40)"
            )
        elif key in entries:
            errors.setdefault(key, []).append("is listed twice")
        parts = {p: " ".join(str(row.get(p) or "").split()) for p in SOURCE_PARTS}
        if any(len(v) > MAX_FIELD_CHARS for v in parts.values()):
            errors.setdefault(key, []).append("is too long")
        entries[key] = parts
    if errors:
        raise Invalid(errors)
    with locked(root):
        path = root / loader.SOURCES_FILE
        raw = path.read_bytes()
        text = raw.decode("utf-8")
        current = yaml.safe_load(text) or {}
        if entries == current:
            return Saved(version=version_of(raw), commit=None, warnings=[])
        mine = _rewritten(text, entries, only=True)
        if base_version != version_of(raw):
            raise Conflict(theirs=text, mine=mine, version=version_of(raw))
        changed = sorted(set(entries) ^ set(current) | {
            k for k in entries if k in current and entries[k] != current[k]})  # fmt: skip
        checked = check(root, {loader.SOURCES_FILE: mine}, loader.SOURCES_FILE, set(changed))
        if checked.errors:
            raise Invalid(_by_field(checked, loader.SOURCES_FILE), checked.warnings)
        message = f"sources.yml: {', '.join(changed[:8])}" + (" ..." if len(changed) > 8 else "")
        commit = write_and_commit(checked, root, {path: mine}, author, history, message)
        return Saved(version_of(mine.encode()), commit, checked.warnings, changed)
