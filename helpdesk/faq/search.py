"""FAQ search in parents' words.

BM25 over the terms of helpdesk.faq.analysis (stems without accents, the vocabulary's synonyms,
corrected typing errors, pairs of neighbouring words), where a question is its title, the ways
parents say it (its "recherche:" lines) and its answer, the first two weighing more. Then:

- the category the triage model reads in the query lifts the answers of that category (a
  question's category: the triage's list of answers per category), by its confidence;
- the audience: the pupils' answers go after the parents' ones unless the query says the
  writer is a pupil ("je suis élève", "je suis en 4e"…), and then they go first;
- a cut-off: answers far below the best one, or whose score is weak in itself, are not listed,
  nor more than MAX_RESULTS.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from helpdesk.faq.analysis import Analyzer, Term
from helpdesk.faq.content import Question
from helpdesk.text import fold

HEAD_WEIGHT = 2.0  # the question and the ways parents say it, against its answer
K1 = 1.2
HEAD_B = 0.3  # a question said many ways is not penalised much for its length
BODY_B = 0.75
CATEGORY_BOOST = 0.6  # an answer of the query's category gains up to 60 % (× confidence)
AUDIENCE_PENALTY = 0.5  # the other audience's answers keep half their score
MIN_RELATIVE_SCORE = 0.5  # answers below half the best one mostly share a common word with it
MIN_SCORE = 5.0  # below this, even the best answer shares only a common word with the query
MAX_RESULTS = 6
MAX_QUERY_TERMS = 200  # the triage searches the start of long messages: enough words

_PUPIL = re.compile(
    r"\b(?:je suis|j suis|chui|moi|en tant qu)\s+(?:un |une |l |en tant qu )?"
    r"(?:eleve|collegien|collegienne|lyceen|lyceenne)s?\b"
    r"|\bje suis (?:en |au )?(?:[3456] ?(?:e|eme|em)|seconde|2nde|premiere|1ere|terminale|tle|"
    r"sixieme|cinquieme|quatrieme|troisieme|college|lycee)\b"
    r"|\bmon (?:prof|professeur|pp)\b|\bmon compte (?:d )?eleve\b"
)

CategoryGuess = Callable[[str], tuple[str, float]]


@dataclass
class Hit:
    question: Question
    score: float


def audience_of(text: str) -> str:
    """ "eleve" when the writer says they are a pupil, else "parent"."""
    folded = fold(text).replace("'", " ").replace("’", " ")
    return "eleve" if _PUPIL.search(folded) else "parent"


class _Field:
    """BM25 over one field of every question (its head, or its answer)."""

    def __init__(self, docs: list[Counter[str]], b: float):
        self.docs = docs
        lengths = [sum(doc.values()) for doc in docs]
        average = sum(lengths) / max(len(docs), 1) or 1
        self.norms = [K1 * (1 - b + b * length / average) for length in lengths]
        frequency: Counter[str] = Counter()
        for doc in docs:
            frequency.update(doc.keys())
        n = len(docs)
        self.idf = {key: math.log(1 + (n - f + 0.5) / (f + 0.5)) for key, f in frequency.items()}

    def score(self, terms: list[tuple[Term, float]], index: int) -> float:
        doc, norm, idf, score = self.docs[index], self.norms[index], self.idf, 0.0
        for term, weight in terms:
            best = 0.0
            for key in term:
                freq = doc.get(key, 0)
                if freq:
                    best = max(best, idf[key] * freq * (K1 + 1) / (freq + norm))
            score += weight * best
        return score


class FaqIndex:
    def __init__(
        self,
        questions: list[Question],
        synonyms: Sequence[list[str]] = (),
        category_of: CategoryGuess | None = None,
        category_answers: Mapping[str, Sequence[str]] | None = None,
    ):
        self.questions = questions
        self.analyzer = Analyzer(list(synonyms))
        self.category_of = category_of
        self._by_category = {c: set(slugs) for c, slugs in (category_answers or {}).items()}
        for question in questions:
            for text in (question.title, question.answer_text, *question.paraphrases):
                self.analyzer.learn(text)
        self.analyzer.freeze()
        heads, bodies = [], []
        for question in questions:
            head = self.analyzer.document_terms(question.title)
            for paraphrase in question.paraphrases:
                head.update(self.analyzer.document_terms(paraphrase))
            heads.append(head)
            bodies.append(self.analyzer.document_terms(question.answer_text))
        self._head = _Field(heads, HEAD_B)
        self._body = _Field(bodies, BODY_B)

    def _score(self, terms: list[tuple[Term, float]], index: int) -> float:
        return HEAD_WEIGHT * self._head.score(terms, index) + self._body.score(terms, index)

    def search(
        self, query: str, limit: int | None = None, category: tuple[str, float] | None = None
    ) -> list[Hit]:
        """The answers to a query, best first. `category`: the triage's (category, confidence)
        when the caller has it already; else the index asks its own `category_of`."""
        terms = self.analyzer.query_terms(query)[:MAX_QUERY_TERMS]
        if not terms:
            return []
        hits: list[Hit] = []
        for index, question in enumerate(self.questions):
            score = self._score(terms, index)
            if score > 0:
                hits.append(Hit(question, score))
        if not hits:
            return []
        if category is None and self.category_of is not None:
            category = self.category_of(query)
        related = self._by_category.get(category[0], set()) if category else set()
        audience = audience_of(query)
        for hit in hits:
            if hit.question.slug in related:
                hit.score *= 1 + CATEGORY_BOOST * category[1]
            if hit.question.audience != audience:
                hit.score *= AUDIENCE_PENALTY
        hits.sort(key=lambda hit: hit.score, reverse=True)
        floor = max(hits[0].score * MIN_RELATIVE_SCORE, MIN_SCORE)
        hits = [hit for hit in hits if hit.score >= floor][:MAX_RESULTS]
        return hits[:limit] if limit else hits
