"""What the FAQ search compares: parents' words reduced to the FAQ's own.

A text becomes a list of terms. Each term is a tuple of keys, any of which may match a key of
a question:

- words are cut as in helpdesk.core.text (lower case, elisions dropped) and folded (no accents);
- each word gives its Snowball stems computed with and without accents ("refusée" and "refusee"
  both give "refus");
- the vocabulary of content/faq.md (its "synonymes:" lines) gathers everyday words and phrases
  with the FAQ's words: "changer", "mettre à jour" and "modifier" share the key "@modifier";
  a phrase of several words ("nom d'utilisateur", "mot de passe") is one term in a query; in a
  question it also keeps its own words, so that "date refusée" still meets "date de naissance";
- a query word the FAQ does not know is corrected to the nearest known word (one typing error,
  two in a long word: "identifinat", "naisance", "confirmasion");
- neighbouring words also make a pair key ("pas>compt"): "je n'ai pas de compte" is more than
  "compte".
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache

from helpdesk.core.text import STOP_WORDS, fold, stems

_WORD = re.compile(r"[^\W_]+")
_ELISION = re.compile(r"\b(?:[ldjmtsnc]|qu|jusqu|lorsqu|puisqu)['’]")
# "pas" says something ("je n'ai pas reçu", "pas de compte"); greetings and fillers do not.
STOP = (STOP_WORDS - {"pas", "plus"}) | frozenset(
    """bonjour bonsoir salut merci svp stp cordialement madame monsieur aide aider help
    besoin svp voudrais voudrait souhaite souhaiterais aimerais sais savoir quand alors
    donc deja encore tout toute tous bien tres trop car si ça ca cela ceci celle celui
    the and to my""".split()
)
PAIR_PREFIX = ">"
CONCEPT = "@"
MIN_FUZZY_LENGTH = 5  # shorter words are too often other words one letter away
MAX_CORRECTIONS = 20_000  # words remembered with their correction
LONG_WORD = 9  # from this length a word may carry two typing errors
CORRECTED_WEIGHT = 0.5  # a corrected word counts half: the correction may be wrong

Term = tuple[str, ...]  # the keys of one word or phrase: any of them may match


def split_words(text: str) -> list[str]:
    """Folded words, elisions and hyphens removed: "L'établissement" → ["etablissement"]."""
    lowered = _ELISION.sub(" ", text.lower().replace("-", " ").replace("’", "'"))
    return [fold(word) for word in _WORD.findall(lowered)]


@lru_cache(maxsize=50_000)
def word_keys(word: str) -> tuple[str, ...]:
    """The stems of a folded word. The accented form is lost once folded, but the stem of the
    word as French writes it is found back for the usual endings (-é, -ée, -ées, -és)."""
    keys = set(stems(word))
    for ending, accented in (("ees", "ées"), ("ee", "ée"), ("es", "és"), ("e", "é")):
        if word.endswith(ending) and len(word) > len(ending) + 2:
            keys.update(stems(word[: -len(ending)] + accented))
            break
    return tuple(sorted(keys))


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """The stem of a folded word: how the vocabulary's words and phrases are matched, so that
    "changer", "change" and "changement" are one word of the group."""
    return stems(word)[-1]


def _deletions(word: str, depth: int) -> set[str]:
    found, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


class Analyzer:
    """Turns text into terms, with the vocabulary of content/faq.md."""

    def __init__(self, synonyms: list[list[str]]):
        # phrase (tuple of stems) → concept key; single words are phrases of one word
        self._phrases: dict[tuple[str, ...], str] = {}
        self._longest = 1
        self._known: dict[str, int] = {}  # folded word → how often the content uses it
        for group in synonyms:
            self.learn(" ".join(group))
            concept = CONCEPT + "_".join(split_words(group[0]))
            for entry in group:
                words = split_words(entry)
                if len(words) == 1:  # every stem of a single word: "oubliée", "oubliee"
                    for key in {stem(words[0]), *word_keys(words[0])}:
                        self._phrases[(key,)] = concept
                elif words:
                    self._phrases[tuple(map(stem, words))] = concept
                    self._longest = max(self._longest, len(words))
        self._known_keys: set[str] = set()
        self._deletes: dict[str, list[str]] = {}
        self._corrections: dict[str, str] = {}

    def learn(self, text: str) -> None:
        """Words of the content: those a misspelt query word may be corrected to."""
        for word in split_words(text):
            if word not in STOP and len(word) >= MIN_FUZZY_LENGTH and not word.isdigit():
                self._known[word] = self._known.get(word, 0) + 1

    def freeze(self) -> None:
        """Index the known words by their deletions (one or two letters), for correction."""
        self._deletes = {}
        for word in self._known:
            depth = 2 if len(word) >= LONG_WORD else 1
            for variant in _deletions(word, depth):
                self._deletes.setdefault(variant, []).append(word)
        self._known_keys = {key for word in self._known for key in word_keys(word)}
        self._corrections = {}

    def forget_corrections(self) -> None:
        self._corrections = {}

    def correct(self, word: str) -> str:
        """The known word nearest to an unknown one, or the word itself."""
        corrected = self._corrections.get(word)
        if corrected is None:
            if len(self._corrections) >= MAX_CORRECTIONS:  # queries are anyone's words
                self._corrections.clear()
            corrected = self._corrections[word] = self._nearest(word)
        return corrected

    def _nearest(self, word: str) -> str:
        if word in self._known or word in STOP or len(word) < MIN_FUZZY_LENGTH:
            return word
        if any(key in self._known_keys for key in word_keys(word)) or word.isdigit():
            return word
        depth = 2 if len(word) >= LONG_WORD else 1
        best: tuple[int, int, str] | None = None
        for variant in _deletions(word, depth):
            for candidate in self._deletes.get(variant, ()):
                distance = _distance(word, candidate)
                if distance <= depth:
                    rank = (distance, -self._known[candidate], candidate)
                    if best is None or rank < best:
                        best = rank
        return best[2] if best else word

    def _terms(
        self, words: list[str], corrected: frozenset[int] = frozenset()
    ) -> tuple[list[Term], list[Term], list[float]]:
        """(the terms, the words of the phrases that became one term, the terms' weights: a
        corrected word weighs less, the correction may be wrong)."""
        terms: list[Term] = []
        parts: list[Term] = []
        weights: list[float] = []
        stemmed = [stem(word) for word in words]
        i = 0
        while i < len(words):
            for size in range(min(self._longest, len(words) - i), 0, -1):
                concept = self._phrases.get(tuple(stemmed[i : i + size]))
                if concept is not None:
                    break
            else:
                size = 1
                concept = next(
                    (c for k in word_keys(words[i]) if (c := self._phrases.get((k,)))), None
                )
            if concept is not None and size > 1:
                terms.append((concept,))
                parts += [word_keys(w) for w in words[i : i + size] if w not in STOP]
            elif words[i] not in STOP:
                keys = word_keys(words[i])
                terms.append((*keys, concept) if concept else keys)
            else:
                i += size
                continue
            weights.append(CORRECTED_WEIGHT if corrected & set(range(i, i + size)) else 1.0)
            i += size
        return terms, parts, weights

    def query_terms(self, text: str) -> list[tuple[Term, float]]:
        """The terms of a parent's query and their weights: words corrected, synonyms
        joined, pairs of neighbours."""
        words, corrected = [], set()
        for position, word in enumerate(split_words(text)):
            fixed = word if word in self._known else self.correct(word)
            if fixed != word:
                corrected.add(position)
            words.append(fixed)
        terms, _, weights = self._terms(words, frozenset(corrected))
        weighted: dict[Term, float] = {}
        for term, weight in [*zip(terms, weights, strict=True), *((p, 1.0) for p in pairs(terms))]:
            weighted[term] = max(weight, weighted.get(term, 0.0))
        return list(weighted.items())

    def document_terms(self, text: str) -> Counter[str]:
        """The keys of a question's text, counted."""
        terms, parts, _ = self._terms(split_words(text))
        counts: Counter[str] = Counter(key for term in terms + parts for key in term)
        counts.update(key for pair in pairs(terms) for key in pair)
        return counts


def pairs(terms: list[Term]) -> list[Term]:
    """A key for each pair of neighbouring terms (or with one term between them: "changer
    mon email" meets "modifier mon adresse mail"), every combination of their keys."""
    result = []
    for gap in (1, 2):
        for first, second in zip(terms, terms[gap:], strict=False):
            result.append(tuple(f"{a}{PAIR_PREFIX}{b}" for a in first for b in second))
    return result


def _distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Levenshtein with transpositions)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]
