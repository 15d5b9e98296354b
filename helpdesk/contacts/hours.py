"""Opening hours of the national assistance platform, in Paris time.

Monday to Friday 8 h – 20 h, Saturday 8 h – 12 h, closed in August (seeds 000 and 002).
Closing on public holidays is our assumption: the seeds do not say, and a call centre of the
State is normally closed on those days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from helpdesk.core.french import NBSP, date_fr, hour_fr, weekday_fr

PARIS = ZoneInfo("Europe/Paris")
PHONE = f"0{NBSP}809{NBSP}54{NBSP}06{NBSP}06"
# weekday → (opening hour, closing hour); Sunday absent
OPENING_HOURS = {0: (8, 20), 1: (8, 20), 2: (8, 20), 3: (8, 20), 4: (8, 20), 5: (8, 12)}
CLOSED_MONTHS = {8}
HOURS_TEXT = (
    f"du lundi au vendredi de {hour_fr(8)} à {hour_fr(20)} et le samedi de {hour_fr(8)} "
    f"à {hour_fr(12)} (heure de Paris), sauf jours fériés ; fermée en août"
)


def easter(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = b // 4, b % 4
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = c // 4, c % 4
    l_ = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * l_) // 451
    month = (h + l_ - 7 * m + 114) // 31
    day = (h + l_ - 7 * m + 114) % 31 + 1
    return dt.date(year, month, day)


def public_holidays(year: int) -> frozenset[dt.date]:
    """The public holidays of metropolitan France."""
    sunday = easter(year)
    fixed = [(1, 1), (5, 1), (5, 8), (7, 14), (8, 15), (11, 1), (11, 11), (12, 25)]
    movable = [sunday + dt.timedelta(days=n) for n in (1, 39, 50)]  # Monday, Ascension, Whit
    return frozenset({dt.date(year, m, d) for m, d in fixed} | set(movable))


def is_open_day(day: dt.date) -> bool:
    return (
        day.weekday() in OPENING_HOURS
        and day.month not in CLOSED_MONTHS
        and day not in public_holidays(day.year)
    )


@dataclass(frozen=True)
class PlatformStatus:
    is_open: bool
    closes_at: dt.datetime | None
    next_opening: dt.datetime | None

    def sentence(self, now: dt.datetime) -> str:
        if self.is_open and self.closes_at:
            return f"Ouverte en ce moment, jusqu'à {hour_fr(self.closes_at.hour)}."
        if self.next_opening is None:
            return "Fermée en ce moment."
        return f"Fermée en ce moment. Réouverture {when(self.next_opening, now)}."


def when(moment: dt.datetime, now: dt.datetime) -> str:
    today = now.astimezone(PARIS).date()
    day = moment.date()
    if day == today:
        label = "aujourd'hui"
    elif day == today + dt.timedelta(days=1):
        label = "demain"
    else:
        label = f"le {weekday_fr(day)} {date_fr(day)}"
    return f"{label} à {hour_fr(moment.hour)}"


def platform_status(now: dt.datetime) -> PlatformStatus:
    local = now.astimezone(PARIS)
    day = local.date()
    if is_open_day(day):
        start, end = OPENING_HOURS[day.weekday()]
        opens = dt.datetime.combine(day, dt.time(start), PARIS)
        closes = dt.datetime.combine(day, dt.time(end), PARIS)
        if opens <= local < closes:
            return PlatformStatus(True, closes, None)
        if local < opens:
            return PlatformStatus(False, None, opens)
    for offset in range(1, 400):
        candidate = day + dt.timedelta(days=offset)
        if is_open_day(candidate):
            start, _ = OPENING_HOURS[candidate.weekday()]
            return PlatformStatus(
                False, None, dt.datetime.combine(candidate, dt.time(start), PARIS)
            )
    return PlatformStatus(False, None, None)
