"""Finding the académie of a family from what a parent types in « Trouver mon académie »: a
département (45, 2A, 974, or its name), a postcode, a commune's name, or a school's UAI."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from helpdesk.contacts.academies import Academie, Academies, OutsideCollectivity
from helpdesk.contacts.lieux import Commune, Departement, cle, load_lieux
from helpdesk.contacts.uai import UaiError, uai_place

NBSP = "\u00a0"
MAX_LENGTH = 100
MAX_CHOICES = 12
CHOICES_MESSAGE = "Plusieurs lieux correspondent à votre saisie\u00a0: choisissez le vôtre."
PREFIX_LIMIT = 200
BIG_TOWN = 20_000  # inhabitants: a town a parent may name by the start of its name
_DEPARTEMENT = re.compile(r"^(?:\d{1,3}|2[AB])$")
_POSTCODE = re.compile(r"^\d{5}$")
_UAI_LIKE = re.compile(r"^\d{6,8}[A-Z]?$")
# « Saint-Denis 93 », « Saint-Denis (93) », « Tours 37000 »: a name and where it is.
_NAME_AND_PLACE = re.compile(r"^(.*?[^\d\s(,])[\s,(]+(\d{1,3}|2[AB]|\d{5})\)?$", re.I)
_CORSE = ("2A", "2B")


@dataclass(frozen=True)
class Choice:
    """One of the places an ambiguous name may mean, and where it leads."""

    lieu: str  # « Saint-Denis, Seine-Saint-Denis (93) »
    recherche: str  # what to search for to get this one only: « Saint-Denis 93 »
    academie: Academie | None = None
    outside: OutsideCollectivity | None = None

    @property
    def destination(self) -> str:
        if self.outside:
            return self.outside.organisme
        return lower_first(self.academie.nom_complet) if self.academie else ""


@dataclass(frozen=True)
class Found:
    academie: Academie | None = None
    outside: OutsideCollectivity | None = None
    error: str = ""
    uai: str = ""
    lieu: str = ""  # the place the input designates, in words
    departements: tuple[Departement, ...] = ()
    note: str = ""  # what a parent must know besides: Corse's two départements, Saint-Martin…
    choices: tuple[Choice, ...] = ()


def lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def find_academie(academies: Academies, typed: str) -> Found:
    """What a parent typed: a département (45, 2A, 974, « Loiret »), a postcode (45000), a
    commune (« Tours », « saint etienne »), an académie's name, or a school's UAI (0450782F)."""
    text = " ".join(typed.split())
    value = text.replace(" ", "").upper()
    if not value:
        return Found(
            error="Saisissez le nom de votre commune, son code postal, le numéro de votre "
            "département ou le code UAI de l'établissement."
        )
    if len(text) > MAX_LENGTH:
        return Found(error=f"Saisissez au plus {MAX_LENGTH} caractères.")
    if value == "20":
        return corse(academies)
    if _DEPARTEMENT.match(value):
        return from_departement_code(academies, value)
    if _POSTCODE.match(value):
        return from_postcode(academies, value)
    if _UAI_LIKE.match(value):
        try:
            place = uai_place(value)
        except UaiError as error:
            return Found(error=str(error))
        return from_uai_place(academies, place.uai, place.departement)
    if any(c.isalpha() for c in value):
        return from_name(academies, text)
    return Found(
        error="Saisissez le nom de votre commune (par exemple Tours), son code postal "
        "(45000), le numéro de votre département (45, 2A, 974) ou un code UAI de 7 chiffres "
        "suivis d'une lettre (0450782F)."
    )


def corse(academies: Academies) -> Found:
    lieux = load_lieux()
    departements = tuple(lieux.departement(code) for code in _CORSE)
    return Found(
        academie=academies.by_departement("2A"),
        lieu=" et ".join(d.libelle for d in departements),
        departements=departements,
        note=f"«{NBSP}20{NBSP}» n'est plus un numéro de département{NBSP}: la Corse en compte "
        "deux, tous deux dans l'académie de Corse.",
    )


def from_departement_code(academies: Academies, value: str) -> Found:
    code = value.zfill(2) if value.isdigit() and len(value) < 2 else value
    departement = load_lieux().departement(code)
    if departement is None:
        return Found(
            error=f"Le département {value} n'existe pas. Exemples{NBSP}: 45, 2A, 974. Vous "
            "pouvez aussi saisir le nom de votre commune ou son code postal."
        )
    return at_departement(academies, departement, departement.libelle)


def at_departement(academies: Academies, departement: Departement, lieu: str) -> Found:
    """The académie, or the vice-rectorat, that a place of this département turns to."""
    code = departement.code
    outside = academies.outside_by_departement(code)
    if outside:
        return Found(outside=outside, lieu=lieu, departements=(departement,))
    rattachement = academies.rattachement(code)
    if rattachement:
        academie = academies.get(rattachement.academie)
        return Found(
            academie=academie,
            lieu=lieu,
            departements=(departement,),
            note=f"{rattachement.nom} n'est pas un département et n'a pas d'académie propre"
            f"{NBSP}: ses écoles et ses établissements relèvent de "
            f"l'{lower_first(academie.nom_complet)}.",
        )
    academie = academies.by_departement(code)
    if academie is None:
        return Found(
            lieu=lieu,
            departements=(departement,),
            error=f"{departement.libelle}{NBSP}: aucune académie n'y a d'école ni d'établissement.",
        )
    return Found(academie=academie, lieu=lieu, departements=(departement,))


def from_postcode(academies: Academies, postcode: str) -> Found:
    communes = load_lieux().par_code_postal(postcode)
    if not communes:
        return Found(
            error=f"Le code postal {postcode} ne correspond à aucune commune. Vérifiez-le, ou "
            "saisissez le nom de votre commune ou le numéro de votre département."
        )
    by_departement: dict[str, list[Commune]] = {}
    for commune in communes:
        by_departement.setdefault(commune.departement.code, []).append(commune)
    places = [
        (group_label(group), group[0].departement, code) for code, group in by_departement.items()
    ]
    found = resolve(academies, places)
    if found.choices or found.error:
        return found
    return replace(
        found, lieu=f"Code postal {postcode}{NBSP}: " + f"{NBSP}; ".join(p[0] for p in places)
    )


def group_label(communes: list[Commune], limit: int = 3) -> str:
    """« Valserhône, Injoux-Génissiat, Léaz…, Ain (01) »: communes of one département."""
    if len(communes) == 1:
        return communes[0].libelle
    shown = ", ".join(c.nom for c in communes[:limit])
    return f"{shown}{'…' if len(communes) > limit else ''}, {communes[0].departement.libelle}"


def from_name(academies: Academies, text: str) -> Found:
    """A commune, a département or an académie by its name, maybe followed by where it is; else
    the places whose name begins so (« clermont fer »), to choose from."""
    where = ""
    match = _NAME_AND_PLACE.match(text)
    if match and cle(match.group(1)):
        text, where = match.group(1), match.group(2).upper()
    key = cle(text)
    lieux = load_lieux()
    exact = lieux.par_nom(text)
    places = as_places(exact)
    for academie in academies.all:
        if key in (cle(academie.nom), cle(academie.nom_complet)):
            for code in academie.departements:
                places.append((academie.nom_complet, lieux.departement(code), code))
    begun = not places
    if begun:
        places = as_places(lieux.commencant_par(text, limit=PREFIX_LIMIT))
    elif all(isinstance(p, Commune) for p in exact) and len(places) == len(exact):
        # « aix » is a village of Corrèze, but a parent may well mean Aix-en-Provence
        biggest = max(p.population for p in exact)
        towns = [
            p
            for p in lieux.commencant_par(text, limit=PREFIX_LIMIT)
            if isinstance(p, Commune)
            and cle(p.nom) != key
            and p.population >= BIG_TOWN
            and p.population > biggest
        ]
        places += as_places(towns)
        begun = bool(towns)
    if where:
        wanted = where.zfill(2) if len(where) < 2 else where
        places = [
            p for p in places if p[1].code == wanted or (len(where) == 5 and at_postcode(p, where))
        ]
    if not places:
        return Found(
            error=f"Nous ne trouvons aucune commune ni aucun département nommé «{NBSP}{text}{NBSP}». "
            "Vérifiez l'orthographe, ou saisissez le code postal de votre commune ou le numéro "
            "de votre département."
        )
    return resolve(academies, places, choose=begun and len(places) > 1)


def as_places(found: list[Departement | Commune]) -> list[tuple[str, Departement, str]]:
    """(what to show, the département, what to search for this place alone)."""
    return [
        (p.libelle, p.departement, f"{p.nom} {p.departement.code}")
        if isinstance(p, Commune)
        else (p.libelle, p, p.code)
        for p in found
    ]


def at_postcode(place: tuple[str, Departement, str], postcode: str) -> bool:
    return any(cle(c.libelle) == cle(place[0]) for c in load_lieux().par_code_postal(postcode))


def resolve(
    academies: Academies, places: list[tuple[str, Departement, str]], choose: bool = False
) -> Found:
    """One answer when every place leads to the same académie (or vice-rectorat), else (or when
    asked to choose) the choices, one per place: (what to show, its département, what to search
    for it alone)."""
    answers = [(at_departement(academies, dep, lieu), recherche) for lieu, dep, recherche in places]
    targets = {destination_key(found) for found, _ in answers}
    if len(targets) == 1 and not choose:
        found = answers[0][0]
        departements = tuple(dict.fromkeys(d for f, _ in answers for d in f.departements))
        return replace(found, departements=departements)
    choices = tuple(
        Choice(lieu=found.lieu, recherche=recherche, academie=found.academie, outside=found.outside)
        for found, recherche in answers[:MAX_CHOICES]
        if found.academie or found.outside
    )
    return Found(choices=choices)


def destination_key(found: Found) -> str:
    if found.outside:
        return "hors:" + found.outside.nom
    return found.academie.slug if found.academie else "aucune:" + found.error


def from_uai_place(academies: Academies, uai: str, departement: str) -> Found:
    outside = academies.outside_by_uai_prefix(uai[:3])
    if outside:
        return Found(outside=outside, uai=uai, lieu=outside.nom)
    academie = academies.by_departement(departement)
    if academie is None:
        return Found(
            uai=uai,
            error=f"Le code UAI {uai} ne correspond à aucune académie{NBSP}: vérifiez-le, ou "
            "adressez-vous directement à l'établissement.",
        )
    lieu_departement = load_lieux().departement(departement)
    return Found(
        academie=academie,
        uai=uai,
        lieu=f"Établissement {uai}" + (f", {lieu_departement.libelle}" if lieu_departement else ""),
        departements=(lieu_departement,) if lieu_departement else (),
    )


def academie_of_uai(academies: Academies, uai: str) -> Academie | None:
    """The académie of a valid UAI, or None when it lies outside every académie."""
    place = uai_place(uai)
    return from_uai_place(academies, place.uai, place.departement).academie


AUDIENCES = ("premier_degre", "second_degre", "etablissements")
OVERRIDES_TTL = 15.0  # seconds: other processes see a supervisor's change within this delay


class ContactOverrides:
    """What supervisors changed in the contact cards, {académie: {audience: row}}, cached for a
    few seconds: the contact page and the académies API are read far more often than a card is
    edited. One per app (its state)."""

    def __init__(self):
        self.rows: dict[str, dict[str, dict]] = {}
        self.loaded_at = -OVERRIDES_TTL

    async def all(self) -> dict[str, dict[str, dict]]:
        import time

        from helpdesk.contacts.tables import ContactOverride

        if time.monotonic() - self.loaded_at > OVERRIDES_TTL:
            rows: dict[str, dict[str, dict]] = {}
            for row in await ContactOverride.select():
                rows.setdefault(row["academie"], {})[row["audience"]] = row
            self.rows, self.loaded_at = rows, time.monotonic()
        return self.rows

    async def apply(self, academie: Academie) -> Academie:
        """The académie with the contact details its supervisors changed."""
        from dataclasses import replace

        from helpdesk.contacts.academies import Modality

        rows = (await self.all()).get(academie.slug, {})
        changes = {
            audience: Modality(
                row["formulaire"], row["telephone"], row["courriel"], row["consigne"]
            )
            for audience, row in rows.items()
            if audience in AUDIENCES
        }
        return replace(academie, **changes) if changes else academie

    async def save(self, academie: str, audience: str, modality: dict[str, str]) -> None:
        from helpdesk.contacts.tables import ContactOverride

        await ContactOverride.delete().where(
            (ContactOverride.academie == academie) & (ContactOverride.audience == audience)
        )
        await ContactOverride.insert(
            ContactOverride(academie=academie, audience=audience, **modality)
        )
        self.loaded_at = -OVERRIDES_TTL  # this process shows it at once
