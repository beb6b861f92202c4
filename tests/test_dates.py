import datetime as dt

import pytest

from bot import dates

# A Saturday, in the clinic's time zone.
TODAY = dt.date(2026, 11, 21)
D = dt.date


@pytest.mark.parametrize(
    "text, expected",
    [
        ("today", TODAY),
        ("tomorrow", D(2026, 11, 22)),
        ("Tomorrow please", D(2026, 11, 22)),
        ("tmrw", D(2026, 11, 22)),
        ("the day after tomorrow", D(2026, 11, 23)),
        ("in 2 weeks", D(2026, 12, 5)),
        ("in two weeks", D(2026, 12, 5)),
        ("in 10 days", D(2026, 12, 1)),
        ("in a week", D(2026, 11, 28)),
        ("next week", D(2026, 11, 28)),
        ("next Tuesday", D(2026, 11, 24)),
        ("tuesday", D(2026, 11, 24)),
        ("on Tue", D(2026, 11, 24)),
        ("this coming friday", D(2026, 11, 27)),
        ("saturday", D(2026, 11, 28)),  # said on a Saturday: next week's
        ("Dec 3", D(2026, 12, 3)),
        ("dec. 3", D(2026, 12, 3)),
        ("December 3rd", D(2026, 12, 3)),
        ("december 3, 2026", D(2026, 12, 3)),
        ("3 Dec", D(2026, 12, 3)),
        ("3rd of December", D(2026, 12, 3)),
        ("Sept 8", D(2027, 9, 8)),  # next year, not 10 weeks ago
        ("12/3", D(2026, 12, 3)),
        ("12/3/2026", D(2026, 12, 3)),
        ("12/03/26", D(2026, 12, 3)),
        ("12-3", D(2026, 12, 3)),
        ("2026-12-03", D(2026, 12, 3)),
        ("it's Jan 5", D(2027, 1, 5)),  # crosses the new year
        ("1/5", D(2027, 1, 5)),
        ("the 3rd", D(2026, 12, 3)),
        ("the 30th", D(2026, 11, 30)),
        ("Nov 19", D(2026, 11, 19)),  # two days ago: a past date, for the caller to refuse
        ("feb 29", D(2028, 2, 29)),  # the nearest real leap day
        ("2/28/2027", D(2027, 2, 28)),
        ("DECEMBER 31ST", D(2026, 12, 31)),
    ],
)
def test_understood(text, expected):
    assert dates.parse(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "banana",
        "13/5",
        "2/30/2027",
        "February 30",
        "the 45th",
        "in many weeks",
        "2027-02-29",
        "'; drop table reminders; --",
        "🙏",
        "sometime soon",
    ],
)
def test_not_understood(text):
    with pytest.raises(dates.DateNotUnderstood):
        dates.parse(text, TODAY)


def test_month_end_when_asking_for_the_31st_in_a_30_day_month():
    assert dates.parse("the 31st", D(2026, 11, 21)) == D(2026, 12, 31)


def test_every_cycle():
    assert dates.every(D(2026, 12, 3), 14, 3) == [D(2026, 12, 3), D(2026, 12, 17), D(2026, 12, 31)]
    # Across a leap day.
    assert dates.every(D(2028, 2, 22), 14, 2) == [D(2028, 2, 22), D(2028, 3, 7)]


def test_reminder_time_follows_the_clinic_clock_across_daylight_saving():
    # US daylight saving starts on 2026-03-08: 6 pm is 23:00 UTC before, 22:00 after.
    before = dates.reminder_time(D(2026, 3, 8), 18, "America/New_York")
    after = dates.reminder_time(D(2026, 3, 9), 18, "America/New_York")
    assert before == dt.datetime(2026, 3, 7, 23, tzinfo=dt.timezone.utc)
    assert after == dt.datetime(2026, 3, 8, 22, tzinfo=dt.timezone.utc)
    # And back in November (ends 2026-11-01).
    fall = dates.reminder_time(D(2026, 11, 2), 18, "America/New_York")
    assert fall == dt.datetime(2026, 11, 1, 23, tzinfo=dt.timezone.utc)


def test_reminder_time_in_another_zone():
    at = dates.reminder_time(D(2026, 12, 3), 9, "Europe/Amsterdam")
    assert at == dt.datetime(2026, 12, 2, 8, tzinfo=dt.timezone.utc)


def test_describe():
    assert dates.describe(D(2026, 12, 3)) == "Thursday, December 3, 2026"
