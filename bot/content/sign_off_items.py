"""Everything a clinician signs, by kind: each topic's answer, each red-flag
symptom, each red-flag level's urgent message and each message of
messages.yml, with where its sign-off stands (bot/content/sign_off.py). What
`python -m bot validate`, the staff overview and Answers to sign count."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from bot.content import sign_off
from bot.content.loader import Content

ANSWER, RED_FLAG, URGENT, MESSAGE = "answer", "red-flag", "urgent", "message"
# The kind's name in "0 of 58 answers".
PLURALS = {
    ANSWER: "answers",
    RED_FLAG: "red flags",
    URGENT: "urgent messages",
    MESSAGE: "messages",
}
# A level's urgent message, as staff know it.
LEVEL_TITLES = {
    "emergency": "Call 911 (emergency symptoms)",
    "call_now": "Call the 24-hour line now",
    "unspecified": "May need care right away (no symptom named)",
}
# Those that need a clinician first.
ORDER = {sign_off.CHANGED: 0, sign_off.EXPIRED: 1, sign_off.UNSIGNED: 2, sign_off.SIGNED: 3}


@dataclass(frozen=True)
class Item:
    kind: str
    key: str
    title: str
    signed: sign_off.Signable
    state: str
    # Since when it has waited for a clinician: its last sign-off, or its
    # file's last review.
    since: dt.date | None

    @property
    def sign_off(self) -> sign_off.SignOff | None:
        return self.signed.sign_off


def _date(value) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def items(content: Content, kind: str, today: dt.date) -> list[Item]:
    """One kind's items, those needing a clinician first, the longest waiting
    first (a red flag or message never signed has no date of its own)."""
    found: list[tuple[str, str, sign_off.Signable, dt.date | None]] = []
    if kind == ANSWER:
        found = [(t.id, t.title, t, _date(t.reviewed_on)) for t in content.topics.values()]
    elif kind == RED_FLAG and content.red_flags:
        found = [(s.id, s.name, s, None) for s in content.red_flags.symptoms]
    elif kind == URGENT and content.red_flags:
        found = [(k, LEVEL_TITLES.get(k, k), v, None)
                 for k, v in content.red_flags.levels.items()]  # fmt: skip
    elif kind == MESSAGE:
        found = [(k, k.replace("_", " "), m, None) for k, m in content.messages.items()]
    rows = [
        Item(
            kind,
            key,
            title,
            signed,
            content.sign_off_state(signed, today),
            signed.sign_off.on if signed.sign_off else since,
        )
        for key, title, signed, since in found
    ]
    rows.sort(key=lambda r: (ORDER[r.state], r.since or dt.date.min, r.title))
    return rows


def summary(content: Content, today: dt.date | None = None) -> str:
    """'0 of 58 answers (0%), 0 of 12 red flags (0%), ...', each with how many
    changed since signing or expired."""
    today = today or dt.date.today()
    parts = []
    for kind, plural in PLURALS.items():
        states = Counter(item.state for item in items(content, kind, today))
        total = sum(states.values())
        signed = states[sign_off.SIGNED]
        share = f"{100 * signed / total:.0f}%" if total else "0%"
        lapsed = ", ".join(
            f"{states[s]} {s}" for s in (sign_off.CHANGED, sign_off.EXPIRED) if states[s]
        )
        parts.append(f"{signed} of {total} {plural} ({share}{'; ' + lapsed if lapsed else ''})")
    return ", ".join(parts)


def counts(content: Content, today: dt.date) -> list[dict]:
    """For the overview: each kind's label, signed count and total."""
    rows = []
    for kind, plural in PLURALS.items():
        states = [item.state for item in items(content, kind, today)]
        rows.append(
            {
                "kind": kind,
                "label": plural[0].upper() + plural[1:],
                "count": states.count(sign_off.SIGNED),
                "total": len(states),
            }
        )
    return rows
