"""Business days, working hours and time zones.

Business time is counted on the wall clock of the person concerned: a business day
is a whole local day (midnight to midnight) that is a working day and not a public
holiday, so "2 business days of waiting" means 48 hours that fall on such days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

DAY = timedelta(days=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@lru_cache(maxsize=64)
def _holidays_of(code: str) -> holidays.HolidayBase:
    """The public holidays of a country ('FR') or of one of its subdivisions ('US-NY', 'DE-BY')."""
    country, _, subdivision = code.partition("-")
    return holidays.country_holidays(country, subdiv=subdivision or None)


def holidays_code(code: str) -> str | None:
    """'us-ny' → 'US-NY' as the holidays package spells it; None if it knows no such country or subdivision."""
    country, dash, subdivision = code.strip().partition("-")
    subdivisions = holidays.list_supported_countries().get(country.upper())
    if subdivisions is None:
        return None
    if not dash:
        return country.upper()
    spelled = {s.upper(): s for s in subdivisions if " " not in s}  # the one-word codes that fit 'XX-YY'
    return f"{country.upper()}-{spelled[subdivision.upper()]}" if subdivision.upper() in spelled else None


def known_holidays_country(code: str) -> bool:
    """Whether the holidays package knows this country code, or country-subdivision code ('US-NY')."""
    return holidays_code(code) is not None


@lru_cache(maxsize=512)
def zone(name: str | None) -> ZoneInfo:
    """A ZoneInfo for a Slack tz name, UTC when missing or unknown."""
    try:
        return ZoneInfo(name or "UTC")
    except (ValueError, KeyError, OSError):  # ZoneInfo("Europe") raises IsADirectoryError
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class WorkWeek:
    """The working days, hours and holidays that business time is counted on."""

    working_days: frozenset[int] = frozenset(range(5))  # Monday is 0
    start: time = time(9)
    end: time = time(17)
    holidays_country: str | None = None

    def is_business_day(self, day: date) -> bool:
        if day.weekday() not in self.working_days:
            return False
        return not (self.holidays_country and day in _holidays_of(self.holidays_country))

    def next_business_day(self, day: date) -> date:
        """The first business day strictly after `day`."""
        if not self.working_days:
            raise ValueError("a work week needs at least one working day")
        day += DAY
        while not self.is_business_day(day):
            day += DAY
        return day

    def previous_business_day(self, day: date) -> date:
        """The last business day strictly before `day`."""
        day -= DAY
        while not self.is_business_day(day):
            day -= DAY
        return day

    def add_business_days(self, day: date, count: int) -> date:
        """The date `count` business days after `day` (`day` itself when count is 0)."""
        for _ in range(count):
            day = self.next_business_day(day)
        return day

    def business_seconds(self, start: datetime, end: datetime, tz: ZoneInfo) -> float:
        """Seconds between two moments that fall on business days in `tz`."""
        if end <= start:
            return 0.0
        a = start.astimezone(tz).replace(tzinfo=None)
        b = end.astimezone(tz).replace(tzinfo=None)
        total = timedelta()  # summed exactly: float seconds with microseconds drift below whole days
        day = a.date()
        while day <= b.date():
            if self.is_business_day(day):
                lo = max(a, datetime.combine(day, time()))
                hi = min(b, datetime.combine(day + DAY, time()))
                total += max(timedelta(), hi - lo)
            day += DAY
        return total.total_seconds()

    def business_days_waited(self, start: datetime, end: datetime, tz: ZoneInfo) -> int:
        """Whole business days between two moments in `tz`."""
        return int(self.business_seconds(start, end, tz) // 86400)

    def after_business_days(self, start: datetime, days: int, tz: ZoneInfo) -> datetime:
        """The moment at which `days` whole business days have passed since `start` in `tz`."""
        local = start.astimezone(tz).replace(tzinfo=None)
        if not self.is_business_day(local.date()):
            local = datetime.combine(self.next_business_day(local.date()), time())
        for _ in range(days):
            nxt = self.next_business_day(local.date())
            local = datetime.combine(nxt, local.time())
        return local.replace(tzinfo=tz).astimezone(UTC)

    def next_working_moment(self, at: datetime, tz: ZoneInfo) -> datetime:
        """`at` if it is inside working hours on a business day in `tz`, else the next start of work."""
        local = at.astimezone(tz)
        day = local.date()
        if self.is_business_day(day) and self.start <= local.timetz().replace(tzinfo=None) < self.end:
            return at.astimezone(UTC)
        if not (self.is_business_day(day) and local.time() < self.start):
            day = self.next_business_day(day)
        return datetime.combine(day, self.start, tzinfo=tz).astimezone(UTC)

    def end_of_day(self, day: date, tz: ZoneInfo) -> datetime:
        """The end of `day` (midnight after it) in `tz`, as UTC."""
        return datetime.combine(day + DAY, time(), tzinfo=tz).astimezone(UTC)

    def start_of_day(self, day: date, tz: ZoneInfo) -> datetime:
        """The start of `day` (midnight) in `tz`, as UTC."""
        return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def describe_wait(seconds: float) -> str:
    """'4 business days', '1 business day', '3 hours' or 'less than an hour'."""
    days = int(seconds // 86400)
    if days:
        return f"{days} business day{'s' if days != 1 else ''}"
    hours = int(seconds // 3600)
    if hours:
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return "less than an hour"
