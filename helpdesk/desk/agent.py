"""What academy staff do to a ticket: take, assign, change status/priority/category, reply,
note. Every change is a TicketEvent; a change made on a stale page is refused, not lost."""

from __future__ import annotations

import datetime as dt

from litestar.di import NamedDependency

from helpdesk.auth.service import Staff, current_agents
from helpdesk.categories.catalogue import ALL_CATEGORY_CODES, category_of
from helpdesk.core.db import write_transaction
from helpdesk.desk.queue import forget_counts
from helpdesk.mail.service import queue_mail
from helpdesk.tickets.notify import notify_agent
from helpdesk.tickets.records import STATUS_LABELS, new_follow_token, utcnow
from helpdesk.tickets.sla import add_working_time, working_minutes_between
from helpdesk.tickets.tables import STATUSES, Ticket, TicketEvent

PRIORITIES = ("basse", "normale", "haute", "urgente")


class StaleTicket(Exception):
    """Someone changed the ticket since the page was loaded."""


class ActionRefused(Exception):
    """A French sentence saying why."""


# A ticket as a route's dependency gives it (marked, as Litestar wants injected names).
TicketDep = NamedDependency[dict]


async def ticket_for(staff: Staff, reference: str) -> dict | None:
    """The ticket if the staff member's académie owns it; None otherwise (a 404 for them)."""
    if not staff.is_academy_staff:
        return None
    return (
        await Ticket.select()
        .where((Ticket.reference == reference) & (Ticket.academie == staff.academie))
        .output(load_json=True)
        .first()
    )


async def timeline(ticket_id: int) -> list[dict]:
    return (
        await TicketEvent.select().where(TicketEvent.ticket == ticket_id).order_by(TicketEvent.id)
    )


async def apply_change(
    ticket: dict, version: int, changes: dict, events: list[TicketEvent]
) -> dict:
    """Write the changes if the ticket is still at `version`; the updated ticket."""
    changes = {**changes, Ticket.version: Ticket.version + 1, Ticket.updated_at: utcnow()}
    updated = (
        await Ticket.update(changes)
        .where((Ticket.id == ticket["id"]) & (Ticket.version == version))
        .returning(Ticket.id)
    )
    if not updated:
        raise StaleTicket
    for event in events:
        event.ticket = ticket["id"]
        await event.save()
    forget_counts(ticket["academie"])
    return await Ticket.select().where(Ticket.id == ticket["id"]).first()


def status_changes(ticket: dict, new_status: str, now: dt.datetime) -> dict:
    """Column changes of a status change, with the SLA clock paused while waiting."""
    old = ticket["status"]
    changes: dict = {Ticket.status: new_status}
    if new_status == "en_attente" and old != "en_attente":
        changes[Ticket.sla_paused_at] = now
    if old == "en_attente" and new_status != "en_attente" and ticket["sla_paused_at"]:
        # the time spent waiting for the requester does not count against the académie
        remaining = working_minutes_between(ticket["sla_paused_at"], ticket["resolution_due_at"])
        resolution_due = add_working_time(now, remaining)
        changes[Ticket.resolution_due_at] = resolution_due
        changes[Ticket.sla_paused_at] = None
        if ticket["first_response_at"]:
            changes[Ticket.sla_due_at] = resolution_due
    if new_status == "resolu":
        changes[Ticket.resolved_at] = now
    if new_status in ("clos", "spam"):
        changes[Ticket.closed_at] = now
    if old in ("resolu", "clos") and new_status in ("nouveau", "en_cours", "en_attente"):
        changes[Ticket.resolved_at] = None
        changes[Ticket.closed_at] = None
    return changes


def status_event(staff: Staff, old: str, new: str) -> TicketEvent:
    return TicketEvent(
        kind="statut",
        author="agent",
        public=True,
        body=f"Statut : {STATUS_LABELS[old]} → {STATUS_LABELS[new]}.",
        data={"avant": old, "apres": new, "par": staff.id},
    )


async def take(staff: Staff, ticket: dict, version: int) -> dict:
    changes = {Ticket.assignee_id: staff.id}
    events = [
        TicketEvent(
            kind="assignation",
            author="agent",
            public=False,
            body=f"Prise en charge par {staff.name or staff.email}.",
            data={"avant": ticket["assignee_id"], "apres": staff.id, "par": staff.id},
        )
    ]
    if ticket["status"] == "nouveau":
        changes |= status_changes(ticket, "en_cours", utcnow())
        events.append(status_event(staff, "nouveau", "en_cours"))
    async with write_transaction(Ticket._meta.db):
        return await apply_change(ticket, version, changes, events)


async def assign(
    staff: Staff, ticket: dict, version: int, assignee_id: int | None, state=None
) -> dict:
    if assignee_id is not None:
        agents = {a["id"]: a for a in await current_agents(staff.academie)}
        if assignee_id not in agents:
            raise ActionRefused("Cet agent n'appartient pas à votre académie.")
        label = agents[assignee_id]["name"] or agents[assignee_id]["email"]
    else:
        label = "personne"
    event = TicketEvent(
        kind="assignation",
        author="agent",
        public=False,
        body=f"Assignée à {label}.",
        data={"avant": ticket["assignee_id"], "apres": assignee_id, "par": staff.id},
    )
    async with write_transaction(Ticket._meta.db):
        updated = await apply_change(ticket, version, {Ticket.assignee_id: assignee_id}, [event])
        if state and assignee_id and assignee_id != staff.id:
            await notify_agent(state, assignee_id, updated, "Une demande vous est assignée")
    return updated


