"""Rewriting a content file so that what an edit leaves alone keeps its lines
and comments: ruamel.yaml's round trip, set up to write as the shipped files
are written and to read plain words as the assistant's loader (PyYAML, which
follows YAML 1.1) reads them.

    load(text) -> the document (mappings and lists that remember their comments)
    dump(document) -> text
    patched(text, before, after)   the edit between two dumps made to the file's own lines
    assign(mapping, key, value)    mapping[key] = value, keeping what is unchanged
    set_last(mapping, values)      values as the mapping's last keys
    folded(text, indent)           an answer's text as a folded block
    flow(items)                    a list written on one line, "[JH, P1]"
"""

from __future__ import annotations

import difflib
import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import FoldedScalarString, LiteralScalarString
from ruamel.yaml.tokens import CommentToken

__all__ = [
    "CommentedMap",
    "YAMLError",
    "assign",
    "dump",
    "flow",
    "folded",
    "load",
    "patched",
    "set_last",
]

# New answers are folded near this column, as the shipped files are.
ANSWER_WIDTH = 72


class _Yaml11(VersionedResolver):
    """YAML 1.1's reading: "yes", "on" and "21:00" are not text to PyYAML,
    so they are written quoted."""

    def __init__(self, version=None, loader=None, loadumper=None):
        super().__init__((1, 1), loader, loadumper)


def _yaml() -> YAML:
    # A new one each time: a YAML object keeps its parser's state between calls.
    yaml = YAML()
    yaml.Resolver = _Yaml11
    yaml.preserve_quotes = True
    # A line is as long as its text: only answers are folded, where they were.
    yaml.width = 10**6
    yaml.indent(mapping=2, sequence=4, offset=2)
    return yaml


def load(text: str) -> Any:
    return _yaml().load(text)


def dump(document: Any) -> str:
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def patched(text: str, before: str, after: str) -> str | None:
    """`text` with the change from `before` to `after` (its document dumped
    before and after an edit) made to its own lines, so that a line the dump
    writes otherwise (a long list the file wraps, which ruamel writes on one
    line) stays as the file has it; None if the change falls on such a line.
    New lines end as the file's lines end ("\r\n" or "\n")."""
    ours = text.splitlines(keepends=True)
    end = "\r\n" if ours and ours[0].endswith("\r\n") else "\n"
    if ours and not ours[-1].endswith("\n"):
        ours[-1] += end
    mine, old, new = (t.splitlines() for t in (text, before, after))
    shared = {  # a line of `before` -> the same line of the file
        block.b + n: block.a + n
        for block in difflib.SequenceMatcher(None, mine, old, autojunk=False).get_matching_blocks()
        for n in range(block.size)
    }
    out, done = [], 0
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        if i1 < i2 and all(i in shared for i in range(i1, i2)):
            start, stop = shared[i1], shared[i2 - 1] + 1
            if stop - start != i2 - i1:
                return None
        elif i1 == i2 and (i1 - 1 in shared or i1 in shared):
            start = stop = shared[i1 - 1] + 1 if i1 - 1 in shared else shared[i1]
        else:
            return None
        if start < done:
            return None
        out += ours[done:start] + [line + end for line in new[j1:j2]]
        done = stop
    return "".join(out + ours[done:])


def folded(text: str, indent: int) -> FoldedScalarString | LiteralScalarString:
    """A text with line breaks as typed ("|-"); one paragraph folded (">-") at
    the first space past ANSWER_WIDTH columns, written `indent` spaces in."""
    if "\n" in text:
        return LiteralScalarString(text)
    block = FoldedScalarString(text)
    folds, column = [], indent
    for at, char in enumerate(text):
        alone = 0 < at < len(text) - 1 and text[at - 1] != " " != text[at + 1]
        if char == " " and alone and column > ANSWER_WIDTH:
            folds.append(at)
            column = indent
        else:
            column += 1
    block.fold_pos = folds
    return block


