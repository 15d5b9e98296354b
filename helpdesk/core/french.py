"""French typography and dates as the State writes them."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

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


def month_fr(value: dt.date) -> str:
    """septembre 2026."""
    return f"{MONTHS[value.month - 1]} {value.year}"


def hour_fr(hour: int, minute: int = 0) -> str:
    """8 h, 12 h 30."""
    return f"{hour}{NBSP}h" if minute == 0 else f"{hour}{NBSP}h{NBSP}{minute:02d}"


def datetime_fr(value: dt.datetime) -> str:
    """4 mars 2012 à 14 h 05, in Paris time (the database keeps UTC)."""
    if value.tzinfo is not None:
        value = value.astimezone(PARIS)
    return f"{date_fr(value.date())} à {hour_fr(value.hour, value.minute)}"


def count_fr(count: int, singular: str, plural: str = "") -> str:
    """« 0 compte », « 1 compte traité », « 3 comptes traités », « 1 234 comptes »: the plural
    from 2 on, as French counts, thousands apart (a non-breaking space). `plural` when adding an
    s to the last word is not it (« mots de passe »)."""
    number = f"{count:,}".replace(",", NBSP)
    return f"{number} {singular if abs(count) < 2 else plural or singular + 's'}"


def weekday_fr(value: dt.date) -> str:
    return WEEKDAYS[value.weekday()]


def file_size_fr(size: int) -> str:
    """A file's size as the hints say it: « 240 Ko », « 1,5 Mo » (1 Ko = 1 024 octets)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))}{NBSP}Ko"
    megabytes = round(size / (1024 * 1024), 1)
    return f"{megabytes:g}".replace(".", ",") + f"{NBSP}Mo"


_ORDINAL = re.compile(r"\b(\d+)(er|re|nd|nde|e)\b")


def ordinals_html(text: str) -> Markup:
    """« 1er », « 2nd », « 6e » with their letters in superscript, for a page (text escaped)."""
    return Markup(_ORDINAL.sub(r"\1<sup>\2</sup>", str(escape(text))))
