"""What ÉduConnect applies overnight, followed from the ticket that asked for it.

A regenerated identifier or a corrected birth date is not applied by the action itself but by
the night processing (guide §8: « Le nouvel identifiant sera calculé lors des traitements de
nuit. Vous pourrez informer l'élève quand le traitement sera passé. »). The action's result
names the pending changes; they are kept here with their ticket, and `tell_applied` (after
`helpdesk accounts nightly`, and every few minutes in the worker, for a remote account service
whose night runs elsewhere) asks the account service which are done, writes it on the ticket and
mails the requester.
"""

from __future__ import annotations

import datetime as dt
import logging

from helpdesk.accounts.port import AccountError, PendingChange, Scope
from helpdesk.core.db import write_transaction
from helpdesk.core.web import date_fr
from helpdesk.desk.agent import mail_requester
from helpdesk.desk.tables import AccountChange
from helpdesk.tickets.records import utcnow
from helpdesk.tickets.tables import Ticket, TicketEvent

log = logging.getLogger(__name__)
BATCH = 200


async def record(ticket_id: int, account: str, changes: list[PendingChange]) -> None:
    """Keep the changes an action left for the night (or applied at once, in demo mode)."""
    for change in changes:
        await AccountChange.insert(
            AccountChange(ticket=ticket_id, change_id=change.id, kind=change.kind, account=account)
        )


KIND_LABELS = {
    "regenerate_identifier": "Nouvel identifiant",
    "correct_birth_date": "Date de naissance corrigée",
}


async def of_ticket(ticket_id: int) -> list[dict]:
    """The overnight changes asked from this ticket, for its page: waiting, or told."""
    rows = (
        await AccountChange.select()
        .where(AccountChange.ticket == ticket_id)
        .order_by(AccountChange.id)
    )
    for row in rows:
        row["label"] = KIND_LABELS.get(row["kind"], row["kind"])
    return rows


def what_changed(change: PendingChange) -> dict:
    """The sentence of the timeline and the facts the mail gives, from the change's outcome."""
    outcome = change.outcome or {}
    if change.kind == "regenerate_identifier":
        return {
            # Public on the follow-up page: the identifier itself is only in the mail, and only
            # to the account's confirmed address (see _may_name_identifier).
            "sentence": (
                "Correction faite dans ÉduConnect : le nouvel identifiant est en service, "
                "l'ancien ne fonctionne plus ; le mot de passe ne change pas."
            ),
            "identifier": outcome.get("identifier", ""),
            "previous": outcome.get("previous", ""),
        }
    birth_date = outcome.get("birth_date") or (change.value or {}).get("birth_date", "")
    shown = date_fr(dt.date.fromisoformat(birth_date)) if birth_date else ""
    return {
        "sentence": f"Correction faite dans ÉduConnect\u00a0: la date de naissance de l'élève est le {shown}.",
        "birth_date": shown,
    }


async def tell_applied(state) -> int:
    """Tell the requesters whose overnight change is now applied. Returns how many were told.

    Nothing is marked told unless its event and mail are written in the same transaction: an
    account service that cannot be reached leaves everything for the next run.
    """
    waiting = (
        await AccountChange.select()
        .where(AccountChange.told_at.is_null())
        .order_by(AccountChange.id)
        .limit(BATCH)
    )
    if not waiting:
        return 0
    try:
        known = await state.accounts.pending_changes([row["change_id"] for row in waiting])
    except AccountError as error:
        log.warning("overnight changes: account service unavailable (%s)", error)
        return 0
    applied = {change.id: change for change in known if change.applied_at}
    told = 0
    for row in waiting:
        change = applied.get(row["change_id"])
        if change is not None:
            await _tell(state, row, change)
            told += 1
    return told


async def _tell(state, row: dict, change: PendingChange) -> None:
    ticket = await Ticket.select().where(Ticket.id == row["ticket"]).first()
    facts = what_changed(change)
    named = bool(ticket["requester_email"]) and await _may_name_identifier(state, ticket, facts)
    async with write_transaction(Ticket._meta.db):
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket["id"],
                kind="compte",
                author="systeme",
                public=True,
                body=facts["sentence"],
                data={"changement": change.as_dict(), "compte": row["account"]},
            )
        )
        await _mail(state, ticket, change, facts, named)
        await AccountChange.update({AccountChange.told_at: utcnow()}).where(
            AccountChange.id == row["id"]
        )


async def _may_name_identifier(state, ticket: dict, facts: dict) -> bool:
    """A new identifier is written in the mail only to the account's own confirmed address:
    the requester's address was typed in a form, the account's was proven by its owner."""
    if not facts.get("identifier"):
        return False
    try:
        account = await state.accounts.get(facts["identifier"], Scope.everywhere())
    except AccountError:
        return False
    wanted = ticket["requester_email"].strip().lower()
    return account.email_confirmed and account.email.strip().lower() == wanted


async def _mail(state, ticket: dict, change: PendingChange, facts: dict, name_it: bool) -> None:
    await mail_requester(
        state,
        ticket,
        subject=f"La correction demandée est faite\u00a0: demande {ticket['reference']}",
        template="changement_applique",
        context={"kind": change.kind, "facts": facts, "name_identifier": name_it},
        note="Le demandeur est informé par courriel que la correction est faite.",
    )
