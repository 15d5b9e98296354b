"""The form that opens an incident, now or scheduled ahead: French dates and hours as people
type them (« 4/12/2026 », « 20 h », « 6h30 »), read in Paris time and kept in UTC."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from helpdesk.accounts.rules import parse_date
from helpdesk.core.french import PARIS

HOUR = re.compile(r"(\d{1,2})\s*(?:h|:|H)\s*(\d{2})?(?:\s*min)?|(\d{1,2})")


def parse_hour(typed: str) -> dt.time | None:
    """« 20 h », « 20h30 », « 20 h 30 », « 20:30 », « 20 » → a time; None if not an hour."""
    match = HOUR.fullmatch(typed.strip().replace("\u00a0", " "))
    if match is None:
        return None
    hour = int(match.group(1) or match.group(3))
    minute = int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


@dataclass
class IncidentForm:
    title: str
    message: str
    starts_at: dt.datetime | None  # UTC; None: the banner shows at once
    ends_at: dt.datetime | None  # UTC; None: until a supervisor closes it
    errors: dict[str, str]


def moment(form, name: str, errors: dict[str, str], label: str) -> dt.datetime | None:
    """The `name_date` and `name_heure` fields as one UTC moment (midnight without an hour)."""
    typed_date = str(form.get(f"{name}_date", "")).strip()
    typed_hour = str(form.get(f"{name}_heure", "")).strip()
    if not typed_date and not typed_hour:
        return None
    day = parse_date(typed_date)
    if day is None:
        errors[name] = f"Indiquez la date {label} comme 4/12/2026."
        return None
    hour = parse_hour(typed_hour) if typed_hour else dt.time(0, 0)
    if hour is None:
        errors[name] = f"Indiquez l'heure {label} comme 20 h ou 6 h 30."
        return None
    return dt.datetime.combine(day, hour, tzinfo=PARIS).astimezone(dt.UTC)


def read_incident_form(form, now: dt.datetime) -> IncidentForm:
    title, text = str(form.get("title", "")).strip(), str(form.get("message", "")).strip()
    errors: dict[str, str] = {}
    if not text or len(text) > 2000:
        errors["message"] = "Écrivez le message (2\u00a0000 caractères au plus)."
    if not title or len(title) > 200:
        errors["title"] = "Donnez un titre (200 caractères au plus)."
    starts_at = moment(form, "debut", errors, "de début")
    ends_at = moment(form, "fin", errors, "de fin")
    if ends_at is not None and "fin" not in errors:
        if starts_at is not None and ends_at <= starts_at:
            errors["fin"] = "La fin doit venir après le début."
        elif ends_at <= now:
            errors["fin"] = "Cette fin est déjà passée."
    return IncidentForm(title, text, starts_at, ends_at, errors)
