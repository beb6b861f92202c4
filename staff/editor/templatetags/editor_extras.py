import re

from django import template

register = template.Library()

# Messages that read on from the field's name: "Title must be non-empty text."
_READS_ON = re.compile(r"(is|are|must|uses|reads|needs|cannot)\b")


@register.filter
def get_item(mapping, key):
    """A field's errors, by field name."""
    return (mapping or {}).get(key) or []


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
