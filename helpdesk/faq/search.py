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

from helpdesk.core.text import fold
from helpdesk.faq.analysis import Analyzer, Term
from helpdesk.faq.content import Question

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
    """BM25 over one field of every question (its head, or its answer), as posting lists: each
    key lists the questions that have it with what it adds to their score."""

    def __init__(self, docs: list[Counter[str]], b: float):
        lengths = [sum(doc.values()) for doc in docs]
        average = sum(lengths) / max(len(docs), 1) or 1
        frequency: Counter[str] = Counter()
        for doc in docs:
            frequency.update(doc.keys())
        n = len(docs)
        self.size = n
        self.postings: dict[str, list[tuple[int, float]]] = {}
        for index, (doc, length) in enumerate(zip(docs, lengths, strict=True)):
            norm = K1 * (1 - b + b * length / average)
            for key, freq in doc.items():
                idf = math.log(1 + (n - frequency[key] + 0.5) / (frequency[key] + 0.5))
                gain = idf * freq * (K1 + 1) / (freq + norm)
                self.postings.setdefault(key, []).append((index, gain))

    def scores(self, terms: list[tuple[Term, float]], factor: float = 1.0) -> list[float]:
        """Each question's score; a term counts once, by the best of its keys."""
        totals = [0.0] * self.size
        for term, weight in terms:
            best: dict[int, float] = {}
            for key in term:
                for index, gain in self.postings.get(key, ()):
                    if gain > best.get(index, 0.0):
                        best[index] = gain
            for index, gain in best.items():
                totals[index] += factor * weight * gain
        return totals


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

    def search(
        self, query: str, limit: int | None = None, category: tuple[str, float] | None = None
    ) -> list[Hit]:
        """The answers to a query, best first. `category`: the triage's (category, confidence)
        when the caller has it already; else the index asks its own `category_of`."""
        terms = self.analyzer.query_terms(query)[:MAX_QUERY_TERMS]
        if not terms:
            return []
        head, body = self._head.scores(terms, HEAD_WEIGHT), self._body.scores(terms)
        hits = [
            Hit(question, h + b)
            for question, h, b in zip(self.questions, head, body, strict=True)
            if h + b > 0
        ]
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
