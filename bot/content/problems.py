"""One validation finding, precise enough for a clinic's staff to fix it."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"
WARNING = "warning"


@dataclass(frozen=True)
class Problem:
    level: str
    file: str
    field: str
    message: str
    topic: str | None = None

    def __str__(self) -> str:
        where = self.file
        if self.topic:
            where += f" [topic {self.topic}]"
        return f"{self.level.upper()}: {where} field '{self.field}': {self.message}"


class ContentError(Exception):
    """Raised when content cannot be used; carries every error found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
