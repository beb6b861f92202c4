"""Adding a patient's question to a topic's example questions, from the staff
workspace. The file is edited as text, so its comments and layout stay as the
editor left them; the result must load without new errors, or nothing changes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bot.content import loader
from bot.content.files import locked, write_atomic
from bot.nlu.plain_text import normalise

MAX_LENGTH = 300
_EXAMPLES = re.compile(r"^examples:\s*$")
_ITEM = re.compile(r"^\s+- ")


class ExampleError(ValueError):
    pass


def _quoted(text: str) -> str:
    dumped = yaml.safe_dump(text, default_flow_style=True, width=10**6, allow_unicode=True)
    return dumped.removesuffix("\n...\n").strip()


def _insert(lines: list[str], item: str, rel: str) -> list[str]:
    start = next((i for i, line in enumerate(lines) if _EXAMPLES.match(line)), None)
    if start is None:
        raise ExampleError(f"{rel}: no block-style 'examples:' list to add to")
    end = start + 1
    while end < len(lines) and (_ITEM.match(lines[end]) or not lines[end].strip()):
        end += 1
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    indent = re.match(r"^(\s+)- ", lines[start + 1]).group(1) if end > start + 1 else "  "
    return [*lines[:end], f"{indent}- {item}\n", *lines[end:]]


def add(content_dir: Path | str, topic_id: str, question: str) -> Path:
    """Append the question to the topic's examples; the file changed.
    ExampleError says why not (unknown topic, already there, invalid result)."""
    root = Path(content_dir)
    text = " ".join(normalise(question).split())
    if not text:
        raise ExampleError("The question is empty.")
    if len(text) > MAX_LENGTH:
        raise ExampleError(f"The question is longer than {MAX_LENGTH} characters.")
    before = loader.load(root)
    topic = before.topics.get(topic_id)
    if topic is None:
        raise ExampleError(f"There is no topic {topic_id!r}.")
    rel = topic.file
    path = root / rel.removeprefix("content/")
    # Two staff saving at once: one waits, neither loses the other's line.
    with locked(root):
        original = path.read_text(encoding="utf-8")
        current = yaml.safe_load(original) or {}
        if text.casefold() in {str(e).casefold() for e in current.get("examples") or []}:
            raise ExampleError(f"{rel} already has this question.")
        lines = original.splitlines(keepends=True)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        write_atomic(path, "".join(_insert(lines, _quoted(text), rel)))
        after = loader.load(root)
        new_errors = {str(p) for p in after.errors} - {str(p) for p in before.errors}
        if new_errors:
            write_atomic(path, original)
            raise ExampleError("Not added: " + "; ".join(sorted(new_errors)))
    return path
