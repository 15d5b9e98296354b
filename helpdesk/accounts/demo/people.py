"""The demo's schools and people: fictional schools (invented names; the UAIs have valid check
letters, 0450782F among them) in Orléans-Tours and Lyon, and the people and links the builder
makes there."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from helpdesk.accounts.port import NON_INFORME
from helpdesk.contacts.uai import check_letter

DOMAINS = ("example.fr", "example.org", "example.net")


def uai(digits: str) -> str:
    return digits + check_letter(digits)


# (UAI, name, commune, académie, kind). Invented names; 0450782F is the project's example UAI.
SCHOOLS = [
    ("0450782F", "Collège des Tilleuls", "Orléans", "orleans-tours", "college"),
    (uai("0451042"), "Lycée du Val de Loire", "Orléans", "orleans-tours", "lycee"),
    (uai("0370880"), "Collège des Deux-Rives", "Tours", "orleans-tours", "college"),
    (uai("0410959"), "Lycée des Coteaux", "Blois", "orleans-tours", "lycee"),
    (uai("0693310"), "Collège de la Croix-Rousse", "Lyon", "lyon", "college"),
    (uai("0690104"), "Lycée des Canuts", "Lyon", "lyon", "lycee"),
    (uai("0421020"), "Collège du Forez", "Saint-Étienne", "lyon", "college"),
]
LEVELS = {
    "college": [("6e", 2014), ("5e", 2013), ("4e", 2012), ("3e", 2011)],
    "lycee": [("2nde", 2010), ("1re", 2009), ("Tle", 2008)],
}
# The MEF of each level, as SIECLE names them (guide 3.1 « MEF »).
MEFS = {
    "6e": "6EME",
    "5e": "5EME",
    "4e": "4EME",
    "3e": "3EME",
    "2nde": "2NDE GENERALE ET TECHNO",
    "1re": "1ERE GENERALE",
    "Tle": "TERMINALE GENERALE",
}
FAMILIES_PER_SCHOOL = 190
REFERENCE_DAY = dt.datetime(2025, 9, 1, 8, 0, tzinfo=dt.UTC)  # rentrée: dates follow from it


@dataclass
class Person:
    key: int
    kind: str
    first_name: str
    last_name: str
    birth_name: str
    uai: str
    state: str = NON_INFORME
    origin: str = "Non renseigné"
    email: str = ""
    email_confirmed: bool | None = None
    pending_email: str = ""
    mobile: str = ""
    birth_date: dt.date | None = None
    ine: str = ""
    classe: str = ""
    flags: set = field(default_factory=set)
    identifier: str = ""
    password_kind: str = ""
    provisional: str = ""
    last_informed_at: dt.datetime | None = None
    last_login_at: dt.datetime | None = None
    mef: str = ""
    mobile_confirmed: bool = False
    activated_at: dt.datetime | None = None


@dataclass
class DemoLink:
    responsable: Person
    eleve: Person
    relation: str = "Représentant légal"
    status: str = "confirme"
    names: tuple[str, str] | None = None