async def set_fields(
    staff: Staff,
    ticket: dict,
    version: int,
    *,
    status: str = "",
    priority: str = "",
    category: str = "",
) -> dict:
    changes: dict = {}
    events: list[TicketEvent] = []
    now = utcnow()
    if status and status != ticket["status"]:
        if status not in STATUSES:
            raise ActionRefused("Statut inconnu.")
        changes |= status_changes(ticket, status, now)
        events.append(status_event(staff, ticket["status"], status))
    if priority and priority != ticket["priority"]:
        if priority not in PRIORITIES:
            raise ActionRefused("Priorité inconnue.")
        changes[Ticket.priority] = priority
        events.append(
            TicketEvent(
                kind="priorite",
                author="agent",
                public=False,
                body=f"Priorité : {ticket['priority']} → {priority}.",
                data={"avant": ticket["priority"], "apres": priority, "par": staff.id},
            )
        )
    if category and category != ticket["category"]:
        if category not in ALL_CATEGORY_CODES:
            raise ActionRefused("Catégorie inconnue.")
        changes[Ticket.category] = category
        events.append(
            TicketEvent(
                kind="categorie",
                author="agent",
                public=False,
                body=(
                    f"Catégorie\u00a0: {category_of(ticket['category']).short}"
                    f" → {category_of(category).short} (par {staff.name or staff.email})."
                ),
                data={
                    "avant": ticket["category"],
                    "apres": category,
                    "par": staff.id,
                    "nom": staff.name or staff.email,
                },
            )
        )
    if not changes:
        return ticket
    async with write_transaction(Ticket._meta.db):
        return await apply_change(ticket, version, changes, events)


async def add_message(
    state,
    staff: Staff,
    ticket: dict,
    version: int,
    body: str,
    *,
    internal: bool,
    new_status: str = "",
) -> dict:
    """A public reply (mailed to the requester with a follow-up link) or an internal note."""
    body = body.strip()
    if not body:
        raise ActionRefused("Le message est vide.")
    if len(body) > 10_000:
        raise ActionRefused("Le message dépasse 10 000 caractères.")
    if new_status and new_status not in STATUSES:
        raise ActionRefused("Statut inconnu.")
    now = utcnow()
    changes: dict = {}
    events = [
        TicketEvent(
            kind="note" if internal else "reponse",
            author="agent",
            public=not internal,
            body=body,
            data={"par": staff.id, "nom": staff.name},
        )
    ]
    if not internal:
        if ticket["first_response_at"] is None:
            changes[Ticket.first_response_at] = now
            changes[Ticket.sla_due_at] = ticket["resolution_due_at"]
        target = new_status or ("en_cours" if ticket["status"] == "nouveau" else "")
        if target and target != ticket["status"]:
            changes |= status_changes(ticket, target, now)
            events.append(status_event(staff, ticket["status"], target))
        if ticket["assignee_id"] is None:
            changes[Ticket.assignee_id] = staff.id
    async with write_transaction(Ticket._meta.db):
        updated = await apply_change(ticket, version, changes, events)
        if not internal:
            await mail_reply(state, updated, body)
    return updated


async def mail_requester(
    state, ticket: dict, *, subject: str, template: str, context: dict, note: str
) -> None:
    """A mail to the requester with a fresh follow-up link (only hashes of links are kept), and
    its line `note` in the timeline. Nothing for a ticket without an address."""
    if not ticket["requester_email"]:  # a ticket from the directory, for an account with no mail
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket["id"],
                kind="courriel",
                author="systeme",
                public=False,
                body="Aucun courriel n'est parti\u00a0: la demande n'a pas d'adresse de demandeur.",
            )
        )
        return
    token = await new_follow_token(ticket["id"])
    await queue_mail(
        state.jinja,
        state.settings,
        to=ticket["requester_email"],
        subject=subject,
        template=template,
        context={
            "ticket": ticket,
            "academie": state.academies.get(ticket["academie"]),
            "follow_url": f"{state.settings.public_base_url}/suivi/{token}",
            **context,
        },
        kind=template,
        ticket_reference=ticket["reference"],
    )
    await TicketEvent.insert(
        TicketEvent(ticket=ticket["id"], kind="courriel", author="systeme", public=False, body=note)
    )


async def mail_reply(state, ticket: dict, body: str) -> None:
    resolved = ticket["status"] == "resolu"
    await mail_requester(
        state,
        ticket,
        subject=f"{'Votre demande est résolue' if resolved else 'Réponse à votre demande'} {ticket['reference']}",
        template="reponse_agent",
        context={"body": body, "resolved": resolved},
        note="Réponse envoyée par courriel au demandeur.",
    )
