"""`helpdesk accounts demo [--seed N]`: a deterministic directory to try the account actions on.

Fictional schools (the names are invented; the UAIs have valid check letters, 0450782F among
them) in Orléans-Tours and Lyon, a few thousand responsables and élèves in every state and
origin, and the anomalies the help desk deals with: birth dates wrong in the base, links
reported wrong, mails never confirmed or bouncing, compromised accounts, a parent with two
accounts to regroup, names that differ from one school to another. Names come from Faker's
`fr_FR` provider seeded with the same seed as the rest: the same seed (and Faker version) gives
the same directory.

The package: people.py (the schools, a person, a link), builder.py (the families),
anomalies.py (the problems drawn among them), dates.py (when things happened); here, loading
them into a local directory.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import fields

from helpdesk.accounts.demo.builder import DemoBuilder
from helpdesk.accounts.demo.dates import activation_dates, dashboard_facts
from helpdesk.accounts.demo.people import (
    DOMAINS,
    FAMILIES_PER_SCHOOL,
    LEVELS,
    MEFS,
    REFERENCE_DAY,
    SCHOOLS,
    DemoLink,
    Person,
    uai,
)
from helpdesk.accounts.local import AccountRecord, LinkRecord, LocalDirectory


def record_of(person: Person) -> AccountRecord:
    """A person of the demo as the bulk import takes it (its fields are AccountRecord's)."""
    return AccountRecord(**{f.name: getattr(person, f.name) for f in fields(person)})


async def load_demo_directory(
    directory: LocalDirectory,
    seed: int = 2026,
    families_per_school: int = FAMILIES_PER_SCHOOL,
    today: dt.datetime | None = None,
) -> dict:
    """Empty the directory, then fill it; returns counts for the command's summary.

    Dates of information and connection fall in the school year of `today` (now by default).
    """
    builder = DemoBuilder(seed, families_per_school)
    builder.build()
    dashboard_facts(builder, seed, today or dt.datetime.now(dt.UTC))
    records = [record_of(p) for p in builder.people]
    links = [
        LinkRecord(link.responsable.key, link.eleve.key, link.relation, link.status, link.names)
        for link in builder.links
    ]
    await directory.delete_everything()
    await directory.import_records(
        records, links, [(code, name, commune, aca) for code, name, commune, aca, _ in SCHOOLS]
    )
    return {
        "accounts": len(builder.people),
        "links": len(builder.links),
        "schools": [(s[0], s[1], s[3]) for s in SCHOOLS],
        "states": Counter((p.kind, p.state) for p in builder.people),
        "flags": Counter(flag for p in builder.people for flag in p.flags),
        "notes": builder.notes,
    }


__all__ = [
    "DOMAINS",
    "FAMILIES_PER_SCHOOL",
    "LEVELS",
    "MEFS",
    "REFERENCE_DAY",
    "SCHOOLS",
    "DemoBuilder",
    "DemoLink",
    "Person",
    "activation_dates",
    "dashboard_facts",
    "load_demo_directory",
    "uai",
]
