"""FAQ service: the content, its search index, the votes."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.categories.catalogue import CATEGORY_FAQ
from helpdesk.faq.content import Faq, Question, load_faq
from helpdesk.faq.search import FaqIndex, Hit
from helpdesk.faq.tables import FaqVote
from helpdesk.triage.service import shared_model_guess


@dataclass
class FaqService:
    faq: Faq
    index: FaqIndex

    @classmethod
    def load(cls, faq: Faq | None = None) -> FaqService:
        """The FAQ of content/faq.md (or `faq`) and its index, which reads the category of a
        query with the triage model."""
        faq = faq or load_faq()
        index = FaqIndex(faq.questions, faq.synonyms, shared_model_guess(), CATEGORY_FAQ)
        return cls(faq, index)

    def search(
        self, query: str, limit: int | None = None, category: tuple[str, float] | None = None
    ) -> list[Hit]:
        """The answers to a parent's query, best first, weak ones cut; `category`: the
        triage's (category, confidence) of the query if the caller has it."""
        return self.index.search(query, limit, category)

    def question(self, slug: str) -> Question | None:
        return self.faq.question(slug)


async def record_vote(slug: str, helpful: bool) -> None:
    await FaqVote.insert(FaqVote(slug=slug, helpful=helpful))


async def vote_counts() -> dict[str, dict[str, int]]:
    """{slug: {"oui": n, "non": n}} over every vote."""
    rows = await FaqVote.raw(
        "SELECT slug, helpful, COUNT(*) AS n FROM faq_vote GROUP BY slug, helpful"
    )
    counts: dict[str, dict[str, int]] = {}
    for row in rows:
        entry = counts.setdefault(row["slug"], {"oui": 0, "non": 0})
        entry["oui" if row["helpful"] else "non"] = row["n"]
    return counts


def question_as_api(question: Question) -> dict:
    return {
        "slug": question.slug,
        "theme": question.theme_title,
        "theme_slug": question.theme_slug,
        "question": question.title,
        "answer": question.answer_text,
        "answer_html": question.answer_html,
        "form_category": question.form_category,
    }
