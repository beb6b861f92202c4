from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """A field's errors, by field name."""
    return (mapping or {}).get(key) or []
