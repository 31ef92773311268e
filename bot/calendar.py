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

from bot.i18n import t, tn

DAY = timedelta(days=1)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@lru_cache(maxsize=256)
def _holiday_dates(code: str, year: int) -> frozenset[date]:
    """The public holidays in one year of a country ('FR') or of one of its subdivisions ('US-NY', 'DE-BY')."""
    country, _, subdivision = code.partition("-")
    return frozenset(holidays.country_holidays(country, subdiv=subdivision or None, years=year))


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
        return not (self.holidays_country and day in _holiday_dates(self.holidays_country, day.year))

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
        """Seconds between two moments that fall on business days in `tz` (whole days between the first and the
        last are counted, not walked: a wait of months costs what a wait of days does)."""
        if end <= start:
            return 0.0
        a = start.astimezone(tz).replace(tzinfo=None)
        b = end.astimezone(tz).replace(tzinfo=None)
        first, last = a.date(), b.date()
        if first == last:
            return (b - a).total_seconds() if self.is_business_day(first) else 0.0
        total = self.business_days_within(first + DAY, last - DAY) * DAY  # summed exactly, in timedelta
        if self.is_business_day(first):
            total += datetime.combine(first + DAY, time()) - a
        if self.is_business_day(last):
            total += b - datetime.combine(last, time())
        return total.total_seconds()

    def business_days_within(self, first: date, last: date) -> int:
        """How many business days there are from `first` to `last`, both included."""
        if last < first:
            return 0
        weeks, rest = divmod((last - first).days + 1, 7)
        count = weeks * len(self.working_days)
        count += sum(1 for i in range(rest) if (first.weekday() + i) % 7 in self.working_days)
        if self.holidays_country:
            for year in range(first.year, last.year + 1):
                days = _holiday_dates(self.holidays_country, year)
                count -= sum(1 for d in days if first <= d <= last and d.weekday() in self.working_days)
        return count

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
        return tn("{n} business day", "{n} business days", days)
    hours = int(seconds // 3600)
    if hours:
        return tn("{n} hour", "{n} hours", hours)
    return t("less than an hour")
