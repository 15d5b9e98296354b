"""`helpdesk accounts demo [--seed N]`: a deterministic directory to try the account actions on.

Fictional schools (the names are invented; the UAIs have valid check letters, 0450782F among
them) in Orléans-Tours and Lyon, a few thousand responsables and élèves in every state and
origin, and the anomalies the help desk deals with: birth dates wrong in the base, links
reported wrong, mails never confirmed or bouncing, compromised accounts, a parent with two
accounts to regroup, names that differ from one school to another. Names come from Faker's
`fr_FR` provider seeded with the same seed as the rest: the same seed (and Faker version) gives
the same directory.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from faker import Faker

from helpdesk.accounts.local import AccountRecord, LinkRecord, LocalDirectory
from helpdesk.accounts.port import ACTIVE, EN_COURS, INFORME, NON_INFORME
from helpdesk.accounts.rules import identifier_base, letters_only, provisional_password
from helpdesk.accounts.school_health import school_year_start
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


class DemoBuilder:
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

    def anomalies(self) -> None:
        rng = self.rng
        responsables = [p for p in self.people if p.kind == "responsable"]
        eleves = [p for p in self.people if p.kind == "eleve"]
        by_child: dict[int, list[DemoLink]] = defaultdict(list)
        for link in self.links:
            by_child[link.eleve.key].append(link)
        # Birth dates wrong in the base: day and month swapped; a parent stuck at activation
        # (« La date de naissance saisie est incorrecte ») reported it.
        for child in rng.sample(eleves, len(eleves) * 3 // 100):
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
        # Links reported wrong: « Je ne suis pas le représentant légal de cet élève ».
        for p in rng.sample(responsables, len(responsables) * 2 // 100):
            strangers = [e for e in self.eleves_by_school[p.uai] if e.last_name != p.last_name]
            if strangers:
                self.links.append(DemoLink(p, rng.choice(strangers), status="signale_errone"))
                p.flags.add("rattachement_signale_errone")
        with_mail = [p for p in responsables if p.email]
        # Mails that bounce.
        for p in rng.sample(with_mail, len(with_mail) * 2 // 100):
            p.flags.add("adresse_mail_en_erreur")
        # A change of address never confirmed.
        active_mail = [p for p in with_mail if p.state == ACTIVE and not p.flags]
        for p in rng.sample(active_mail, len(active_mail) * 3 // 100):
            p.pending_email = self.email_for(p)
        # Compromised accounts: their password was changed for security (guide §2).
        active = [p for p in self.people if p.state == ACTIVE and not p.flags]
        for p in rng.sample(active, len(active) // 100):
            p.flags.add("compromis")
            p.password_kind = ""
        # A parent with an activated account elsewhere, and a new account for one child at
        # another school: « Il doit alors rattacher l'élève à son compte » (guide 5.1).
        candidates = [
            p
            for p in responsables
            if p.state == ACTIVE and not p.flags and len(self.links_of(p)) >= 2
        ]
        for p in rng.sample(candidates, min(len(candidates), len(responsables) // 70)):
            moved = self.links_of(p)[-1]
            twin = self.person(
                "responsable", p.first_name, p.last_name, p.birth_name, moved.eleve.uai
            )
            twin.mobile, twin.email = p.mobile, p.email
            moved.responsable, moved.status = twin, "non_confirme"
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


def dashboard_facts(builder: DemoBuilder, seed: int, today: dt.datetime) -> None:
    """What the schools' dashboard reads (guide §2), drawn with a generator of its own so that
    the rest of the directory stays the same for a seed: MEF, mobiles confirmed, and dates of
    information and connection moved into the current school year, up to `today`."""
    rng = random.Random(seed * 7919 + 1)
    rentree = dt.datetime.combine(school_year_start(today.date()), REFERENCE_DAY.timetz())
    elapsed = max(today - rentree, dt.timedelta(hours=1))

    def this_year(when: dt.datetime) -> dt.datetime:
        # The builder spreads its dates over 200 days after its rentrée: into this year's.
        moved = rentree + (when - REFERENCE_DAY) * (elapsed / dt.timedelta(days=200))
        return min(moved, today - dt.timedelta(minutes=5))

    for p in builder.people:
        p.mef = MEFS.get(p.classe.split(" ")[0], "") if p.classe else ""
        if p.last_informed_at:
            p.last_informed_at = this_year(p.last_informed_at)
        if p.last_login_at:
            if rng.random() < 0.65:  # some have not come back since last year
                p.last_login_at = this_year(p.last_login_at)
            else:
                p.last_login_at = rentree - dt.timedelta(days=rng.randrange(1, 300), hours=3)
        if p.kind == "responsable" and p.mobile and p.state == ACTIVE:
            # Auto-inscription confirms the mobile by an SMS code (guide 1.1).
            p.mobile_confirmed = p.origin == "Responsable" or rng.random() < 0.4
    activation_dates(builder.people, random.Random(seed * 7919 + 2), rentree, today)


def activation_dates(
    people: list[Person], rng: random.Random, rentree: dt.datetime, today: dt.datetime
) -> None:
    """When the active accounts were activated (guide §6, over time): in an earlier year for
    those not connected since the rentrée and for many of the older pupils and of the parents;
    since the rentrée for the others, most in its first weeks (the letters are handed out then),
    never after their last connection. A generator of its own: the rest stays the same for a
    seed."""
    elapsed = today - rentree
    for p in people:
        if p.state != ACTIVE or not p.last_login_at:
            continue
        new_here = p.classe.split(" ")[0] in ("6e", "2nde")  # a pupil's first year there
        earlier = 0.15 if new_here else 0.6 if p.kind == "eleve" else 0.5
        if p.last_login_at < rentree or rng.random() < earlier:
            p.activated_at = min(p.last_login_at, rentree) - dt.timedelta(
                days=rng.randrange(1, 700), minutes=rng.randrange(600)
            )
        else:
            p.activated_at = min(rentree + elapsed * rng.random() ** 2, p.last_login_at)


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
    records = [
        AccountRecord(
            key=p.key,
            kind=p.kind,
            first_name=p.first_name,
            last_name=p.last_name,
            uai=p.uai,
            birth_name=p.birth_name,
            state=p.state,
            origin=p.origin,
            email=p.email,
            email_confirmed=p.email_confirmed,
            pending_email=p.pending_email,
            mobile=p.mobile,
            birth_date=p.birth_date,
            ine=p.ine,
            classe=p.classe,
            mef=p.mef,
            mobile_confirmed=p.mobile_confirmed,
            flags=p.flags,
            provisional=p.provisional,
            password_kind=p.password_kind,
            last_informed_at=p.last_informed_at,
            last_login_at=p.last_login_at,
            activated_at=p.activated_at,
            identifier=p.identifier,
        )
        for p in builder.people
    ]
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
