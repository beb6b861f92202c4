"""Fill clinic values such as {phone_24h} into content text."""

from __future__ import annotations

import re
from collections.abc import Mapping

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def names_in(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def unresolved(text: str, values: Mapping[str, object]) -> set[str]:
    return {name for name in names_in(text) if name not in values}


def fill(text: str, values: Mapping[str, object]) -> str:
    """Replace known placeholders; unknown ones stay visible rather than vanish."""
    return PLACEHOLDER.sub(
        lambda m: str(values[m.group(1)]) if m.group(1) in values else m.group(0), text
    )
