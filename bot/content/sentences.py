"""An answer's sentences, and the answer led by the one that answers the question.

A sentence ends at . ! or ? followed by a space and a capital, digit, quote or
bracket. A short rule is enough for our own curated plain-language answers
(tests/test_sentences.py splits every answer in content/ and checks the pieces);
a general sentence splitter would bring a language model along for nothing.
"""

from __future__ import annotations

import re
from collections.abc import Collection

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"(])")
# A sentence that leans on the one before it cannot open an answer.
_LEANS_BACK = re.compile(
    r"^(?:it|its|this|that|these|those|they|them|their|he|she|then|also|but|and|so|"
    r"there|here|both|such|the same|otherwise|instead)\b",
    re.IGNORECASE,
)


def sentences(text: str) -> list[str]:
    """The text's sentences, whitespace collapsed, in order."""
    flat = " ".join(text.split())
    return [s for s in _SENTENCE_END.split(flat) if s]


def can_lead(sentence: str) -> bool:
    return not _LEANS_BACK.match(sentence.strip())


def lead_with(answer_text: str, sentence: str) -> str:
    """The answer with `sentence` moved to the front as its own paragraph; the
    answer unchanged if the sentence is first already, is no longer in it (an
    edit since the model was trained) or leans on the sentence before it. Only
    the answer's own sentences, each once: nothing added, nothing dropped."""
    wanted = " ".join(sentence.split())
    if not can_lead(wanted):
        return answer_text
    paragraphs = [p for p in re.split(r"\n\s*\n", answer_text.strip()) if p.strip()]
    for number, paragraph in enumerate(paragraphs):
        parts = sentences(paragraph)
        if wanted not in parts:
            continue
        if number == 0 and parts[0] == wanted:
            return answer_text
        paragraphs[number] = " ".join(s for s in parts if s != wanted)
        return "\n\n".join([wanted, *(p for p in paragraphs if p.strip())])
    return answer_text


def without(answer_text: str, said: Collection[str]) -> str:
    """The answer less the sentences already said (a correction before it that
    repeats one of them); unchanged if it has none of them."""
    said = {" ".join(s.split()) for s in said}
    paragraphs = [p for p in re.split(r"\n\s*\n", answer_text.strip()) if p.strip()]
    if not any(part in said for p in paragraphs for part in sentences(p)):
        return answer_text
    kept = [" ".join(part for part in sentences(p) if part not in said) for p in paragraphs]
    return "\n\n".join(p for p in kept if p)
