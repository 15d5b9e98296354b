"""A ticket sent elsewhere: merged into another of the académie, transferred to another
académie, or a question transmitted to the school of its UAI (which answers in its space)."""

from __future__ import annotations

from helpdesk.auth.service import Staff
from helpdesk.contacts.service import academie_of_uai
from helpdesk.core.db import write_transaction
from helpdesk.desk.agent import (
    ActionRefused,
    apply_change,
    status_changes,
    status_event,
    ticket_for,
)
from helpdesk.desk.queue import forget_counts
from helpdesk.establishments import transmissions
from helpdesk.tickets.merging import carry_requester
from helpdesk.tickets.records import utcnow
from helpdesk.tickets.tables import Ticket, TicketEvent


async def merge_into(staff: Staff, ticket: dict, version: int, target_reference: str) -> dict:
    """A duplicate goes into another ticket of the académie: it closes, pointing to the other."""
    target = await ticket_for(staff, target_reference.strip().upper())
    if target is None or target["id"] == ticket["id"]:
        raise ActionRefused("Indiquez la référence d'une autre demande de votre académie.")
    if target["status"] in ("clos", "spam"):
        raise ActionRefused("La demande cible est close : rouvrez-la d'abord.")
    now = utcnow()
    events = [
        TicketEvent(
            kind="fusion",
            author="agent",
            public=True,
            body=f"Demande regroupée avec la demande {target['reference']}, qui continue d'être traitée.",
            data={"vers": target["reference"], "par": staff.id},
        ),
        status_event(staff, ticket["status"], "clos"),
    ]
    async with write_transaction(Ticket._meta.db):
        updated = await apply_change(ticket, version, status_changes(ticket, "clos", now), events)
        await carry_requester(ticket, target)
        await TicketEvent.insert(
            TicketEvent(
                ticket=target["id"],
                kind="fusion",
                author="agent",
                public=False,
                body=f"La demande {ticket['reference']} a été regroupée ici.",
                data={"depuis": ticket["reference"], "par": staff.id},
            )
        )
    return updated


async def transfer(state, staff: Staff, ticket: dict, version: int, academie_slug: str) -> dict:
    """A misrouted ticket goes to another académie; a UAI of a third one is flagged."""
    target = state.academies.get(academie_slug)
    if target is None or target.slug == ticket["academie"]:
        raise ActionRefused("Choisissez une autre académie.")
    source = state.academies.get(ticket["academie"])
    note = f"Transférée\u00a0: {source.nom if source else ticket['academie']} → {target.nom}."
    flagged = False
    if ticket["uai"]:
        uai_academie = academie_of_uai(state.academies, ticket["uai"])
        if uai_academie is None or uai_academie.slug != target.slug:
            flagged = True
            note += (
                f" Attention\u00a0: l'UAI {ticket['uai']} n'appartient pas à l'académie "
                f"{target.nom}."
            )
    event = TicketEvent(
        kind="transfert",
        author="agent",
        public=False,
        body=note,
        data={
            "de": ticket["academie"],
            "vers": target.slug,
            "uai_incoherent": flagged,
            "par": staff.id,
        },
    )
    changes = {Ticket.academie: target.slug, Ticket.assignee_id: None}
    async with write_transaction(Ticket._meta.db):
        updated = await apply_change(ticket, version, changes, [event])
    forget_counts(target.slug)
    return updated


async def transmit(staff: Staff, ticket: dict, question: str) -> None:
    """Ask the school of the ticket's UAI for what only it can do; it answers in its space."""
    question = question.strip()
    if not ticket["uai"]:
        raise ActionRefused("Cette demande n'a pas de code UAI : indiquez d'abord l'établissement.")
    if not question:
        raise ActionRefused("Écrivez ce que vous demandez à l'établissement.")
    await transmissions.ask(staff, ticket, question)


def uai_mismatch(state, ticket: dict) -> str:
    """The académie of the ticket's UAI when it is not the ticket's own, else ""."""
    if not ticket["uai"]:
        return ""
    found = academie_of_uai(state.academies, ticket["uai"])
    return found.nom_complet if found and found.slug != ticket["academie"] else ""
