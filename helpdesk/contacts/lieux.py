"""The places a parent may type: postcodes, communes and départements of France.

The lists come from donnees/communes.tsv and donnees/departements.tsv, generated once from the
npm package @etalab/decoupage-administratif (INSEE's Code officiel géographique and La Poste's
base officielle des codes postaux, Licence Ouverte 2.0): see donnees/generer.py. Names are
compared without case, accents, hyphens or apostrophes, « St » and « Ste » standing for « Saint »
and « Sainte », and a leading article may be left out (« sables d olonne »).
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DONNEES = Path(__file__).parent / "donnees"
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}
_ARTICLES = ("le ", "la ", "les ", "l ")


def cle(text: str) -> str:
    """The form names are compared in: « Saint-Étienne » and « st etienne » → "saint etienne"."""
    text = text.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def sans_article(key: str) -> str:
    for article in _ARTICLES:
        if key.startswith(article):
            return key[len(article) :]
    return key


@dataclass(frozen=True)
class Departement:
    code: str
    nom: str

    @property
    def libelle(self) -> str:
        return f"{self.nom} ({self.code})"


@dataclass(frozen=True)
class Commune:
    nom: str
    departement: Departement
    population: int
    codes_postaux: tuple[str, ...]

    @property
    def libelle(self) -> str:
        if self.nom == self.departement.nom:  # Paris, Saint-Martin, Saint-Barthélemy
            return self.departement.libelle
        return f"{self.nom}, {self.departement.libelle}"


class Lieux:
    """Départements by code and name, communes by name and postcode."""

    def __init__(self, departements: list[Departement], communes: list[Commune]):
        self.departements = {d.code: d for d in departements}
        self._names: dict[str, list[Departement | Commune]] = defaultdict(list)
        self._short_names: dict[str, list[Departement | Commune]] = defaultdict(list)
        self._postcodes: dict[str, list[Commune]] = defaultdict(list)
        for place in [*departements, *communes]:
            key = cle(place.nom)
            self._names[key].append(place)
            self._short_names[sans_article(key)].append(place)
        for commune in communes:
            for postcode in commune.codes_postaux:
                self._postcodes[postcode].append(commune)

    def departement(self, code: str) -> Departement | None:
        return self.departements.get(code)

    def par_code_postal(self, postcode: str) -> list[Commune]:
        """The communes of a postcode, the most populated first."""
        return sorted(self._postcodes.get(postcode, []), key=lambda c: (-c.population, c.nom))

    def par_nom(self, typed: str) -> list[Departement | Commune]:
        """The départements and communes with that name: exactly, else without a leading article."""
        key = cle(typed)
        if not key:
            return []
        found = self._names.get(key) or self._short_names.get(sans_article(key), [])
        departements = {p for p in found if isinstance(p, Departement)}
        found = [
            p
            for p in found
            if not (
                isinstance(p, Commune)
                and p.nom == p.departement.nom
                and p.departement in departements
            )
        ]
        return sorted(found, key=lambda p: (isinstance(p, Commune), -getattr(p, "population", 0)))


def read_tsv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8") as file:
        return [line.rstrip("\n").split("\t") for line in file if not line.startswith("#")]


@lru_cache(maxsize=2)
def load_lieux(folder: Path = DONNEES) -> Lieux:
    departements = {
        code: Departement(code, nom) for code, nom in read_tsv(folder / "departements.tsv")
    }
    communes = [
        Commune(nom, departements[dep], int(population or 0), tuple(postcodes.split()))
        for nom, dep, population, postcodes in read_tsv(folder / "communes.tsv")
    ]
    return Lieux(list(departements.values()), communes)
