"""A topic's follow-up buttons and sources, chosen by name (staff/editor/forms.py
TopicForm): a tick box for each, labelled with the topic's title or the source's
name, title and web site; the chosen ones first, in the order the topic lists them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from bot.content.loader import Source

# Long enough to tell two pages of one publisher apart.
TITLE_LIMIT = 110


def source_label(source: Source) -> str:
    """ "Penn Medicine: What to expect with an HAI pump (pennmedicine.org; key P1)".
    The key is what a fact's line names."""
    title = " ".join(source.citation.split())
    if source.name and not title.startswith(source.name):
        title = f"{source.name}: {title}"
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1].rstrip() + "…"
    host = (urlsplit(source.url).hostname or "").removeprefix("www.")
    return f"{title} ({host}; key {source.key})" if host else f"{title} (key {source.key})"


def chosen_first(
    options: Iterable[tuple[str, str]], chosen: Sequence[str]
) -> list[tuple[str, str]]:
    """The chosen in their own order, then the rest by label. A chosen key that
    is no longer an option keeps a box, so that saving never drops it unseen."""
    labels = dict(options)
    rest = sorted((k for k in labels if k not in chosen), key=lambda k: labels[k].casefold())
    return [(k, labels.get(k, k)) for k in dict.fromkeys(chosen)] + [(k, labels[k]) for k in rest]
