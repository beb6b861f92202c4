"""Every staff page on the clinic's clock: the patient was told "6 pm", so the
Reminders page says 18:00, not the server's UTC. The zone is the clinic's
(`timezone` in content/clinic.yml); Django shows every stored time (kept in
UTC) in it and counts days by it. Each page names the zone."""

from __future__ import annotations

import zoneinfo

from django.utils import timezone

from bot.content.loader import ContentError
from staff.editor import common

UTC = "UTC"


def zone_name() -> str:
    """The clinic's IANA zone; UTC when the content cannot be read (the
    validator names the problem) or sets none."""
    try:
        name = common.content().clinic.get("timezone") or UTC
        zoneinfo.ZoneInfo(name)
    except (ContentError, zoneinfo.ZoneInfoNotFoundError, ValueError):
        return UTC
    return name


class ClinicTimeZoneMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        with timezone.override(zoneinfo.ZoneInfo(zone_name())):
            return self.get_response(request)


def context(request) -> dict:
    """What every template may ask: the zone its times are in."""
    return {"time_zone": timezone.get_current_timezone_name()}
