"""The places a parent may type: postcodes, communes and départements of France.

The lists come from donnees/communes.tsv and donnees/departements.tsv, generated once from the
npm package @etalab/decoupage-administratif (INSEE's Code officiel géographique and La Poste's
base officielle des codes postaux, Licence Ouverte 2.0): see donnees/generer.py. Names are
compared without case, accents, hyphens or apostrophes, « St » and « Ste » standing for « Saint »
and « Sainte », and a leading article may be left out (« sables d olonne »).
"""

from __future__ import annotations

import bisect
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


def accentue(text: str) -> str:
    """Lower case and spaces only, accents kept: « Loiré » stays apart from « Loire »."""
    return " ".join(re.sub(r"[\W_]+", " ", text.lower()).split())


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
        names: dict[str, list[Departement | Commune]] = defaultdict(list)
        articled: dict[str, list[Departement | Commune]] = defaultdict(list)
        postcodes: dict[str, list[Commune]] = defaultdict(list)
        for place in [*departements, *communes]:
            key = cle(place.nom)
            names[key].append(place)
            if sans_article(key) != key:
                articled[sans_article(key)].append(place)
        for commune in communes:
            for postcode in commune.codes_postaux:
                postcodes[postcode].append(commune)
        self._names, self._articled, self._postcodes = dict(names), dict(articled), dict(postcodes)
        self._sorted_names = sorted(self._names)

    def departement(self, code: str) -> Departement | None:
        return self.departements.get(code)

    def par_code_postal(self, postcode: str) -> list[Commune]:
        """The communes of a postcode, the most populated first."""
        return sorted(self._postcodes.get(postcode, []), key=lambda c: (-c.population, c.nom))

    def par_nom(self, typed: str) -> list[Departement | Commune]:
        """The départements and communes with that name: exactly, else without a leading article
        (« sables d olonne », « le mans »)."""
        key = cle(typed)
        if not key:
            return []
        short = sans_article(key)
        found = self._names.get(key) or (self._names.get(short, []) + self._articled.get(short, []))
        # « Loire » typed with its accents as they are: the département, not Loiré (49)
        same = [p for p in found if accentue(p.nom) == accentue(typed)]
        return self._ordered(same or found)

    def commencant_par(self, typed: str, limit: int) -> list[Departement | Commune]:
        """The places whose name begins with what was typed (« clermont fer », « orlea »), the
        départements first, then the most populated communes."""
        key = cle(typed)
        if len(key) < 3:
            return []
        start = bisect.bisect_left(self._sorted_names, key)
        found: list[Departement | Commune] = []
        for name in self._sorted_names[start:]:
            if not name.startswith(key):
                break
            found.extend(self._names[name])
        return self._ordered(found)[:limit]

    @staticmethod
    def _ordered(places) -> list[Departement | Commune]:
        departements = {p for p in places if isinstance(p, Departement)}
        return sorted(
            (
                p
                for p in places
                if not (
                    isinstance(p, Commune)
                    and p.nom == p.departement.nom
                    and p.departement in departements
                )
            ),
            key=lambda p: (isinstance(p, Commune), -getattr(p, "population", 0)),
        )


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
