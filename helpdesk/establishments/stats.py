"""Activation statistics (guide §6): rates by school for an académie's supervisors, and for a
school by MEF and class, with the académie's rate beside. The rate is the share of accounts
« Activé » among all the accounts."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass


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


def schools_csv(schools: list[SchoolRates]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "UAI",
            "Établissement",
            "Responsables",
            "Responsables activés",
            "Taux responsables (%)",
            "Élèves",
            "Élèves activés",
            "Taux élèves (%)",
        ]
    )
    for s in schools:
        writer.writerow(
            [
                s.uai,
                s.name,
                s.responsables.total,
                s.responsables.active,
                f"{s.responsables.percent:.1f}".replace(".", ","),
                s.eleves.total,
                s.eleves.active,
                f"{s.eleves.percent:.1f}".replace(".", ","),
            ]
        )
    return "\ufeff".encode() + out.getvalue().encode("utf-8")
