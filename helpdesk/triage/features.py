"""What the triage model sees of a message: stems, 5-letter prefixes, stem pairs, placeholders.

The words come from helpdesk.core.text (lower case, elisions cut, parents' spellings expanded: "mdp",
"jarrive pa", "ddn"…). Each meaningful word gives two features:

- its Snowball stem computed without accents, so "refusée" and "refusee" meet ("refuse");
- its first 5 letters without accents ("p:oubli"), which survives typos and endings the stemmer
  does not know ("oublier", "oublie", "oubliée").

Pairs of neighbouring stems ("date naissanc", "pas recu") keep a little of the word order, and
"pas" is kept although the FAQ search drops it: "je n'ai pas reçu" says something. Dates, phone
numbers, e-mail addresses and identifiers in the p.nom form are replaced by placeholders
("#date", "#tel", "#email", "#identifiant"): the value never matters, its presence does.
"""

from __future__ import annotations

import re

from helpdesk.core.text import STOP_WORDS, fold, stems, words

KEPT = frozenset({"pas"})  # a stop word for search, a clue for triage
# Fillers of every kind of message ("maintenant" also shares its stem with "maintenance").
FILLERS = frozenset({"maintenant", "alors", "aussi", "donc", "merci", "svp", "stp", "cordialement"})
STOP = (STOP_WORDS - KEPT) | FILLERS
PREFIX = 5

_MONTHS = (
    "janvier|fevrier|février|mars|avril|mai|juin|juillet|aout|août|septembre|octobre|"
    "novembre|decembre|décembre"
)
PLACEHOLDERS: list[tuple[str, re.Pattern[str]]] = [
    ("#email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    ("#tel", re.compile(r"(?:\+33\s?|\b0)[1-9](?:[\s.-]?\d{2}){4}\b")),
    (
        "#date",
        re.compile(
            rf"\b\d{{1,2}}\s?[/.-]\s?\d{{1,2}}(?:\s?[/.-]\s?\d{{2,4}})?\b"
            rf"|\b(?:1er|\d{{1,2}})\s+(?:{_MONTHS})\b",
            re.IGNORECASE,
        ),
    ),
    ("#annee", re.compile(r"\b(?:19|20)\d\d\b")),
    ("#identifiant", re.compile(r"\b[a-z]{1,2}\.[a-z][a-z-]+\d*\b", re.IGNORECASE)),
]


def tokens(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(placeholders found, (accent-free stem, accent-free prefix) of each meaningful word)."""
    found: list[str] = []
    for name, pattern in PLACEHOLDERS:
        text, count = pattern.subn(" ", text)
        if count:
            found.append(name)
    kept = [pair for pair in map(_word, words(text)) if pair is not None]
    return found, kept


def _word(word: str) -> tuple[str, str] | None:
    """(accent-free stem, accent-free prefix) of a word, None for a word that says nothing."""
    folded = fold(word)
    if folded in STOP or len(folded) < 2 or folded.isdigit():
        return None
    return stems(word)[-1], folded[:PREFIX]  # the last of the stems is the accent-free one


def features(text: str) -> set[str]:
    """The features of a text, present or not (no counts: a short message says it once)."""
    found, kept = tokens(text)
    result = set(found)
    for stem, prefix in kept:
        result.add(stem)
        result.add("p:" + prefix)
    stemmed = [stem for stem, _ in kept]
    result.update(f"{a} {b}" for a, b in zip(stemmed, stemmed[1:], strict=False))
    return result
