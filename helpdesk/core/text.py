"""French text for search: fold case and accents, cut into words, reduce words to their stem."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

_stemmer = snowballstemmer.stemmer("french")
_WORD = re.compile(r"[^\W_]+")
# Elisions ("l'adresse", "qu'est-ce", "j'ai") glue a pronoun or article to the word that matters.
_ELISION = re.compile(r"\b(?:[ldjmtsnc]|qu|jusqu|lorsqu|puisqu)['’]")

# Words too common to tell questions apart.
STOP_WORDS = frozenset(
    """a au aux avec ce ces cet cette comment d de des du elle en est et etre il ils je
    j l la le les leur leurs lui ma mais me mes moi mon ne nos notre nous on ou par pas
    pour qu que qui sa se ses son sur ta te tes toi ton tu un une vos votre vous y c s n m t
    ai as avez avons ont suis sont fait faire peux peut puis dois doit veux""".split()
)

# Parents' spellings and abbreviations, expanded before stemming.
SYNONYMS: dict[str, str] = {
    "mdp": "mot de passe",
    "pwd": "mot de passe",
    "password": "mot de passe",
    "login": "identifiant",
    "id": "identifiant",
    "identifiants": "identifiant",
    "mail": "courriel adresse mail",
    "email": "courriel adresse mail",
    "e-mail": "courriel adresse mail",
    "mel": "courriel adresse mail",
    "courriel": "courriel mail",
    "sms": "sms mobile",
    "portable": "mobile",
    "tel": "telephone",
    "educonnect": "educonnect",
    "franceconnect": "franceconnect",
    "ddn": "date naissance",
    "pb": "probleme",
    "pa": "pas",
    "jarrive": "arrive",
    "marche": "fonctionne",
    "bloque": "bloque",
    "enfant": "enfant eleve",
    "gamin": "enfant",
    "fils": "enfant",
    "fille": "enfant",
    # SMS spellings and common misspellings (after fold: no accents, lower case)
    "mot2passe": "mot de passe",
    "motdepasse": "mot de passe",
    "mdps": "mot de passe",
    "identifian": "identifiant",
    "identifient": "identifiant",
    "indentifiant": "identifiant",
    "idantifiant": "identifiant",
    "naissence": "naissance",
    "naisance": "naissance",
    "naissanse": "naissance",
    "educonect": "educonnect",
    "edoconnect": "educonnect",
    "texto": "sms mobile",
    "textos": "sms mobile",
    "num": "numero",
    "nmr": "numero",
    "msg": "message",
    "qqn": "quelqu un",
    "qq1": "quelqu un",
    "pk": "pourquoi",
    "pq": "pourquoi",
    "tjrs": "toujours",
    "tjs": "toujours",
    "mtn": "maintenant",
    "bcp": "beaucoup",
    "ds": "dans",
    "dc": "donc",
    "narrive": "arrive",
    "jarriv": "arrive",
    "arive": "arrive",
    "recoi": "recois",
    "recoit": "recois",
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "slt": "salut",
    "co": "connecter",
}


def fold(text: str) -> str:
    """Lower case without accents: "Réinitialisée" → "reinitialisee"."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=50_000)
def stems(word: str) -> tuple[str, ...]:
    """The stems of a lower-case word, with and without its accents.

    The French stemmer needs the accents ("refusée" → "refus") but parents often type without
    them ("refusee" → "refuse"): both forms are kept so that either spelling meets the other.
    """
    with_accents = fold(_stemmer.stemWord(word))
    without = _stemmer.stemWord(fold(word))
    return (with_accents,) if with_accents == without else (with_accents, without)


def words(text: str) -> list[str]:
    """The lower-case words of a text (accents kept), elisions removed, synonyms expanded."""
    lowered = _ELISION.sub(" ", text.lower().replace("-", " "))
    result: list[str] = []
    for word in _WORD.findall(lowered):
        expansion = SYNONYMS.get(fold(word))
        result.extend(expansion.split() if expansion else [word])
    return result


def terms(text: str) -> list[str]:
    """Stems of the meaningful words: what a search index compares."""
    return [s for word in words(text) if fold(word) not in STOP_WORDS for s in stems(word)]
