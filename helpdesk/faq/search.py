"""FAQ search: BM25 over stemmed, accent-free words; the question's title weighs more."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from helpdesk.faq.content import Question
from helpdesk.text import terms

TITLE_WEIGHT = 3  # a word of the question itself says more than a word of its answer
MIN_RELATIVE_SCORE = 0.3  # answers far below the best one only share a common word with the query
K1 = 1.2
B = 0.75


@dataclass
class Hit:
    question: Question
    score: float


class FaqIndex:
    def __init__(self, questions: list[Question]):
        self.questions = questions
        self._docs: list[Counter[str]] = []
        for question in questions:
            doc = Counter(terms(question.answer_text))
            for term in terms(question.title):
                doc[term] += TITLE_WEIGHT
            self._docs.append(doc)
        self._lengths = [sum(doc.values()) for doc in self._docs]
        self._avg_length = sum(self._lengths) / max(len(self._docs), 1)
        document_frequency: Counter[str] = Counter()
        for doc in self._docs:
            document_frequency.update(doc.keys())
        n = len(self._docs)
        self._idf = {
            term: math.log(1 + (n - freq + 0.5) / (freq + 0.5))
            for term, freq in document_frequency.items()
        }

    def search(self, query: str, limit: int | None = None) -> list[Hit]:
        query_terms = set(terms(query))
        if not query_terms:
            return []
        hits: list[Hit] = []
        for question, doc, length in zip(self.questions, self._docs, self._lengths, strict=True):
            score = 0.0
            for term in query_terms:
                freq = doc.get(term, 0)
                if freq:
                    norm = freq + K1 * (1 - B + B * length / self._avg_length)
                    score += self._idf[term] * freq * (K1 + 1) / norm
            if score > 0:
                hits.append(Hit(question, score))
        hits.sort(key=lambda hit: hit.score, reverse=True)
        if hits:
            floor = hits[0].score * MIN_RELATIVE_SCORE
            hits = [hit for hit in hits if hit.score >= floor]
        return hits[:limit] if limit else hits
