"""The académies of France, from content/academies.toml, and routing to the right one."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from helpdesk import PROJECT_DIR

ACADEMIES_PATH = PROJECT_DIR / "content" / "academies.toml"


@dataclass(frozen=True)
class Modality:
    """How families (or schools) reach the académie's assistance for one degré."""

    formulaire: str = ""
    telephone: str = ""
    courriel: str = ""
    consigne: str = ""

    @property
    def is_known(self) -> bool:
        return bool(self.formulaire or self.telephone or self.courriel)


@dataclass(frozen=True)
class Academie:
    slug: str
    code: str
    prefix: str
    nom: str
    nom_complet: str
    region: str
    departements: tuple[str, ...]
    site: str
    premier_degre: Modality = field(default_factory=Modality)
    second_degre: Modality = field(default_factory=Modality)
    etablissements: Modality = field(default_factory=Modality)

    def as_api(self) -> dict:
        def modality(m: Modality) -> dict:
            return {
                "formulaire": m.formulaire or None,
                "telephone": m.telephone or None,
                "courriel": m.courriel or None,
                "consigne": m.consigne or None,
            }

        return {
            "slug": self.slug,
            "code": self.code,
            "prefix": self.prefix,
            "name": self.nom_complet,
            "short_name": self.nom,
            "region": self.region,
            "departements": list(self.departements),
            "site": self.site,
            "modalities": {
                "premier_degre": modality(self.premier_degre),
                "second_degre": modality(self.second_degre),
                "etablissements": modality(self.etablissements),
            },
        }


@dataclass(frozen=True)
class OutsideCollectivity:
    """An overseas collectivity with its own vice-rectorat: outside the académies' help desk."""

    nom: str
    sujet: str  # the name at the head of a sentence, with its article: « La Nouvelle-Calédonie »
    organisme: str  # after « au » / « du » : « vice-rectorat de la Nouvelle-Calédonie »
    prefixe_uai: str
    departement: str
    site: str

    @property
    def message(self) -> str:
        return f"{self.sujet} ne relève d'aucune académie\u00a0: adressez-vous au {self.organisme}."


@dataclass(frozen=True)
class Rattachement:
    """A collectivity that is no département but whose schools belong to an académie."""

    nom: str
    departement: str
    academie: str  # slug


class Academies:
    def __init__(
        self,
        academies: list[Academie],
        outside: list[OutsideCollectivity],
        rattachements: list[Rattachement] = (),
    ):
        self.all = sorted(academies, key=lambda a: a.slug)
        self.outside = outside
        self.rattachements = {r.departement: r for r in rattachements}
        self._by_slug = {a.slug: a for a in self.all}
        self._by_departement = {d: a for a in self.all for d in a.departements}

    def get(self, slug: str) -> Academie | None:
        return self._by_slug.get(slug)

    def by_departement(self, code: str) -> Academie | None:
        return self._by_departement.get(normalise_departement(code))

    def rattachement(self, departement: str) -> Rattachement | None:
        """Saint-Barthélemy (977), Saint-Martin (978): their académie is another's."""
        return self.rattachements.get(departement.strip())

    def outside_by_departement(self, code: str) -> OutsideCollectivity | None:
        """By INSEE code: 975, 986, 987, 988."""
        return next((c for c in self.outside if c.departement == code.strip()), None)

    def outside_by_uai_prefix(self, prefix: str) -> OutsideCollectivity | None:
        """By the first 3 characters of a school's UAI: 975, 983, 984, 987."""
        return next((c for c in self.outside if c.prefixe_uai == prefix.strip()), None)


def normalise_departement(code: str) -> str:
    """ "1" → "01", "2a" → "2A", " 974 " → "974"."""
    code = code.strip().upper()
    return code.zfill(2) if code.isdigit() and len(code) < 2 else code


def parse_academies(data: dict) -> Academies:
    academies = [
        Academie(
            slug=entry["slug"],
            code=entry["code"],
            prefix=entry["prefix"],
            nom=entry["nom"],
            nom_complet=entry["nom_complet"],
            region=entry["region"],
            departements=tuple(entry["departements"]),
            site=entry["site"],
            premier_degre=Modality(**entry.get("premier_degre", {})),
            second_degre=Modality(**entry.get("second_degre", {})),
            etablissements=Modality(**entry.get("etablissements", {})),
        )
        for entry in data["academie"]
    ]
    outside = [OutsideCollectivity(**entry) for entry in data.get("hors_perimetre", [])]
    rattachements = [Rattachement(**entry) for entry in data.get("rattachement", [])]
    return Academies(academies, outside, rattachements)


@lru_cache(maxsize=4)
def load_academies(path: Path = ACADEMIES_PATH) -> Academies:
    with path.open("rb") as file:
        return parse_academies(tomllib.load(file))
