import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

# Messages that read on from the field's name: "Title must be non-empty text."
_READS_ON = re.compile(r"(is|are|must|uses|reads|needs|cannot)\b")


@register.filter
def described(field):
    """A bound field's input; with errors, pointing screen readers at the
    message beside it (id "<field>-error")."""
    attrs = {"aria-describedby": f"{field.auto_id}-error"} if field.errors else {}
    return field.as_widget(attrs=attrs)


@register.filter
def one_sentence(problems, label) -> str:
    """A field's problems as one plain sentence that names the field: "Answer
    must be non-empty text, or one text per pump type." The bare "is missing"
    goes when another message says more."""
    messages = [" ".join(str(m).split()) for m in problems or [] if str(m).strip()]
    if len(messages) > 1 and "is missing" in messages:
        messages.remove("is missing")
    if not messages:
        return ""
    name = str(label).split(" (")[0]
    text = "; ".join(m.rstrip(".") for m in messages)
    joiner = " " if _READS_ON.match(text) else ": "
    return f"{name}{joiner}{text}."


_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://[^\s)]+)\)")


@register.filter
def chat_text(text) -> str:
    """A reply as the chat shows it: paragraphs, line breaks and [words](link)
    links; everything else escaped."""
    paragraphs = []
    for paragraph in str(text or "").split("\n\n"):
        lines = []
        for line in paragraph.split("\n"):
            parts, last = [], 0
            for match in _LINK.finditer(line):
                parts.append(escape(line[last : match.start()]))
                parts.append(
                    format_html('<a href="{}" rel="noopener noreferrer">{}</a>', match[2], match[1])
                )
                last = match.end()
            parts.append(escape(line[last:]))
            lines.append("".join(parts))
        paragraphs.append(f"<p>{'<br>'.join(lines)}</p>")
    return mark_safe("".join(paragraphs))
