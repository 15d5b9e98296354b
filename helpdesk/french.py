"""French typography and dates as the State writes them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

NBSP = "\u00a0"
MONTHS = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
]
PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"]


def date_fr(value: dt.date | str) -> str:
    """4 mars 2012 (1er for the first day of a month); also from an ISO date."""
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    day = "1er" if value.day == 1 else str(value.day)
    return f"{day} {MONTHS[value.month - 1]} {value.year}"


def hour_fr(hour: int, minute: int = 0) -> str:
    """8 h, 12 h 30."""
    return f"{hour}{NBSP}h" if minute == 0 else f"{hour}{NBSP}h{NBSP}{minute:02d}"


def datetime_fr(value: dt.datetime) -> str:
    """4 mars 2012 à 14 h 05, in Paris time (the database keeps UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return f"{date_fr(value.date())} à {hour_fr(value.hour, value.minute)}"


def weekday_fr(value: dt.date) -> str:
    return WEEKDAYS[value.weekday()]
