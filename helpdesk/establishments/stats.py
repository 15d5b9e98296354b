"""Activation statistics (guide §6): rates by school for an académie's supervisors, and for a
school by MEF and class, with the académie's rate beside; and both over time, month by month
since the rentrée. The rate is the share of accounts « Activé » among all the accounts."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass

from helpdesk.accounts.activation_timeline import month_starts
from helpdesk.accounts.port import KINDS
from helpdesk.core.french import date_fr, month_fr
from helpdesk.establishments.lists import cell


@dataclass
class Rate:
    active: int = 0
    total: int = 0

    def add(self, row: dict) -> None:
        self.total += row["count"]
        if row["state_code"] == "active":
            self.active += row["count"]

    @property
    def percent(self) -> float:
        return round(100 * self.active / self.total, 1) if self.total else 0.0


def french_percent(value: float) -> str:
    return f"{value:.1f}".replace(".", ",") + "\u00a0%"


@dataclass
class SchoolRates:
    uai: str
    name: str
    responsables: Rate
    eleves: Rate


def by_school(rows: list[dict]) -> list[SchoolRates]:
    schools: dict[str, SchoolRates] = {}
    for row in rows:
        school = schools.setdefault(
            row["uai"], SchoolRates(row["uai"], row["name"], Rate(), Rate())
        )
        (school.eleves if row["kind"] == "eleve" else school.responsables).add(row)
    return list(schools.values())


def totals(rows: list[dict]) -> dict[str, Rate]:
    out = {"responsable": Rate(), "eleve": Rate()}
    for row in rows:
        out[row["kind"]].add(row)
    return out


SORTS = {
    "nom": lambda s: s.name,
    "uai": lambda s: s.uai,
    "responsables": lambda s: s.responsables.percent,
    "eleves": lambda s: s.eleves.percent,
}


def sorted_schools(schools: list[SchoolRates], key: str, descending: bool) -> list[SchoolRates]:
    return sorted(schools, key=SORTS.get(key, SORTS["nom"]), reverse=descending)


def by_group(rows: list[dict], uai: str, field: str) -> dict[str, Rate]:
    """A school's élèves by MEF or by class."""
    out: dict[str, Rate] = defaultdict(Rate)
    for row in rows:
        if row["uai"] == uai and row["kind"] == "eleve" and row[field]:
            out[row[field]].add(row)
    return dict(sorted(out.items()))


def by_group_academie(rows: list[dict], field: str) -> dict[str, Rate]:
    out: dict[str, Rate] = defaultdict(Rate)
    for row in rows:
        if row["kind"] == "eleve" and row[field]:
            out[row[field]].add(row)
    return dict(out)


def csv_bytes(header: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a BOM and « ; » (as the lists' exports): what spreadsheets set up in French
    open as they are."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(header)
    for values in rows:
        writer.writerow([cell(str(value)) for value in values])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


def csv_percent(rate: Rate) -> str:
    return f"{rate.percent:.1f}".replace(".", ",")


RATE_COLUMNS = [
    "Responsables",
    "Responsables activés",
    "Taux responsables (%)",
    "Élèves",
    "Élèves activés",
    "Taux élèves (%)",
]


def rate_cells(responsables: Rate, eleves: Rate) -> list:
    return [
        responsables.total,
        responsables.active,
        csv_percent(responsables),
        eleves.total,
        eleves.active,
        csv_percent(eleves),
    ]


def schools_csv(schools: list[SchoolRates]) -> bytes:
    return csv_bytes(
        ["UAI", "Établissement", *RATE_COLUMNS],
        [[s.uai, s.name, *rate_cells(s.responsables, s.eleves)] for s in schools],
    )


# --- Over time (guide §6): the share activated at the end of each month since the rentrée ---


@dataclass
class Step:
    """The accounts activated by the end of a month (or by the rentrée), out of today's; its
    label: « rentrée (1er septembre 2026) », « septembre 2026 », « décembre 2026 (à ce jour) »."""

    label: str
    responsable: Rate
    eleve: Rate


def timeline(
    rows: list[dict], since: dt.date, today: dt.date, uai: str | None = None
) -> list[Step]:
    """The cumulative rates of `activation_timeline`'s rows (of one school if `uai` is given):
    at the rentrée, then at the end of each month to this one. The accounts counted are today's:
    an account that left since is not in it, one that came is counted from the start."""
    mine = [r for r in rows if uai is None or r["uai"] == uai]
    totals = {kind: sum(r["count"] for r in mine if r["kind"] == kind) for kind in KINDS}

    def step(label: str, counted) -> Step:
        active = {
            kind: sum(r["count"] for r in mine if r["kind"] == kind and counted(r))
            for kind in KINDS
        }
        rates = {kind: Rate(active[kind], totals[kind]) for kind in KINDS}
        return Step(label, rates["responsable"], rates["eleve"])

    steps = [step(f"rentrée ({date_fr(since)})", lambda r: r["activated"] and not r["month"])]
    months = month_starts(since, today)
    for n, month in enumerate(months, 1):
        key, last = month.strftime("%Y-%m"), n == len(months)
        steps.append(
            step(
                month_fr(month) + (" (à ce jour)" if last else ""),
                # The last step is today's rate, whatever month the directory's clock is in.
                lambda r, key=key, last=last: r["activated"] and (last or r["month"] <= key),
            )
        )
    return steps


def evolution_rows(steps: list[Step], beside: list[Step] | None = None) -> dict[str, list]:
    """By kind, the (label, rate, rate beside or None) of each step: what the pages show."""
    return {
        kind: [
            (step.label, getattr(step, kind), getattr(other, kind) if other else None)
            for step, other in zip(steps, beside or [None] * len(steps), strict=True)
        ]
        for kind in KINDS
    }


def timeline_csv(schools: list[SchoolRates], rows: list[dict], since, today) -> bytes:
    """Each school's steps, one line a month (a table to pivot in a spreadsheet)."""
    lines = [
        [s.uai, s.name, step.label, *rate_cells(step.responsable, step.eleve)]
        for s in schools
        for step in timeline(rows, since, today, s.uai)
    ]
    return csv_bytes(["UAI", "Établissement", "Mois", *RATE_COLUMNS], lines)
