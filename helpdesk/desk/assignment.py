"""When an agent leaves: their open tickets go back to « Personne », said in each history."""

from __future__ import annotations

from helpdesk.core.db import write_transaction
from helpdesk.desk.queue import forget_counts
from helpdesk.tickets.records import utcnow
from helpdesk.tickets.tables import Ticket, TicketEvent


async def release_tickets_of(user_id: int, name: str, by: int) -> int:
    """Unassign a deactivated agent's tickets (the queue's « Personne » and the API's
    `assignee_id: null` then tell the truth); how many."""
    async with write_transaction(Ticket._meta.db):
        rows = await Ticket.select(Ticket.id, Ticket.academie).where(Ticket.assignee_id == user_id)
        if not rows:
            return 0
        await Ticket.update(
            {
                Ticket.assignee_id: None,
                Ticket.version: Ticket.version + 1,
                Ticket.updated_at: utcnow(),
            }
        ).where(Ticket.assignee_id == user_id)
        for row in rows:
            await TicketEvent.insert(
                TicketEvent(
                    ticket=row["id"],
                    kind="assignation",
                    author="systeme",
                    public=False,
                    body=f"Non assignée\u00a0: le compte de {name} a été désactivé.",
                    data={"avant": user_id, "apres": None, "par": by},
                )
            )
    for academie in {row["academie"] for row in rows}:
        forget_counts(academie)
    return len(rows)