def flow(items: list) -> CommentedSeq:
    seq = CommentedSeq(items)
    seq.fa.set_flow_style()
    return seq


def assign(mapping: CommentedMap, key: Any, value: Any) -> None:
    """mapping[key] = value, keeping what is unchanged: an equal value keeps its
    lines, a mapping is changed key by key (its comments stay), and a block
    that is replaced passes on the comment lines that followed it."""
    old = mapping.get(key)
    if key in mapping and old == value:
        return
    if isinstance(old, CommentedMap) and isinstance(value, dict):
        for gone in [k for k in old if k not in value]:
            del old[gone]
        for k, v in value.items():
            assign(old, k, v)
        return
    if isinstance(value, dict) and not isinstance(value, CommentedMap):
        value = CommentedMap(value)
    elif isinstance(value, list) and not isinstance(value, CommentedSeq):
        value = CommentedSeq(value)
    _pass_on_comment(old, value)
    mapping[key] = value


def _pass_on_comment(old: Any, new: Any) -> None:
    # ruamel keeps the comment lines after a block on its deepest last entry.
    before, after = _tail(old, convert=False), _tail(new, convert=True)
    if before and after:
        container, key = before
        comment = container.ca.items.pop(key, None)
        if comment:
            new_container, new_key = after
            new_container.ca.items[new_key] = _moved(comment, container, new_container)


def _moved(comment: list, old: Any, new: Any) -> list:
    # A mapping keeps a comment after a value in place 2, a list in place 0.
    text = comment[2] if isinstance(old, CommentedMap) else comment[0]
    return [None, None, text, None] if isinstance(new, CommentedMap) else [text, None, None, None]


def _tail(node: Any, convert: bool, blocks: bool = False) -> tuple[Any, Any] | None:
    """The innermost mapping or list holding the last entry, and that entry's
    key; with `convert`, plain dicts and lists on the way become ruamel's; with
    `blocks`, not inside one written in brackets ("[a, b]"), whose comments
    ruamel keeps on the entry holding it."""
    found = None
    while isinstance(node, (CommentedMap, CommentedSeq)) and node:
        if blocks and node.fa.flow_style():
            break
        key = next(reversed(node)) if isinstance(node, CommentedMap) else len(node) - 1
        found = (node, key)
        child = node[key]
        if convert and isinstance(child, dict) and not isinstance(child, CommentedMap):
            child = node[key] = CommentedMap(child)
        elif convert and isinstance(child, list) and not isinstance(child, CommentedSeq):
            child = node[key] = CommentedSeq(child)
        node = child
    return found


def set_last(mapping: CommentedMap, values: dict) -> None:
    """`values` as the mapping's last keys (replacing any it has), written
    before the comment lines that followed the mapping's block."""
    before = _tail(mapping, convert=False, blocks=True)
    lines = _lines_after(*before) if before else None
    for key in values:
        mapping.pop(key, None)
    mapping.update(values)
    if lines:
        container, key = _tail(mapping, convert=True, blocks=True)
        at = 2 if isinstance(container, CommentedMap) else 0
        container.ca.items.setdefault(key, [None] * 4)[at] = lines


def _lines_after(container: Any, key: Any) -> CommentToken | None:
    """Takes the whole-line comments after an entry's value, leaving a comment
    on the value's own line where it is."""
    at = 2 if isinstance(container, CommentedMap) else 0
    held = container.ca.items.get(key)
    token = held[at] if held else None
    if token is None:
        return None
    text = token.value
    if isinstance(container[key], (FoldedScalarString, LiteralScalarString)):
        # A block's text ends its last line: the token starts on a line of its own.
        text, token.value = "\n" + " " * token.column + text, ""
    elif not text.startswith("\n"):
        own, _, text = text.partition("\n")
        token.value, text = own + "\n", "\n" + text if text else ""
    else:
        token.value = ""
    if not token.value:
        held[at] = None
    return CommentToken(text, CommentMark(0)) if text else None
