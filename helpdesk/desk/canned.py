"""Canned answers: what the académie's supervisors prepare for frequent cases, inserted in a
reply from the ticket page."""

from __future__ import annotations

from helpdesk.desk.tables import CannedAnswer


async def answers(academie: str) -> list[dict]:
    return (
        await CannedAnswer.select()
        .where(CannedAnswer.academie == academie)
        .order_by(CannedAnswer.title)
    )


async def delete(academie: str, answer_id: int) -> None:
    await CannedAnswer.delete().where(
        (CannedAnswer.id == answer_id) & (CannedAnswer.academie == academie)
    )


async def add(academie: str, title: str, body: str) -> None:
    await CannedAnswer.insert(CannedAnswer(academie=academie, title=title, body=body))
