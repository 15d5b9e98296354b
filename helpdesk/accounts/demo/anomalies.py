"""The problems the help desk deals with, drawn among the demo's families: birth dates wrong in
the base, links reported wrong, mails bouncing or never confirmed, compromised accounts, a
parent with two accounts to regroup, names that differ from one school to another; and the
scripted family of the README (Claire and Léo Martin).

Drawn in this order from the builder's generator: the same seed gives the same anomalies."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from helpdesk.accounts.demo.people import SCHOOLS, DemoLink, Person
from helpdesk.accounts.port import ACTIVE


class Anomalies:
    """A part of DemoBuilder (its people, links, generators and helpers)."""

    people: list[Person]
    links: list[DemoLink]
    rng: Any
    fake: Any
    eleves_by_school: dict[str, list[Person]]
    notes: list[str]

    def anomalies(self) -> None:
        responsables = [p for p in self.people if p.kind == "responsable"]
        self.wrong_birth_dates()
        self.reported_links(responsables)
        self.mail_problems(responsables)
        self.compromised()
        self.second_accounts(responsables)
        self.names_that_differ(responsables)

    def wrong_birth_dates(self) -> None:
        # Birth dates wrong in the base: day and month swapped; a parent stuck at activation
        # (« La date de naissance saisie est incorrecte ») reported it.
        eleves = [p for p in self.people if p.kind == "eleve"]
        by_child: dict[int, list[DemoLink]] = defaultdict(list)
        for link in self.links:
            by_child[link.eleve.key].append(link)
        for child in self.rng.sample(eleves, len(eleves) * 3 // 100):
            d = child.birth_date
            if d and d.day <= 12 and d.day != d.month:
                child.birth_date = dt.date(d.year, d.day, d.month)
            elif d:
                child.birth_date = d + dt.timedelta(days=1)
            child.flags.add("date_naissance_signalee_incorrecte")
            if by_child[child.key]:
                parent = by_child[child.key][0].responsable
                parent.flags.add("date_naissance_signalee_incorrecte")
                if parent.state != ACTIVE:
                    self.inform(parent)

    def reported_links(self, responsables: list[Person]) -> None:
        # Links reported wrong: « Je ne suis pas le représentant légal de cet élève ».
        for p in self.rng.sample(responsables, len(responsables) * 2 // 100):
            strangers = [e for e in self.eleves_by_school[p.uai] if e.last_name != p.last_name]
            if strangers:
                self.links.append(DemoLink(p, self.rng.choice(strangers), status="signale_errone"))
                p.flags.add("rattachement_signale_errone")

    def mail_problems(self, responsables: list[Person]) -> None:
        with_mail = [p for p in responsables if p.email]
        # Mails that bounce.
        for p in self.rng.sample(with_mail, len(with_mail) * 2 // 100):
            p.flags.add("adresse_mail_en_erreur")
        # A change of address never confirmed.
        active_mail = [p for p in with_mail if p.state == ACTIVE and not p.flags]
        for p in self.rng.sample(active_mail, len(active_mail) * 3 // 100):
            p.pending_email = self.email_for(p)

    def compromised(self) -> None:
        # Compromised accounts: their password was changed for security (guide §2).
        active = [p for p in self.people if p.state == ACTIVE and not p.flags]
        for p in self.rng.sample(active, len(active) // 100):
            p.flags.add("compromis")
            p.password_kind = ""

    def second_accounts(self, responsables: list[Person]) -> None:
        # A parent with an activated account elsewhere, and a new account for one child at
        # another school: « Il doit alors rattacher l'élève à son compte » (guide 5.1).
        candidates = [
            p
            for p in responsables
            if p.state == ACTIVE and not p.flags and len(self.links_of(p)) >= 2
        ]
        for p in self.rng.sample(candidates, min(len(candidates), len(responsables) // 70)):
            moved = self.links_of(p)[-1]
            twin = self.person(
                "responsable", p.first_name, p.last_name, p.birth_name, moved.eleve.uai
            )
            twin.mobile, twin.email = p.mobile, p.email
            moved.responsable, moved.status = twin, "non_confirme"

    def names_that_differ(self, responsables: list[Person]) -> None:
        # Names that differ from one school to another (regeneration impossible, guide §8).
        spread = [
            p
            for p in responsables
            if len({link.eleve.uai for link in self.links_of(p)}) > 1 and not p.flags
        ]
        for p in spread[: max(3, len(spread) // 5)]:
            link = self.links_of(p)[-1]
            link.names = (p.first_name, f"{p.last_name}-{self.fake.last_name()}")

    def scripted(self) -> None:
        """The family of the README and of tests/helpers.VALID_FORM: Claire Martin cannot
        activate her account, Léo's birth date is wrong in the base (04/03 typed, 03/04 known)."""
        school = SCHOOLS[0]
        leo = self.person(
            "eleve",
            "Léo",
            "Martin",
            "Martin",
            school[0],
            birth_date=dt.date(2014, 4, 3),
            ine=self.ine(),
            classe="6e A",
            flags={"date_naissance_signalee_incorrecte"},
        )
        self.activate(leo, "eleve")
        claire = self.person(
            "responsable",
            "Claire",
            "Martin",
            "Martin",
            school[0],
            email="claire.martin@example.fr",
            mobile="0612345678",
            flags={"date_naissance_signalee_incorrecte"},
        )
        self.inform(claire)
        self.links.append(DemoLink(claire, leo, status="non_confirme"))
        self.notes.append(
            f"Claire Martin ({claire.identifier}, mot de passe provisoire {claire.provisional})\u00a0: "
            f"la date de naissance de Léo ({leo.identifier}) est fausse en base (03/04/2014 au "
            "lieu du 04/03/2014)."
        )
