import datetime as dt

import pytest

from bot.reminders import dates

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
        ("2/28/2027", D(2027, 2, 28)),
        ("DECEMBER 31ST", D(2026, 12, 31)),
        # Whatever the keyboard: fullwidth digits and slash, odd spaces.
        ("１２／３", D(2026, 12, 3)),
        ("Ｄｅｃ\u00a03", D(2026, 12, 3)),
        ("in\u202f2\u2003weeks", D(2026, 12, 5)),
        ("De\u200bc 3", D(2026, 12, 3)),
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
        "2026-13-01",
        "0000-01-01",
        "December 3 99999",
        "in 10**20 days",
        pytest.param("in " + "9" * 5000 + " days", id="a 5000-digit count"),
    ],
)
def test_not_understood(text):
    with pytest.raises(dates.DateNotUnderstood):
        dates.parse(text, TODAY)


@pytest.mark.parametrize(
    "text",
    [
        "in 99999999 weeks",
        f"in {10**20} days",
        f"in {10**20} weeks",
        "12/3/9999",
        "9999-12-31",
        "December 3, 9999",
        "in 53 weeks",
        "in 366 days",
        "11/22/2027",
        # No Feb 29 in 2027: the next real one is more than a year away.
        "feb 29",
    ],
)
def test_more_than_a_year_ahead_is_refused(text):
    with pytest.raises(dates.DateTooFarAhead):
        dates.parse(text, TODAY)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("in 365 days", D(2027, 11, 21)),
        ("in 52 weeks", D(2027, 11, 20)),
        ("11/21/2027", D(2027, 11, 21)),
        ("Nov 21, 2027", D(2027, 11, 21)),
    ],
)
def test_up_to_a_year_ahead_is_accepted(text, expected):
    assert dates.parse(text, TODAY) == expected


def test_the_year_ends_on_the_same_day_next_year():
    assert dates.one_year_after(TODAY) == D(2027, 11, 21)
    # Before a leap day a year has 366 days.
    assert dates.parse("in 366 days", D(2027, 3, 1)) == D(2028, 3, 1)
    assert dates.parse("feb 29", D(2027, 6, 1)) == D(2028, 2, 29)
    # From a leap day, the last accepted date is Feb 28.
    assert dates.one_year_after(D(2028, 2, 29)) == D(2029, 2, 28)
    with pytest.raises(dates.DateTooFarAhead):
        dates.parse("3/1/2029", D(2028, 2, 29))


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
