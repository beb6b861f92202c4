"""The page behind the link in every reminder e-mail: it stops that address's
reminder e-mails.

Opening the link only shows a button: mail programs and virus scanners open
links to look at them, and that must not unsubscribe anyone. Pressing the
button, or a mail program's one-click unsubscribe (RFC 8058: a POST with
List-Unsubscribe=One-Click), stops them. The token in the link is the only key."""

from __future__ import annotations

import datetime as dt
import html

from bot.content import placeholders
from bot.content.loader import Content
from bot.reminders import contacts
from bot.reminders.store import ReminderStore

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/demo.css"></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""


def _text(content: Content, key: str) -> str:
    return html.escape(placeholders.fill(content.messages[key].text, content.clinic))


def page(content: Content, token: str, store: ReminderStore) -> tuple[int, str]:
    """What opening the link shows: the button, or that the link is not known."""
    title = _text(content, "email_unsubscribe_link")
    if contacts.by_token(store, token) is None:
        return 404, PAGE.format(
            title=title, body=f"<p>{_text(content, 'contact_nothing_to_stop')}</p>"
        )
    form = (
        f'<form method="post" action="/unsubscribe?t={html.escape(token, quote=True)}">'
        f'<button type="submit">{title}</button></form>'
    )
    return 200, PAGE.format(title=title, body=form)


def stop(content: Content, token: str, store: ReminderStore) -> tuple[int, str]:
    """The button pressed (or one-click): stopped, and the page says so. A second
    press says the same: the address is stopped either way."""
    title = _text(content, "email_unsubscribe_link")
    if contacts.by_token(store, token) is None:
        return 404, PAGE.format(
            title=title, body=f"<p>{_text(content, 'contact_nothing_to_stop')}</p>"
        )
    contacts.stop(store, token=token, now=dt.datetime.now(dt.timezone.utc))
    return 200, PAGE.format(title=title, body=f"<p>{_text(content, 'email_unsubscribed')}</p>")
