"""The console's lists (guide 3.1, 3.3, 5.1, 5.3): a school's élèves or responsables filtered
by class, MEF, state, mail, mobile, « à traiter », compromised; exported as CSV or PDF."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field

from helpdesk.accounts.school_health import MAIL_STATES, MOBILE_STATES, Roster, RosterEntry
from helpdesk.core.french import date_fr
from helpdesk.establishments.dashboard import (
    POPULATION_LABELS,
    POPULATIONS,
    STATE_LABELS,
    connected_since,
    priority,
)

STATE_NAMES = {
    "active": "Activé",
    "en_cours_activation": "En cours d'activation",
    "non_active_informe": "Non activé - informé",
    "non_active_non_informe": "Non activé - non informé",
}
TO_TREAT = {
    "rattachement": ("rattachement_signale_errone", "Lien élève signalé erroné"),
    "date_naissance": (
        "date_naissance_signalee_incorrecte",
        "Date de naissance signalée incorrecte",
    ),
}
CONNECTION = {"depuis_rentree": "Connectés depuis la rentrée", "jamais": "Jamais connectés"}
# Every filter: its query parameter and the choices it accepts (classe and MEF: the school's).
FILTER_NAMES = ("classe", "mef", "etat", "mail", "portable", "a_traiter", "compromis", "priorite",
                "connexion")  # fmt: skip


@dataclass
class ListQuery:
    public: str = "responsables"
    values: dict = field(default_factory=dict)  # filter name -> chosen value
    errors: dict = field(default_factory=dict)

    def params(self) -> dict:
        return {"public": self.public, **{k: v for k, v in self.values.items() if v}}


def choices(roster: Roster, public: str) -> dict[str, dict[str, str]]:
    kind = POPULATIONS[public]
    entries = [e for e in roster.entries if e.kind == kind]
    classes = sorted({c for e in entries for c in e.classes})
    mefs = sorted({m for e in entries for m in e.mefs})
    out = {
        "classe": {c: c for c in classes},
        "mef": {m: m for m in mefs},
        "etat": STATE_LABELS,
        "mail": MAIL_STATES,
        "portable": MOBILE_STATES,
        "a_traiter": {code: label for code, (_flag, label) in TO_TREAT.items()},
        "compromis": {"1": "Comptes compromis"},
        "priorite": {"1": "À informer en priorité"},
        "connexion": CONNECTION,
    }
    if public == "eleves":
        for name in ("portable", "a_traiter", "priorite"):
            out.pop(name)
    return out


def read_query(params: Mapping[str, str], roster: Roster) -> ListQuery:
    """The filters asked for; an unknown value is refused with a French message (and ignored)."""
    public = params.get("public", "responsables")
    query = ListQuery(public if public in POPULATIONS else "responsables")
    if public not in POPULATIONS:
        query.errors["public"] = "Choisissez les responsables ou les élèves."
    allowed = choices(roster, query.public)
    for name in FILTER_NAMES:
        value = str(params.get(name, "") or "").strip()
        if not value:
            continue
        if name in allowed and value in allowed[name]:
            query.values[name] = value
        else:
            query.errors[name] = "Ce critère n'existe pas pour cette liste\u00a0: il est ignoré."
    return query


def matches(entry: RosterEntry, query: ListQuery, rentree: dt.date) -> bool:
    v = query.values
    if entry.kind != POPULATIONS[query.public]:
        return False
    if "classe" in v and v["classe"] not in entry.classes:
        return False
    if "mef" in v and v["mef"] not in entry.mefs:
        return False
    if "etat" in v and entry.state_code != v["etat"]:
        return False
    if "mail" in v and entry.mail_state != v["mail"]:
        return False
    if "portable" in v and entry.mobile_state != v["portable"]:
        return False
    if "a_traiter" in v and TO_TREAT[v["a_traiter"]][0] not in entry.flags:
        return False
    if "compromis" in v and "compromis" not in entry.flags:
        return False
    if "priorite" in v and not priority(entry):
        return False
    if "connexion" in v:
        since = connected_since(entry, rentree)
        if since != (v["connexion"] == "depuis_rentree"):
            return False
    return True


def select(roster: Roster, query: ListQuery, rentree: dt.date) -> list[RosterEntry]:
    return [e for e in roster.entries if matches(e, query, rentree)]


# The rows of one page of the list on screen: a page of 2 000 rows took most of the list's time
# to build and to render (bench/README.md). The exports and the counts keep every account.
PAGE_SIZE = 500


def page_of(entries: list, asked: str) -> tuple[list, int, int]:
    """The entries of page `asked` (the first when it is not a number, the last past the end),
    its number and the number of pages."""
    pages = max(1, -(-len(entries) // PAGE_SIZE))
    number = int(asked) if asked.isdigit() else 1
    number = min(max(number, 1), pages)
    start = (number - 1) * PAGE_SIZE
    return entries[start : start + PAGE_SIZE], number, pages


def day(value: str | None) -> str:
    return date_fr(dt.date.fromisoformat(value[:10])) if value else ""


def flags_text(entry: RosterEntry) -> str:
    labels = [label for _code, (flag, label) in TO_TREAT.items() if flag in entry.flags]
    if "compromis" in entry.flags:
        labels.append("Compte compromis")
    return ", ".join(labels)


COLUMNS = (
    "Nom",
    "Prénom",
    "Identifiant",
    "Classe",
    "MEF",
    "État du compte",
    "Adresse mail",
    "Téléphone portable",
    "Dernière information",
    "Dernière connexion",
    "Signalements",
)


def row(entry: RosterEntry) -> list[str]:
    return [
        entry.last_name,
        entry.first_name,
        entry.identifier,
        ", ".join(entry.classes),
        ", ".join(entry.mefs),
        STATE_NAMES.get(entry.state_code, ""),
        MAIL_STATES.get(entry.mail_state, ""),
        MOBILE_STATES.get(entry.mobile_state, ""),
        day(entry.last_informed_at),
        day(entry.last_login_at),
        flags_text(entry),
    ]


def cell(value: str) -> str:
    # A cell starting with = + @ would be a formula to a spreadsheet: kept as text.
    return f"'{value}" if value[:1] in ("=", "+", "@", "\t", "\r") else value


def csv_bytes(entries: list[RosterEntry]) -> bytes:
    """UTF-8 with a BOM and « ; »: what spreadsheets set up in French open as they are."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for entry in entries:
        writer.writerow([cell(value) for value in row(entry)])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def title(roster: Roster, public: str) -> str:
    return f"{POPULATION_LABELS[public]} - {roster.name} ({roster.uai})"
