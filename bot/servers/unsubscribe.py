"""The page behind the link in every reminder e-mail: it stops that address's
reminder e-mails.

Opening the link only shows a button: mail programs and virus scanners open
links to look at them, and that must not unsubscribe anyone. Pressing the
button, or a mail program's one-click unsubscribe (RFC 8058: a POST with
List-Unsubscribe=One-Click), stops them. The token in the link is the only key.

The page is in the language of the e-mail that carried the link (`lang` in
the link, for a language the assistant speaks; English otherwise)."""

from __future__ import annotations

import datetime as dt
import html
from urllib.parse import urlencode

from bot.content import languages, placeholders
from bot.content.loader import Content
from bot.reminders import contacts
from bot.reminders.store import ReminderStore

PAGE = """<!doctype html>
<html lang="{language}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title><link rel="stylesheet" href="/demo.css"></head>
<body><main><h1>{title}</h1>{body}</main></body></html>
"""


def language_of(asked: str) -> str:
    return asked if asked in languages.SPOKEN else languages.ENGLISH


def _text(content: Content, key: str, language: str, **values: str) -> str:
    text = content.messages[key].text_in(language)
    # The clinic's values first: what the patient typed is never read for placeholders.
    return html.escape(placeholders.fill(content.render(text, language), values))


def _page(language: str, title: str, body: str) -> str:
    return PAGE.format(language=language, title=title, body=body)


def _unknown(content: Content, language: str, title: str) -> tuple[int, str]:
    body = f"<p>{_text(content, 'contact_nothing_to_stop', language)}</p>"
    return 404, _page(language, title, body)


def page(
    content: Content, token: str, store: ReminderStore, language: str = "en"
) -> tuple[int, str]:
    """What opening the link shows: the clinic, the address (partly hidden) and
    the button; that it is already stopped; or that the link is not known."""
    language = language_of(language)
    title = _text(content, "email_unsubscribe_link", language)
    contact = contacts.by_token(store, token)
    if contact is None:
        return _unknown(content, language, title)
    address = contact.masked
    if contact.stopped_at is not None:
        body = f"<p>{_text(content, 'email_already_unsubscribed', language, contact=address)}</p>"
        return 200, _page(language, title, body)
    action = html.escape(f"/unsubscribe?{urlencode({'t': token, 'lang': language})}", quote=True)
    ask = _text(content, "email_unsubscribe_ask", language, contact=address)
    form = (
        f'<p>{ask}</p><form method="post" action="{action}">'
        f'<button type="submit">{title}</button></form>'
    )
    return 200, _page(language, title, form)


def stop(
    content: Content, token: str, store: ReminderStore, language: str = "en"
) -> tuple[int, str]:
    """The button pressed (or one-click): stopped, and the page says so. A second
    press says it was already stopped."""
    language = language_of(language)
    title = _text(content, "email_unsubscribe_link", language)
    contact = contacts.by_token(store, token)
    if contact is None:
        return _unknown(content, language, title)
    address = contact.masked
    if contact.stopped_at is not None:
        body = f"<p>{_text(content, 'email_already_unsubscribed', language, contact=address)}</p>"
        return 200, _page(language, title, body)
    contacts.stop(store, token=token, now=dt.datetime.now(dt.timezone.utc))
    body = f"<p>{_text(content, 'email_unsubscribed', language, contact=address)}</p>"
    return 200, _page(language, title, body)
