"""Why an edit of the content was not saved: shared by the editor
(bot/content/editing.py) and the content's history (bot/content/history.py)."""

from __future__ import annotations

from collections.abc import Mapping


class Invalid(Exception):
    """The edit cannot be saved. `errors`: field name -> messages ("file": the
    whole file, or another file the edit would break; "id": the topic id;
    "author": the account). `warnings`: what would also have been said."""

    def __init__(self, errors: Mapping[str, list[str]], warnings: list[str] | None = None):
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in errors.items()}
        self.warnings: list[str] = list(warnings or [])
        super().__init__(
            "; ".join(f"{name}: {msg}" for name, msgs in self.errors.items() for msg in msgs)
        )


class Conflict(Exception):
    """The file changed since the editor opened it. `theirs`: its text now;
    `mine`: the text this save would have written (the given fields applied to
    `theirs`). Nothing was written."""

    def __init__(self, theirs: str, mine: str, version: str):
        self.theirs = theirs
        self.mine = mine
        # The version `theirs` is: a save based on it goes through.
        self.version = version
        super().__init__("The topic was changed by someone else since it was opened.")
