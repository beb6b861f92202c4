"""Template filters for the sign-in pages."""

from __future__ import annotations

from datetime import timedelta

from django import template

register = template.Library()


@register.filter
def minutes(duration: timedelta | None) -> int:
    """Whole minutes of a duration (the lock-out's cool-off), rounded up."""
    if not duration:
        return 0
    return -(-int(duration.total_seconds()) // 60)
