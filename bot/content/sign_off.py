"""A clinician's sign-off of a topic (content/topics/<id>.yml):

    signed_by: Dr. Ana Ruiz, medical oncologist
    signed_on: 2026-12-05
    signed_version: 3f9a1c2b7d4e   # the title and answer that were signed

The version is the one a translation names (translations.english_version): a
change to the title or any pump type's answer voids the sign-off, and it
expires `sign_off_days` (clinic.yml) after it was given. With
`serve_only_signed: true` in clinic.yml, patients get only signed answers;
the others are "being reviewed, please call us" (bot/content/answers.py).

Each red-flag symptom, each red-flag level's urgent message and each message of
messages.yml carries the same three fields (bot/content/red_flags.py,
messages.py say what their version covers). `serve_only_signed` never withholds
those: urgent guidance, the welcome or the handoff held back for want of a
signature would itself be the danger, so staff are told instead.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from bot.content.problems import ERROR, Problem

FIELDS = ("signed_by", "signed_on", "signed_version")
SIGNED, UNSIGNED, CHANGED, EXPIRED = "signed", "unsigned", "changed since signing", "expired"


@dataclass(frozen=True)
class SignOff:
    by: str
    on: dt.date
    version: str


class Signable(Protocol):
    """A topic, a red-flag symptom or level, or a message."""

    @property
    def sign_off(self) -> SignOff | None: ...

    @property
    def version(self) -> str: ...


def parse(
    data: Mapping[str, Any], today: dt.date, problem: Callable[[str, str, str], None]
) -> SignOff | None:
    """The topic's sign-off, or None; all three fields or none."""
    given = [key for key in FIELDS if data.get(key) not in (None, "")]
    if not given:
        return None
    for key in FIELDS:
        if key not in given:
            problem(ERROR, key, "is missing: a sign-off names who, when and which version")
    by, on, version = (data.get(key) for key in FIELDS)
    if "signed_by" in given and (not isinstance(by, str) or not by.strip()):
        problem(ERROR, "signed_by", "must be the clinician's name and role")
    if "signed_on" in given:
        if not isinstance(on, dt.date) or isinstance(on, dt.datetime):
            problem(ERROR, "signed_on", f"must be a date written YYYY-MM-DD, not {on!r}")
        elif on > today:
            problem(ERROR, "signed_on", f"{on} is in the future")
    if len(given) < len(FIELDS) or not isinstance(on, dt.date) or on > today:
        return None
    return SignOff(" ".join(str(by).split()), on, str(version))


def problems_at(
    problems: list[Problem], rel: str, where: str, topic: str | None = None
) -> Callable[[str, str, str], None]:
    """`parse`'s problem callback for an entry of a shared file: each field is
    named from the file's top, e.g. content/messages.yml messages.welcome.signed_on."""

    def problem(level: str, field: str, message: str) -> None:
        problems.append(Problem(level, rel, f"{where}.{field}", message, topic=topic))

    return problem


# A sign-off this close to its end is listed for a clinician before it lapses.
EXPIRING_DAYS = 30


def expires_on(sign_off: SignOff, max_days: int) -> dt.date:
    """The last day the sign-off holds."""
    return sign_off.on + dt.timedelta(days=max_days)


def expiring(sign_off: SignOff | None, today: dt.date, max_days: int) -> bool:
    """Still holding, but for EXPIRING_DAYS or fewer: the text is served as
    signed until then, and listed for a clinician to sign again."""
    if sign_off is None:
        return False
    left = (expires_on(sign_off, max_days) - today).days
    return 0 <= left <= EXPIRING_DAYS


def state(sign_off: SignOff | None, version: str, today: dt.date, max_days: int) -> str:
    """signed, unsigned, changed since signing or expired."""
    if sign_off is None:
        return UNSIGNED
    if sign_off.version != version:
        return CHANGED
    if (today - sign_off.on).days > max_days:
        return EXPIRED
    return SIGNED
