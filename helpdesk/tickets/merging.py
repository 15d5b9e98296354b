"""Merging a parent's ticket into one that has no address (a directory report, a school's
escalation): the parent's address and messages go with it, so the answer can reach them."""

from __future__ import annotations

from helpdesk.tickets.tables import Ticket, TicketEvent

REQUESTER = (
    "requester_email",
    "requester_first_name",
    "requester_last_name",
    "requester_phone",
    "requester_kind",
)


async def carry_requester(ticket: dict, target: dict) -> None:
    """Inside the merge's transaction: nothing when the target has its own address."""
    if target["requester_email"] or not ticket["requester_email"]:
        return
    await Ticket.update(
        {getattr(Ticket, name): ticket[name] for name in REQUESTER}
        | {Ticket.version: Ticket.version + 1}
    ).where(Ticket.id == target["id"])
    messages = (
        await TicketEvent.select()
        .where((TicketEvent.ticket == ticket["id"]) & (TicketEvent.kind == "message"))
        .order_by(TicketEvent.id)
        .output(load_json=True)
    )
    for message in messages:
        await TicketEvent.insert(
            TicketEvent(
                ticket=target["id"],
                kind="message",
                author=message["author"],
                public=message["public"],
                body=message["body"],
                data={**(message["data"] or {}), "depuis": ticket["reference"]},
            )
        )
    await TicketEvent.insert(
        TicketEvent(
            ticket=target["id"],
            kind="note",
            author="systeme",
            public=False,
            body=(
                f"Adresse du demandeur reprise de la demande {ticket['reference']} "
                f"({ticket['requester_email']}), avec ses messages."
            ),
        )
    )
