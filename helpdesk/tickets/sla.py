"""Service-level targets in working time: Monday–Friday 8 h – 18 h, Paris, holidays excluded."""

from __future__ import annotations

import datetime as dt

from helpdesk.categories.catalogue import ALL_CATEGORIES
from helpdesk.contacts.hours import PARIS, public_holidays
from helpdesk.tickets.tables import SlaTarget

DAY_START, DAY_END = 8, 18
# Default targets, in working hours: (first response, resolution).
DEFAULT_TARGETS = {code: c.targets for code, c in ALL_CATEGORIES.items()}


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in public_holidays(day.year)


def add_working_time(start: dt.datetime, minutes: float) -> dt.datetime:
    """The instant when `minutes` of working time have passed since `start`."""
    moment = start.astimezone(PARIS)
    remaining = dt.timedelta(minutes=minutes)
    while True:
        day = moment.date()
        opens = dt.datetime.combine(day, dt.time(DAY_START), PARIS)
        closes = dt.datetime.combine(day, dt.time(DAY_END), PARIS)
        if is_working_day(day) and moment < closes:
            moment = max(moment, opens)
            if moment + remaining <= closes:
                return (moment + remaining).astimezone(dt.UTC)
            remaining -= closes - moment
        moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), PARIS)


def working_minutes_between(start: dt.datetime, end: dt.datetime) -> float:
    """Working time from start to end, in minutes (0 when end is not after start)."""
    if end <= start:
        return 0.0
    total = dt.timedelta()
    moment = start.astimezone(PARIS)
    end = end.astimezone(PARIS)
    while moment < end:
        day = moment.date()
        if is_working_day(day):
            opens = dt.datetime.combine(day, dt.time(DAY_START), PARIS)
            closes = dt.datetime.combine(day, dt.time(DAY_END), PARIS)
            low, high = max(moment, opens), min(end, closes)
            if high > low:
                total += high - low
        moment = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), PARIS)
    return total.total_seconds() / 60


def targets_for(category: str, overrides: dict[str, tuple[float, float]] | None = None):
    hours = (overrides or {}).get(category) or DEFAULT_TARGETS.get(
        category, DEFAULT_TARGETS["autre"]
    )
    return hours


def initial_due(
    created: dt.datetime, category: str, overrides=None
) -> tuple[dt.datetime, dt.datetime]:
    first, resolution = targets_for(category, overrides)
    return add_working_time(created, first * 60), add_working_time(created, resolution * 60)


async def academie_targets(academie: str) -> dict[str, tuple[float, float]]:
    """The supervisor's targets of this académie, by category."""
    rows = await SlaTarget.select().where(SlaTarget.academie == academie)
    return {r["category"]: (r["first_response_hours"], r["resolution_hours"]) for r in rows}


async def save_targets(academie: str, targets: dict[str, tuple[float, float]]) -> None:
    await SlaTarget.delete().where(SlaTarget.academie == academie)
    await SlaTarget.insert(
        *[
            SlaTarget(academie=academie, category=c, first_response_hours=f, resolution_hours=r)
            for c, (f, r) in targets.items()
        ]
    )
