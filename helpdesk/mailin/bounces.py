"""« Adresse du demandeur en erreur »: what the agents' pages show of the bounces."""

from __future__ import annotations

from collections.abc import Sequence

from helpdesk.mailin.tables import AddressBounce


async def address_errors(ticket_ids: Sequence[int]) -> dict[int, str]:
    """The reason of the last bounce of each of these tickets that has one (one query)."""
    if not ticket_ids:
        return {}
    rows = (
        await AddressBounce.select(AddressBounce.ticket_id, AddressBounce.reason)
        .where(AddressBounce.ticket_id.is_in(list(ticket_ids)))
        .order_by(AddressBounce.id)
    )
    return {row["ticket_id"]: row["reason"] for row in rows}


async def address_error(ticket_id: int) -> dict | None:
    """The last bounce of the ticket: its address, reason and date; None when none came."""
    return (
        await AddressBounce.select()
        .where(AddressBounce.ticket_id == ticket_id)
        .order_by(AddressBounce.id, ascending=False)
        .first()
    )
