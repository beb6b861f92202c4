from django import template

from staff.review import conversations

register = template.Library()


@register.filter
def preview(text: str) -> str:
    """A message's first line, cut: how the inbox lists it."""
    return conversations.preview(text or "")
