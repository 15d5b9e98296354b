"""The demo's families: élèves in every state, their responsables (one or two, sometimes with
another birth name, a mobile, a mail), the links between them; then the anomalies
(anomalies.py). The same seed (and Faker version) gives the same people."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

from faker import Faker

from helpdesk.accounts.demo.anomalies import Anomalies
from helpdesk.accounts.demo.people import (
    DOMAINS,
    FAMILIES_PER_SCHOOL,
    LEVELS,
    REFERENCE_DAY,
    SCHOOLS,
    DemoLink,
    Person,
)
from helpdesk.accounts.port import ACTIVE, EN_COURS, INFORME
from helpdesk.accounts.rules import identifier_base, letters_only, provisional_password


class DemoBuilder(Anomalies):
    def __init__(self, seed: int, families_per_school: int = FAMILIES_PER_SCHOOL):
        self.rng = random.Random(seed)
        self.fake = Faker("fr_FR")
        self.fake.seed_instance(seed)
        self.families_per_school = families_per_school
        self.people: list[Person] = []
        self.links: list[DemoLink] = []
        self.numbers: Counter = Counter()
        self.eleves_by_school: dict[str, list[Person]] = defaultdict(list)
        self.notes: list[str] = []

    # people ----------------------------------------------------------------------------------

    def person(self, kind: str, first: str, last: str, birth: str, school: str, **kw) -> Person:
        p = Person(len(self.people), kind, first, last, birth, school, **kw)
        base = identifier_base(first, birth)
        self.numbers[base] += 1
        p.identifier = f"{base}{self.numbers[base]}"
        self.people.append(p)
        return p

    def first_name(self, female: bool) -> str:
        return self.fake.first_name_female() if female else self.fake.first_name_male()

    def day(self, start: dt.datetime, days: int) -> dt.datetime:
        return start + dt.timedelta(days=self.rng.randrange(days), minutes=self.rng.randrange(600))

    def email_for(self, p: Person) -> str:
        return (
            f"{letters_only(p.first_name)}.{letters_only(p.last_name)}"
            f"{self.rng.randrange(1, 99)}@{self.rng.choice(DOMAINS)}"
        )

    def ine(self) -> str:
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        return (
            f"{self.rng.randrange(10**9):09d}{self.rng.choice(letters)}{self.rng.choice(letters)}"
        )

    def eleve(self, school: tuple, last: str) -> Person:
        code, _name, _commune, _academie, kind = school
        level, year = self.rng.choice(LEVELS[kind])
        first = self.first_name(female=self.rng.random() < 0.5)
        born = dt.date(year, 1, 1) + dt.timedelta(days=self.rng.randrange(365))
        classe = (
            f"{level} {self.rng.choice('ABCD')}"
            if kind == "college"
            else f"{level} {self.rng.randrange(1, 6)}"
        )
        child = self.person(
            "eleve", first, last, last, code, birth_date=born, ine=self.ine(), classe=classe
        )
        r = self.rng.random()
        if r < 0.65:
            self.activate(child, "eleve")
        elif r < 0.85:
            self.inform(child)
        self.eleves_by_school[code].append(child)
        return child

    def inform(self, p: Person) -> None:
        p.state = INFORME
        p.password_kind = "provisoire"
        p.provisional = provisional_password(self.rng)  # type: ignore[arg-type]
        p.last_informed_at = self.day(REFERENCE_DAY, 150)

    def activate(self, p: Person, kind: str) -> None:
        p.state = ACTIVE
        p.password_kind = "choisi"
        if kind == "eleve":
            p.origin = self.rng.choices(["Établissement", "ATEN", "ENT"], [94, 4, 2])[0]
            p.last_informed_at = self.day(REFERENCE_DAY, 20)
        else:
            p.origin = self.rng.choices(
                ["Responsable", "FranceConnect", "Établissement", "ATEN", "ENT"], [55, 27, 15, 2, 1]
            )[0]
            if p.origin == "Établissement":
                p.last_informed_at = self.day(REFERENCE_DAY, 20)
        p.last_login_at = self.day(REFERENCE_DAY, 200)
        if p.email:
            p.email_confirmed = True

    def parent(self, school: tuple, last: str, female: bool) -> Person:
        first = self.first_name(female)
        birth = last
        if female and self.rng.random() < 0.35:
            birth = self.fake.last_name()  # nom de naissance ≠ nom d'usage
        p = self.person("responsable", first, last, birth, school[0])
        if self.rng.random() < 0.85:
            p.mobile = f"0{self.rng.choice('67')}{self.rng.randrange(10**8):08d}"
        if self.rng.random() < 0.8:
            p.email = self.email_for(p)
        r = self.rng.random()
        if r < 0.70:
            self.activate(p, "responsable")
        elif r < 0.73 and p.email:
            p.state, p.origin, p.password_kind = EN_COURS, "Établissement", "choisi"
            p.email_confirmed = False  # the confirmation link never followed
            p.last_informed_at = self.day(REFERENCE_DAY, 100)
        elif r < 0.82:
            self.inform(p)
        return p

    # the directory ---------------------------------------------------------------------------

    def build(self) -> None:
        for school in SCHOOLS:
            same_academie = [s for s in SCHOOLS if s[3] == school[3] and s is not school]
            for _ in range(self.families_per_school):
                self.family(school, same_academie)
        self.anomalies()
        self.scripted()

    def family(self, school: tuple, same_academie: list[tuple]) -> None:
        name = self.fake.last_name()
        children = [
            self.eleve(school, name) for _ in range(self.rng.choices([1, 2, 3], [60, 30, 10])[0])
        ]
        if self.rng.random() < 0.12:
            children.append(self.eleve(self.rng.choice(same_academie), name))
        parents = [self.parent(school, name, female=True)]
        if self.rng.random() < 0.75:
            other = name if self.rng.random() < 0.6 else self.fake.last_name()
            parents.append(self.parent(school, other, female=False))
        for p in parents:
            for child in children:
                status = "confirme" if p.state in (ACTIVE, EN_COURS) else "non_confirme"
                relation = (
                    "Représentant légal" if self.rng.random() < 0.97 else "Personne en charge"
                )
                self.links.append(DemoLink(p, child, relation, status))

    def links_of(self, p: Person) -> list[DemoLink]:
        return [link for link in self.links if link.responsable is p]
