"""Understand the dates patients type: "Dec 3", "12/3", "December 3rd",
"next Tuesday", "in 2 weeks", "tomorrow", "2026-12-03".

Deterministic on purpose: the patient's reminder depends on it, and every
accepted form is listed in tests/test_dates.py. A date without a year means its
next occurrence, unless it fell within the last RECENT_DAYS (a last-refill date):
"Dec 3" on Dec 5 is two days ago, "Sep 8" on Nov 21 is next September. Callers
decide whether a past date is acceptable; a date more than a year ahead is
refused here (DateTooFarAhead), so absurd inputs ("in 99999999 weeks",
"12/3/9999") never reach date arithmetic that would overflow.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re

from bot.nlu.plain_text import fold_accents, normalise

MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
MONTHS |= {"sept": 9}
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
WEEKDAYS |= {name.lower(): i for i, name in enumerate(calendar.day_abbr)}
WEEKDAYS |= {"tues": 1, "thur": 3, "thurs": 3, "weds": 2}
NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
UNIT_DAYS = {"day": 1, "days": 1, "week": 7, "weeks": 7}
RECENT_DAYS = 60

_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_MONTH = r"([a-z]+)\.?"
_YEAR = r"(?:,?\s+(\d{4}))?"


class DateNotUnderstood(ValueError):
    pass


class DateTooFarAhead(DateNotUnderstood):
    """A date more than a year after today: no refill is booked that far ahead,
    so it is a typo or nonsense. A subclass, so that a caller that only knows
    DateNotUnderstood still asks again instead of crashing."""


def one_year_after(today: dt.date) -> dt.date:
    """The last date parse accepts: the same day next year (Feb 29: Feb 28)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def _make(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        name = calendar.month_name[month] if 1 <= month <= 12 else f"month {month}"
        raise DateNotUnderstood(f"{name} {day} is not a real date") from None


def _nearest(month: int, day: int, today: dt.date) -> dt.date:
    """The first occurrence of month/day from RECENT_DAYS ago on (a leap day: the
    first real one)."""
    earliest = today - dt.timedelta(days=RECENT_DAYS)
    for year in range(today.year - 1, today.year + 5):
        try:
            candidate = dt.date(year, month, day)
        except ValueError:
            continue
        if candidate >= earliest:
            return candidate
    raise DateNotUnderstood(f"{calendar.month_name[month]} {day} is not a real date")


def _month_number(word: str) -> int | None:
    return MONTHS.get(word.lower().rstrip("."))


def _full_year(year: int) -> int:
    return year + 2000 if year < 100 else year


def _days_ahead(today: dt.date, count: int) -> dt.date:
    # Compared as whole numbers first: timedelta overflows on huge counts.
    if count > (one_year_after(today) - today).days:
        raise DateTooFarAhead(f"{count} days from now is more than a year away")
    return today + dt.timedelta(days=count)


# Spanish, read by putting the date it holds in the English words above
# ("el próximo viernes" -> "next friday", "3 de marzo de 2027" -> "3 march 2027").
SPANISH_MONTHS = dict(
    zip(
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
        "diciembre".split(),
        (name.lower() for name in calendar.month_name[1:]),
        strict=True,
    )
)
SPANISH_MONTHS |= {"setiembre": "september", "ene": "jan", "abr": "apr", "ago": "aug", "dic": "dec"}
SPANISH_WEEKDAYS = dict(
    zip(
        "lunes martes miercoles jueves viernes sabado domingo".split(),
        (name.lower() for name in calendar.day_name),
        strict=True,
    )
)
SPANISH_NUMBERS = {
    "un": 1, "una": 1, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
    "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "once": 11, "doce": 12,
}  # fmt: skip
_ES_MONTH = "|".join(sorted(SPANISH_MONTHS, key=len, reverse=True))
_ES_WEEKDAY = "|".join(SPANISH_WEEKDAYS)


def from_spanish(text: str) -> str | None:
    """The first date a Spanish message holds, in the English words `parse` reads;
    None if it holds none."""
    t = " ".join(fold_accents(normalise(text).lower()).replace(",", " ").split())
    # The most explicit first: "el 3 de marzo en la mañana" is March 3, not tomorrow.
    if m := re.search(
        r"\b(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}(?:[/.-](?:\d{4}|\d{2}))?)\b", t
    ):
        return m[1]
    if m := re.search(rf"\b(\d{{1,2}})\s+de\s+({_ES_MONTH})\b(?:\s+(?:de|del)\s+(\d{{4}}))?", t):
        english = f"{int(m[1])} {SPANISH_MONTHS[m[2]]}"
        return f"{english} {m[3]}" if m[3] else english
    if m := re.search(r"\b(?:en|dentro de)\s+(\d+|[a-z]+)\s+(dias?|semanas?)\b", t):
        count = m[1] if m[1].isdigit() else SPANISH_NUMBERS.get(m[1])
        if count is not None:
            unit = "days" if m[2].startswith("dia") else "weeks"
            return f"in {count} {unit}"
    if m := re.search(rf"\b({_ES_WEEKDAY})\b", t):
        return f"next {SPANISH_WEEKDAYS[m[1]]}"
    if re.search(r"\b(?:la )?(?:proxima semana|semana que viene)\b", t):
        return "next week"
    if re.search(r"\bpasado manana\b", t):
        return "day after tomorrow"
    for spanish, english in (("hoy", "today"), ("manana", "tomorrow"), ("ayer", "yesterday")):
        if re.search(rf"\b{spanish}\b", t):
            return english
    return None


def parse(text: str, today: dt.date) -> dt.date:
    """The date the text means, at most a year from today. DateNotUnderstood
    (DateTooFarAhead for a later date) otherwise; never another exception.
    English first, then the date a Spanish message holds."""
    try:
        try:
            day = _read(text, today)
        except DateNotUnderstood:
            spanish = from_spanish(text)
            if spanish is None:
                raise
            day = _read(spanish, today)
    except DateNotUnderstood:
        raise
    except (OverflowError, ValueError):
        # A safety net for numbers no branch expected: int() refuses more than
        # 4,300 digits, and a date past year 9999 overflows.
        raise DateNotUnderstood("the numbers in the message are not a date") from None
    if day > one_year_after(today):
        raise DateTooFarAhead(f"{describe(day)} is more than a year away")
    return day


def _read(text: str, today: dt.date) -> dt.date:
    t = " ".join(re.sub(r"[^\w/\-.,' ]", " ", normalise(text).lower()).split())
    t = re.sub(r"^(on|it's|its|it is|the|my refill is|refill is|at)\s+", "", t)
    t = re.sub(r"\s+(please|thanks|thank you)$", "", t)
    if not t:
        raise DateNotUnderstood("there is no date in the message")

    simple = {
        "today": 0,
        "tomorrow": 1,
        "tmrw": 1,
        "tmr": 1,
        "day after tomorrow": 2,
        "the day after tomorrow": 2,
        "yesterday": -1,
    }
    if t in simple:
        return today + dt.timedelta(days=simple[t])

    if m := re.fullmatch(r"in\s+(\d+|[a-z]+)\s+(days?|weeks?)", t):
        count = int(m[1]) if m[1].isdigit() else NUMBER_WORDS.get(m[1])
        if count is None:
            raise DateNotUnderstood(f"'{m[1]}' is not a number I know")
        return _days_ahead(today, count * UNIT_DAYS[m[2]])
    if t in ("next week", "in a week"):
        return today + dt.timedelta(days=7)

    if m := re.fullmatch(r"(?:(next|this|coming|this coming)\s+)?([a-z]+)", t):
        if (weekday := WEEKDAYS.get(m[2])) is not None:
            ahead = (weekday - today.weekday()) % 7 or 7
            return today + dt.timedelta(days=ahead)

    if m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", t):
        return _make(int(m[1]), int(m[2]), int(m[3]))

    # US style: month/day[/year]
    if m := re.fullmatch(r"(\d{1,2})[/\-.](\d{1,2})(?:[/\-.](\d{2}|\d{4}))?", t):
        month, day = int(m[1]), int(m[2])
        if not 1 <= month <= 12:
            raise DateNotUnderstood(f"{m[1]} is not a month (I read dates as month/day)")
        if m[3]:
            return _make(_full_year(int(m[3])), month, day)
        return _nearest(month, day, today)

    # "December 3rd", "Dec. 3, 2026"
    if m := re.fullmatch(_MONTH + r"\s+" + _ORDINAL + _YEAR, t):
        if (month := _month_number(m[1])) is not None:
            return _make(int(m[3]), month, int(m[2])) if m[3] else _nearest(month, int(m[2]), today)
    # "3 Dec", "3rd of December 2026"
    if m := re.fullmatch(_ORDINAL + r"\s+(?:of\s+)?" + _MONTH + _YEAR, t):
        if (month := _month_number(m[2])) is not None:
            return _make(int(m[3]), month, int(m[1])) if m[3] else _nearest(month, int(m[1]), today)
    # "the 3rd": that day of this or next month, whichever comes first
    if m := re.fullmatch(r"(\d{1,2})(?:st|nd|rd|th)", t):
        day = int(m[1])
        for offset in range(0, 3):
            month = (today.month - 1 + offset) % 12 + 1
            year = today.year + (today.month - 1 + offset) // 12
            if day <= calendar.monthrange(year, month)[1] and dt.date(year, month, day) >= today:
                return dt.date(year, month, day)
        raise DateNotUnderstood(f"the {t} is not a day of the month")
    raise DateNotUnderstood(f"I could not read '{text.strip()[:40]}' as a date")


def every(start: dt.date, interval_days: int, count: int) -> list[dt.date]:
    """start and the following refill dates, interval_days apart."""
    return [start + dt.timedelta(days=interval_days * i) for i in range(count)]


def reminder_time(refill: dt.date, hour: int, tz: str, days_before: int = 1) -> dt.datetime:
    """When to remind, as an aware UTC time: `days_before` the refill at `hour`
    o'clock on the clinic's wall clock (daylight saving handled by zoneinfo)."""
    from zoneinfo import ZoneInfo

    local = dt.datetime.combine(
        refill - dt.timedelta(days=days_before), dt.time(hour), tzinfo=ZoneInfo(tz)
    )
    return local.astimezone(dt.timezone.utc)


def describe_time(moment: dt.datetime, tz: str, language: str = "en") -> str:
    """ "Wednesday, December 2, 2026 at 6 pm" on the clinic's clock ("miércoles 2
    de diciembre de 2026 a las 6 pm" in Spanish)."""
    from zoneinfo import ZoneInfo

    local = moment.astimezone(ZoneInfo(tz))
    hour = local.hour % 12 or 12
    minutes = f":{local.minute:02d}" if local.minute else ""
    at = "a las" if language == "es" else "at"
    clock = f"{hour}{minutes} {'am' if local.hour < 12 else 'pm'}"
    if language == "es" and hour == 1:
        at = "a la"
    return f"{describe(local.date(), language)} {at} {clock}"


_ES_DAY_NAMES = "lunes martes miércoles jueves viernes sábado domingo".split()
_ES_MONTH_NAMES = (
    "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre "
    "diciembre".split()
)


def describe(day: dt.date, language: str = "en") -> str:
    """Plain and unambiguous: "Thursday, December 3, 2026" ("jueves 3 de diciembre
    de 2026" in Spanish; names written here, not by the machine's locale)."""
    if language == "es":
        name, month = _ES_DAY_NAMES[day.weekday()], _ES_MONTH_NAMES[day.month - 1]
        return f"{name} {day.day} de {month} de {day.year}"
    return f"{day:%A}, {day:%B} {day.day}, {day.year}"


def short(day: dt.date, language: str = "en") -> str:
    """ "Dec 17" ("17 dic" in Spanish), for a list of dates."""
    if language == "es":
        return f"{day.day} {_ES_MONTH_NAMES[day.month - 1][:3]}"
    return f"{day:%b} {day.day}"
