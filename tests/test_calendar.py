"""Business days, business time and working moments: weekends, public holidays, time zones, DST."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.calendar import WorkWeek, describe_wait, known_holidays_country, zone

BERLIN, LA, TOKYO = zone("Europe/Berlin"), zone("America/Los_Angeles"), zone("Asia/Tokyo")
WEEK = WorkWeek()
GERMANY = WorkWeek(holidays_country="DE")
DAY = 86400


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def local(tz, *args):
    return datetime(*args, tzinfo=tz).astimezone(UTC)


# ---- business days ------------------------------------------------------------------------------


def test_weekends_are_not_business_days():
    monday = date(2026, 12, 7)
    assert [WEEK.is_business_day(monday + timedelta(days=i)) for i in range(7)] == [True] * 5 + [False] * 2


def test_next_and_previous_business_day_skip_the_weekend():
    assert WEEK.next_business_day(date(2026, 12, 11)) == date(2026, 12, 14)  # Fri -> Mon
    assert WEEK.next_business_day(date(2026, 12, 12)) == date(2026, 12, 14)  # Sat -> Mon
    assert WEEK.previous_business_day(date(2026, 12, 14)) == date(2026, 12, 11)  # Mon -> Fri


def test_public_holidays_of_the_country_are_not_business_days():
    assert WEEK.is_business_day(date(2026, 12, 25))  # a Friday, without a holidays country
    assert not GERMANY.is_business_day(date(2026, 12, 25))  # Christmas Day
    assert GERMANY.is_business_day(date(2026, 10, 5)) and not GERMANY.is_business_day(
        date(2026, 10, 3)
    )  # Unity Day (Sat)
    assert not GERMANY.is_business_day(date(2027, 1, 1))  # New Year's Day, a Friday
    # Thu 24 Dec -> Mon 28 Dec (Fri 25 Christmas, Sat 26, Sun 27)
    assert GERMANY.next_business_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert GERMANY.previous_business_day(date(2026, 12, 28)) == date(2026, 12, 24)


def test_add_business_days():
    assert WEEK.add_business_days(date(2026, 12, 7), 0) == date(2026, 12, 7)
    assert WEEK.add_business_days(date(2026, 12, 7), 10) == date(2026, 12, 21)
    # Over Christmas and New Year in Germany: 28, 29, 30, 31 Dec, (1 Jan holiday), 4 Jan
    assert GERMANY.add_business_days(date(2026, 12, 24), 5) == date(2027, 1, 4)
    assert WEEK.add_business_days(date(2026, 12, 24), 5) == date(2026, 12, 31)


def test_custom_working_days():
    sun_to_thu = WorkWeek(working_days=frozenset({6, 0, 1, 2, 3}))
    assert sun_to_thu.next_business_day(date(2026, 12, 10)) == date(2026, 12, 13)  # Thu -> Sun
    assert not sun_to_thu.is_business_day(date(2026, 12, 11))  # Friday


def test_known_holidays_country():
    assert known_holidays_country("DE") and known_holidays_country("de") and known_holidays_country("US")
    assert not known_holidays_country("XX")


def test_unknown_time_zone_falls_back_to_utc():
    assert zone(None) == zone("") == zone("Mars/Olympus") == zone("../etc") == zone("Europe") == zone("UTC")


# ---- business time ------------------------------------------------------------------------------


def test_business_seconds_skip_the_weekend_in_the_persons_zone():
    # Friday 12:00 to Monday 12:00 in Berlin: half of Friday + half of Monday
    assert WEEK.business_seconds(local(BERLIN, 2026, 12, 11, 12), local(BERLIN, 2026, 12, 14, 12), BERLIN) == DAY
    # The same instants, for someone in Tokyo: Friday 20:00 to Monday 20:00 Tokyo time, also one day
    assert WEEK.business_seconds(local(BERLIN, 2026, 12, 11, 12), local(BERLIN, 2026, 12, 14, 12), TOKYO) == DAY
    # Saturday 01:00 Tokyo is still Friday in Los Angeles: it counts there, not in Tokyo
    start, end = local(TOKYO, 2026, 12, 12, 1), local(TOKYO, 2026, 12, 12, 5)
    assert WEEK.business_seconds(start, end, TOKYO) == 0
    assert WEEK.business_seconds(start, end, LA) == 4 * 3600


def test_business_seconds_skip_a_public_holiday():
    start, end = local(BERLIN, 2026, 12, 24, 9), local(BERLIN, 2026, 12, 28, 9)
    assert GERMANY.business_seconds(start, end, BERLIN) == DAY  # 24 Dec 09:00 -> 28 Dec 09:00
    assert WEEK.business_seconds(start, end, BERLIN) == 2 * DAY  # 25 Dec counts without holidays
    assert GERMANY.business_days_waited(start, end, BERLIN) == 1


def test_business_seconds_of_an_empty_or_reversed_interval():
    at = utc(2026, 12, 7, 9)
    assert WEEK.business_seconds(at, at, BERLIN) == 0
    assert WEEK.business_seconds(at, at - timedelta(hours=5), BERLIN) == 0


def test_a_dst_day_counts_as_one_whole_business_day():
    # Jerusalem works Sunday to Thursday; Sunday 25 Oct 2026 is 25 hours long there (clocks go back).
    jerusalem = zone("Asia/Jerusalem")
    week = WorkWeek(working_days=frozenset({6, 0, 1, 2, 3}))
    start, end = local(jerusalem, 2026, 10, 25), local(jerusalem, 2026, 10, 26)
    assert (end - start) == timedelta(hours=25)
    assert week.business_seconds(start, end, jerusalem) == DAY


def test_waits_across_the_dst_weekend_are_whole_days():
    # Berlin springs forward on Sunday 28 March 2027; Friday 10:00 -> Monday 10:00 is one business day.
    assert WEEK.business_seconds(local(BERLIN, 2027, 3, 26, 10), local(BERLIN, 2027, 3, 29, 10), BERLIN) == DAY


def test_after_business_days():
    monday_10 = local(BERLIN, 2026, 12, 7, 10)
    assert WEEK.after_business_days(monday_10, 0, BERLIN) == monday_10
    assert WEEK.after_business_days(monday_10, 2, BERLIN) == local(BERLIN, 2026, 12, 9, 10)
    assert WEEK.after_business_days(local(BERLIN, 2026, 12, 10, 10), 2, BERLIN) == local(BERLIN, 2026, 12, 14, 10)
    # Registered on Saturday: the clock starts Monday at midnight.
    assert WEEK.after_business_days(local(BERLIN, 2026, 12, 12, 15), 1, BERLIN) == local(BERLIN, 2026, 12, 15, 0)
    # Across Christmas in Germany
    assert GERMANY.after_business_days(local(BERLIN, 2026, 12, 23, 16), 2, BERLIN) == local(BERLIN, 2026, 12, 28, 16)


def test_after_business_days_across_dst_keeps_the_wall_clock():
    # 10:00 Friday CET + 1 business day = 10:00 Monday CEST (an hour less in UTC terms)
    assert WEEK.after_business_days(local(BERLIN, 2027, 3, 26, 10), 1, BERLIN) == utc(2027, 3, 29, 8)
    assert WEEK.after_business_days(local(LA, 2027, 3, 12, 10), 1, LA) == utc(2027, 3, 15, 17)


ZONES = ["Europe/Berlin", "America/Los_Angeles", "Asia/Tokyo", "Asia/Jerusalem", "Australia/Lord_Howe", "UTC"]


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
    days=st.integers(min_value=0, max_value=30),
    tz=st.sampled_from(ZONES),
    working=st.frozensets(st.integers(0, 6), min_size=1),
    country=st.sampled_from([None, "DE", "US", "JP"]),
)
def test_after_business_days_is_consistent_with_business_seconds(start, days, tz, working, country):
    week, tz = WorkWeek(working_days=working, holidays_country=country), zone(tz)
    then = week.after_business_days(start, days, tz)
    local = start.astimezone(tz)
    wall = local.time().replace(tzinfo=None) if week.is_business_day(local.date()) else time()
    # Business time is wall-clock time: the property holds where that wall-clock time exists on the day reached
    # (not inside a DST gap, e.g. 02:30 on the last Sunday of March in Berlin, when the clock jumps 02:00 → 03:00).
    assume(then.astimezone(tz).time().replace(tzinfo=None) == wall)
    assert then >= start
    assert week.business_seconds(start, then, tz) == days * DAY
    assert week.business_days_waited(start, then, tz) == days
    # and no earlier moment would do: a minute before (on a business day), the days were not yet complete
    before = then - timedelta(minutes=1)
    if days and week.is_business_day(before.astimezone(tz).date()):
        assert week.business_seconds(start, then - timedelta(minutes=1), tz) < days * DAY


# ---- working moments ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tz, at, expected",
    [
        # inside working hours: now
        ("Europe/Berlin", (2026, 12, 7, 10, 30), (2026, 12, 7, 10, 30)),
        # before work: 09:00 the same day
        ("Europe/Berlin", (2026, 12, 7, 7, 0), (2026, 12, 7, 9, 0)),
        # at 17:00 sharp work is over: next business day
        ("Europe/Berlin", (2026, 12, 7, 17, 0), (2026, 12, 8, 9, 0)),
        # Friday evening in Los Angeles: Monday 09:00 there
        ("America/Los_Angeles", (2026, 12, 11, 18, 0), (2026, 12, 14, 9, 0)),
        ("America/Los_Angeles", (2026, 12, 12, 12, 0), (2026, 12, 14, 9, 0)),
        # Tokyo: Sunday night -> Monday morning
        ("Asia/Tokyo", (2026, 12, 13, 23, 0), (2026, 12, 14, 9, 0)),
        ("Asia/Tokyo", (2026, 12, 14, 16, 59), (2026, 12, 14, 16, 59)),
    ],
)
def test_next_working_moment(tz, at, expected):
    tz = zone(tz)
    assert WEEK.next_working_moment(local(tz, *at), tz) == local(tz, *expected)


def test_next_working_moment_is_in_the_persons_zone():
    # Monday 09:00 UTC: working hours in Berlin (10:00), evening in Tokyo (18:00), night in LA (01:00)
    at = utc(2026, 12, 7, 9)
    assert WEEK.next_working_moment(at, BERLIN) == at
    assert WEEK.next_working_moment(at, TOKYO) == local(TOKYO, 2026, 12, 8, 9)
    assert WEEK.next_working_moment(at, LA) == local(LA, 2026, 12, 7, 9)


def test_next_working_moment_skips_a_public_holiday():
    assert GERMANY.next_working_moment(local(BERLIN, 2026, 12, 24, 18), BERLIN) == local(BERLIN, 2026, 12, 28, 9)
    assert GERMANY.next_working_moment(local(BERLIN, 2026, 12, 25, 10), BERLIN) == local(BERLIN, 2026, 12, 28, 9)


def test_next_working_moment_across_dst():
    # Berlin: Friday 26 March 2027 18:00 CET -> Monday 29 March 09:00 CEST = 07:00 UTC
    assert WEEK.next_working_moment(local(BERLIN, 2027, 3, 26, 18), BERLIN) == utc(2027, 3, 29, 7)
    # ... in Germany that weekend is Easter (Good Friday 26, Easter Monday 29): Tuesday 30 March
    assert GERMANY.next_working_moment(local(BERLIN, 2027, 3, 25, 18), BERLIN) == utc(2027, 3, 30, 7)
    # Autumn: Friday 23 October 2026 18:00 CEST -> Monday 26 October 09:00 CET = 08:00 UTC
    assert WEEK.next_working_moment(local(BERLIN, 2026, 10, 23, 18), BERLIN) == utc(2026, 10, 26, 8)
    # Los Angeles springs forward on 14 March 2027: Monday 09:00 PDT = 16:00 UTC (17:00 UTC the Friday before)
    assert WEEK.next_working_moment(local(LA, 2027, 3, 12, 17, 30), LA) == utc(2027, 3, 15, 16)
    assert WEEK.next_working_moment(local(LA, 2027, 3, 12, 8), LA) == utc(2027, 3, 12, 17)


def test_next_working_moment_with_custom_hours():
    week = WorkWeek(start=time(8, 30), end=time(12))
    assert week.next_working_moment(local(BERLIN, 2026, 12, 7, 12, 0), BERLIN) == local(BERLIN, 2026, 12, 8, 8, 30)
    assert week.next_working_moment(local(BERLIN, 2026, 12, 7, 8, 0), BERLIN) == local(BERLIN, 2026, 12, 7, 8, 30)


@settings(max_examples=200, deadline=None)
@given(
    at=st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)),
    tz=st.sampled_from(ZONES),
    country=st.sampled_from([None, "DE", "JP"]),
)
def test_next_working_moment_is_inside_working_hours(at, tz, country):
    week, tz = WorkWeek(holidays_country=country), zone(tz)
    moment = week.next_working_moment(at, tz)
    assert moment >= at and moment - at < timedelta(days=8)
    here = moment.astimezone(tz)
    assert week.is_business_day(here.date()) and week.start <= here.time() < week.end


def test_day_boundaries_in_a_zone():
    assert WEEK.start_of_day(date(2026, 12, 7), BERLIN) == utc(2026, 12, 6, 23)
    assert WEEK.end_of_day(date(2026, 12, 7), BERLIN) == utc(2026, 12, 7, 23)
    assert WEEK.end_of_day(date(2027, 3, 27), BERLIN) == utc(2027, 3, 27, 23)  # the night clocks go forward
    assert WEEK.end_of_day(date(2027, 3, 28), BERLIN) == utc(2027, 3, 28, 22)


def test_describe_wait():
    assert describe_wait(0) == "less than an hour"
    assert describe_wait(3599) == "less than an hour"
    assert describe_wait(3600) == "1 hour"
    assert describe_wait(5 * 3600) == "5 hours"
    assert describe_wait(DAY) == "1 business day"
    assert describe_wait(4 * DAY + 7 * 3600) == "4 business days"
