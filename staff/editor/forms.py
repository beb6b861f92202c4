"""Between the editor's HTML form and the fields of bot/content/editing.py: lists
as one item per line, facts as "claim | source | pump type" lines."""

from __future__ import annotations

import datetime as dt
from typing import Any

FACT_SEPARATOR = " | "


def _lines(raw: str) -> list[str]:
    return [line.strip() for line in (raw or "").splitlines() if line.strip()]


def to_form(fields: dict[str, Any]) -> dict[str, Any]:
    """What the form shows for a topic's fields."""
    shown = dict(fields)
    shown["examples"] = "\n".join(str(e) for e in fields.get("examples") or [])
    shown["facts"] = "\n".join(
        FACT_SEPARATOR.join(
            part
            for part in (
                str(f.get("claim", "")),
                str(f.get("source", "")),
                str(f.get("pump_type") or ""),
            )
            if part
        )  # fmt: skip
        for f in fields.get("facts") or []
    )
    answer = fields.get("answer")
    shown["answer_variants"] = dict(answer) if isinstance(answer, dict) else {}
    shown["answer"] = answer if isinstance(answer, str) else ""
    reviewed = fields.get("reviewed_on")
    shown["reviewed_on"] = reviewed.isoformat() if isinstance(reviewed, dt.date) else reviewed
    return shown


def from_form(post, current: dict[str, Any]) -> dict[str, Any]:
    """The fields an edit would save, from the POSTed form."""
    fields = dict(current)
    fields["title"] = (post.get("title") or "").strip()
    variants = {
        key.removeprefix("answer__"): value.strip()
        for key, value in post.items()
        if key.startswith("answer__")
    }
    fields["answer"] = variants if variants else (post.get("answer") or "").strip()
    fields["examples"] = _lines(post.get("examples"))
    facts = []
    for line in _lines(post.get("facts")):
        parts = [p.strip() for p in line.split("|")]
        fact = {"claim": parts[0], "source": parts[1] if len(parts) > 1 else ""}
        if len(parts) > 2 and parts[2]:
            fact["pump_type"] = parts[2]
        facts.append(fact)
    fields["facts"] = facts
    for name in ("follow_ups", "sources"):
        chosen = list(dict.fromkeys(post.getlist(name)))
        old = list(current.get(name) or [])
        # The topic's order is kept (an untouched list is not a change); newly
        # ticked ones follow, in page order.
        fields[name] = [k for k in old if k in chosen] + [k for k in chosen if k not in old]
        if not chosen and current.get(name) is None:
            fields[name] = None
    fields["reviewed_by"] = (post.get("reviewed_by") or "").strip()
    raw_date = (post.get("reviewed_on") or "").strip()
    try:
        fields["reviewed_on"] = dt.date.fromisoformat(raw_date)
    except ValueError:
        fields["reviewed_on"] = raw_date  # the validator names the problem beside the field
    return fields
