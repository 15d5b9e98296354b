"""FAQ answers suggested while a parent writes, and what came of them (deflection)."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.categories.catalogue import CATEGORIES
from helpdesk.faq.content import Question
from helpdesk.tickets.tables import DeflectionEvent
from helpdesk.triage.service import triage_of

PROPOSAL_CONFIDENCE = 0.6  # below it, the parent's own choice stands
MIN_TEXT = 15


@dataclass(frozen=True)
class Suggestions:
    questions: list[Question]
    proposed_category: str = ""  # a category the text points to, other than the chosen one
    confidence: float = 0.0


def suggest(state, text: str, chosen_category: str, requester_kind: str = "parent") -> Suggestions:
    """The answers for this text; the pupils' answers (`public: eleve`) only to a pupil."""
    if len(text.strip()) < MIN_TEXT:
        return Suggestions([])
    category, confidence, slugs = triage_of(state).classify(text)
    questions = [q for q in (state.faq.question(slug) for slug in slugs) if q]
    if requester_kind != "eleve":
        questions = [q for q in questions if q.audience != "eleve"]
    proposed = ""
    if category != chosen_category and category in CATEGORIES and confidence >= PROPOSAL_CONFIDENCE:
        proposed = category
    return Suggestions(questions, proposed, confidence)


async def record(
    form_id: str, event: str, academie: str = "", category: str = "", slug: str = ""
) -> None:
    """One row per event; "montre" (suggestions shown) once per form."""
    if not form_id:
        return
    if event == "montre" and await DeflectionEvent.exists().where(
        (DeflectionEvent.form_id == form_id) & (DeflectionEvent.event == "montre")
    ):
        return
    await DeflectionEvent.insert(
        DeflectionEvent(
            form_id=form_id[:64], event=event, academie=academie, category=category, slug=slug[:100]
        )
    )


async def was_shown(form_id: str) -> bool:
    """Whether answers were shown on this form before it was sent (« Vérifier » step, or while
    the parent wrote)."""
    return bool(form_id) and await DeflectionEvent.exists().where(
        (DeflectionEvent.form_id == form_id) & (DeflectionEvent.event == "montre")
    )


async def statistics(academie: str) -> dict[str, int]:
    """Forms where answers were shown, resolved by the FAQ, and sent as requests all the same."""
    rows = await DeflectionEvent.raw(
        "SELECT event, COUNT(DISTINCT form_id) AS n FROM deflection_event WHERE academie = {} GROUP BY event",
        academie,
    )
    counts = {"montre": 0, "resolu": 0, "envoye": 0} | {row["event"]: row["n"] for row in rows}
    return counts
