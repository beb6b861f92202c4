"""Every relative link in README.md and docs/ points at a file that exists, and
every #anchor at a heading of that file: pages move, and a link that points
nowhere sends a reader nowhere."""

import re
from pathlib import Path

import pytest

from bot import paths

PAGES = sorted([paths.ROOT / "README.md", *(paths.ROOT / "docs").rglob("*.md")])
# [text](target) and ![alt](target); src="..." of an <img>.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)|<img [^>]*src=\"([^\"]+)\"")
HEADING = re.compile(r"^#{1,6} +(.+?) *#* *$")
FENCE = re.compile(r"^ *(```|~~~)")
INLINE_CODE = re.compile(r"`[^`]*`")


def prose(text: str) -> list[str]:
    """The page's lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces as '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.replace("`", "").lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    for line in prose(page.read_text(encoding="utf-8")):
        if heading := HEADING.match(line):
            base = slug(heading.group(1))
            name, n = base, 0
            while name in found:
                n += 1
                name = f"{base}-{n}"
            found.add(name)
    return found


def links(page: Path) -> list[str]:
    targets = []
    for line in prose(page.read_text(encoding="utf-8")):
        for match in LINK.finditer(INLINE_CODE.sub("", line)):
            targets.append(match.group(1) or match.group(2))
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t)]


def test_the_pages_are_found():
    names = {p.relative_to(paths.ROOT).as_posix() for p in PAGES}
    assert {"README.md", "docs/README.md", "docs/settings.md"} <= names


def test_slugs_follow_githubs_rules():
    assert slug("Behind the clinic's HTTPS") == "behind-the-clinics-https"
    assert slug("`make run`") == "make-run"
    assert slug("Spanish: the safety floor") == "spanish-the-safety-floor"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(paths.ROOT).as_posix())
def test_every_relative_link_points_at_a_file_and_heading_that_exist(page):
    broken = []
    for target in links(page):
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        if not file.exists():
            broken.append(target)
        elif anchor and (file.is_dir() or file.suffix != ".md" or anchor not in anchors(file)):
            broken.append(target)
    assert broken == []
