"""What agents ask a school from a ticket (« Transmettre à l'établissement »), for what only
the school can do, and its answer, written on the ticket's timeline."""

from __future__ import annotations

from helpdesk.auth.service import Staff
from helpdesk.core.db import write_transaction
from helpdesk.establishments.tables import Transmission
from helpdesk.tickets.notify import notify_agent
from helpdesk.tickets.records import utcnow
from helpdesk.tickets.tables import Ticket, TicketEvent


async def ask(staff: Staff, ticket: dict, question: str) -> None:
    """The question to the school of the ticket's UAI (checked by the desk), on the timeline."""
    async with write_transaction(Ticket._meta.db):
        transmission = Transmission(
            ticket=ticket["id"], uai=ticket["uai"], question=question[:5000], asked_by=staff.id
        )
        await transmission.save()
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket["id"],
                kind="transmission",
                author="agent",
                public=False,
                body=question,
                data={"uai": ticket["uai"], "transmission": transmission.id, "par": staff.id},
            )
        )


async def of_ticket(ticket_id: int) -> list[dict]:
    """A ticket's questions to schools, oldest first (its page)."""
    return (
        await Transmission.select().where(Transmission.ticket == ticket_id).order_by(Transmission.id)
    )


async def open_transmissions(staff: Staff) -> list[dict]:
    if not staff.uais:
        return []
    return (
        await Transmission.select(
            Transmission.all_columns(),
            Transmission.ticket.reference,
            Transmission.ticket.category,
            Transmission.ticket.child_first_name,
            Transmission.ticket.child_last_name,
        )
        .where(Transmission.uai.is_in(list(staff.uais)))
        .order_by(Transmission.id, ascending=False)
        .limit(200)
    )


async def answer_transmission(
    state, staff: Staff, transmission_id: int, answer: str
) -> dict | None:
    row = (
        await Transmission.select()
        .where(
            (Transmission.id == transmission_id)
            & Transmission.uai.is_in(list(staff.uais or ("-",)))
        )
        .first()
    )
    if row is None:
        return None
    now = utcnow()
    await Transmission.update(
        {
            Transmission.answer: answer,
            Transmission.status: "repondue",
            Transmission.answered_by: staff.id,
            Transmission.answered_at: now,
        }
    ).where(Transmission.id == transmission_id)
    await TicketEvent.insert(
        TicketEvent(
            ticket=row["ticket"],
            kind="reponse_etablissement",
            author="etablissement",
            public=False,
            body=answer,
            data={"transmission": transmission_id, "uai": row["uai"], "par": staff.id},
        )
    )
    ticket = await Ticket.select().where(Ticket.id == row["ticket"]).first()
    if ticket["assignee_id"]:
        await notify_agent(state, ticket["assignee_id"], ticket, "L'établissement a répondu")
    return row
