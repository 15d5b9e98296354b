"""What mail-in keeps of a person, forgotten after HELPDESK_RETENTION_DAYS (called by the
privacy purge): a quarantined mail goes whole, a received mail keeps its Message-ID (a late
duplicate is still recognised) but not its sender, and a bounce goes with its request."""

from __future__ import annotations

import datetime as dt

from helpdesk.mailin.tables import AddressBounce, QuarantinedMail, ReceivedMail


async def count_due(cutoff: dt.datetime) -> int:
    """Quarantined mails, and received mails still naming their sender, older than cutoff."""
    kept = await QuarantinedMail.count().where(QuarantinedMail.received_at < cutoff)
    named = await ReceivedMail.count().where(
        (ReceivedMail.received_at < cutoff) & (ReceivedMail.sender != "")
    )
    return kept + named


async def forget_before(cutoff: dt.datetime) -> int:
    """The number of mails forgotten (quarantined deleted, received made anonymous)."""
    forgotten = await count_due(cutoff)
    await QuarantinedMail.delete().where(QuarantinedMail.received_at < cutoff)
    await ReceivedMail.update({ReceivedMail.sender: ""}).where(
        (ReceivedMail.received_at < cutoff) & (ReceivedMail.sender != "")
    )
    return forgotten


async def forget_bounces(ticket_ids: list[int]) -> None:
    """The addresses in error of requests being anonymised."""
    await AddressBounce.delete().where(AddressBounce.ticket_id.is_in(ticket_ids))


async def forget_held(held: dict[str, list[dict]]) -> None:
    """Rows of one person (privacy.person.mails_from), as the delay forgets them: a received
    mail keeps its Message-ID, not its sender; a quarantined mail and a bounce go whole."""
    if held["received"]:
        await ReceivedMail.update({ReceivedMail.sender: ""}).where(
            ReceivedMail.id.is_in([r["id"] for r in held["received"]])
        )
    if held["quarantined"]:
        await QuarantinedMail.delete().where(
            QuarantinedMail.id.is_in([r["id"] for r in held["quarantined"]])
        )
    if held["bounces"]:
        await AddressBounce.delete().where(
            AddressBounce.id.is_in([r["id"] for r in held["bounces"]])
        )
