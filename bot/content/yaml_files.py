"""Reading one content file, with any failure turned into a Problem that names
the file (and the line, for broken YAML), so staff know what to fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.content.problems import ERROR, Problem

# libyaml's parser (PyYAML's C extension) reads the content about four times
# faster than the pure-Python one, with the same safe constructor; the
# validator runs on every save in the staff editor.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, rel: str, problems: list[Problem]) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problems.append(
            Problem(
                ERROR,
                rel,
                "(file)",
                f"is not valid YAML{where}: {getattr(exc, 'problem', None) or exc}",
            )
        )
    except (OSError, UnicodeDecodeError) as exc:
        problems.append(Problem(ERROR, rel, "(file)", f"cannot be read: {exc}"))
    return None


def read_mapping(
    path: Path,
    rel: str,
    problems: list[Problem],
    not_a_mapping: str = "must be a mapping of field: value",
) -> dict | None:
    """A content file that must exist and hold a mapping; None (with the
    problem recorded) if it is missing, unreadable or of another shape."""
    if not path.exists():
        problems.append(Problem(ERROR, rel, "(file)", "is missing"))
        return None
    data = read_yaml(path, rel, problems)
    if data is not None and not isinstance(data, dict):
        problems.append(Problem(ERROR, rel, "(file)", not_a_mapping))
        return None
    return data
