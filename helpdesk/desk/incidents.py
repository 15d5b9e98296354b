"""Incidents: when ÉduConnect is down or in maintenance (guide §9), a supervisor says so once:
a banner on the public pages and the form, tickets linked, one public reply to all at the end."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from helpdesk.auth.service import Staff
from helpdesk.desk import agent
from helpdesk.desk.tables import Incident
from helpdesk.tickets.records import utcnow
from helpdesk.tickets.tables import Ticket, TicketEvent

REFRESH_SECONDS = 15.0  # other processes see a new incident within this delay


class IncidentBoard:
    """The open incidents, as every page of this process shows them (refreshed periodically).
    A scheduled one is kept here ahead and shows only from its start until its end: the clock
    is read on every page, so a banner appears and goes on time between two refreshes."""

    def __init__(self, names: dict[str, str] | None = None):
        self.open: list[dict] = []
        self.names = names or {}  # académie slug → « Académie d'Orléans-Tours »

    def current(self) -> list[dict]:
        now = utcnow()
        return [incident for incident in self.open if is_current(incident, now)]

    @property
    def signature(self) -> tuple:
        return tuple(incident["id"] for incident in self.current())

    def __call__(self, academie: str = "") -> list[dict]:
        """The banners of a page about `academie` (its form, a follow-up, its contact card):
        that académie's incidents and the national ones (opened by an admin), each naming
        where it holds. Jinja: {% for incident in incidents(slug) %}."""
        return [
            {**incident, "where": self.names.get(incident["academie"], "Toutes les académies")}
            for incident in self.current()
            if not incident["academie"] or incident["academie"] == academie
        ]

    async def refresh(self) -> None:
        self.open = await Incident.select().where(Incident.status == "ouvert").order_by(Incident.id)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.refresh()
            except Exception:  # keep the last known banner if the database hiccups
                logging.getLogger("helpdesk").exception("Lecture des incidents impossible")
            try:
                await asyncio.wait_for(stop.wait(), timeout=REFRESH_SECONDS)
            except TimeoutError:
                pass


def is_current(incident: dict, now: dt.datetime) -> bool:
    """Its banner shows now: started (or not scheduled) and not yet ended."""
    starts, ends = incident.get("starts_at"), incident.get("ends_at")
    return (starts is None or starts <= now) and (ends is None or now < ends)


def when(incident: dict, now: dt.datetime) -> str:
    """« à venir », « en cours », « terminé » or « clos », for the incidents page."""
    if incident["status"] != "ouvert":
        return "clos"
    if incident.get("starts_at") and now < incident["starts_at"]:
        return "à venir"
    return "en cours" if is_current(incident, now) else "terminé"


async def open_incident(
    staff: Staff,
    title: str,
    message: str,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
) -> int:
    incident = Incident(
        academie=staff.academie,
        title=title,
        message=message,
        opened_by=staff.id,
        starts_at=starts_at,
        ends_at=ends_at,
    )
    await incident.save()
    return incident.id


async def incidents_of(academie: str) -> list[dict]:
    return (
        await Incident.select()
        .where(Incident.academie == academie)
        .order_by(Incident.id, ascending=False)
        .limit(50)
    )


async def link(staff: Staff, ticket: dict, incident_id: int | None) -> None:
    if incident_id is not None and not await Incident.exists().where(
        (Incident.id == incident_id)
        & (Incident.academie == staff.academie)
        & (Incident.status == "ouvert")
    ):
        raise agent.ActionRefused("Cet incident n'est pas ouvert dans votre académie.")
    await Ticket.update(
        {Ticket.incident_id: incident_id, Ticket.version: Ticket.version + 1}
    ).where(Ticket.id == ticket["id"])
    await TicketEvent.insert(
        TicketEvent(
            ticket=ticket["id"],
            kind="incident",
            author="agent",
            public=False,
            body="Rattachée à l'incident en cours." if incident_id else "Détachée de l'incident.",
            data={"incident": incident_id, "par": staff.id},
        )
    )


async def close_incident(state, staff: Staff, incident_id: int, message: str) -> int:
    """Close it and send the same public reply to every open ticket linked to it."""
    incident = (
        await Incident.select()
        .where(
            (Incident.id == incident_id)
            & (Incident.academie == staff.academie)
            & (Incident.status == "ouvert")
        )
        .first()
    )
    if incident is None:
        raise agent.ActionRefused("Cet incident n'est pas ouvert dans votre académie.")
    await Incident.update(
        {
            Incident.status: "clos",
            Incident.closed_at: utcnow(),
            Incident.closing_message: message,
        }
    ).where(Incident.id == incident_id)
    tickets = await Ticket.select().where(
        (Ticket.incident_id == incident_id) & Ticket.status.not_in(["clos", "spam", "resolu"])
    )
    answered = 0
    for ticket in tickets:
        try:
            await agent.add_message(
                state,
                staff,
                ticket,
                ticket["version"],
                message,
                internal=False,
                new_status="resolu",
            )
            answered += 1
        except agent.StaleTicket:  # changed meanwhile: answer it with its fresh version
            fresh = await Ticket.select().where(Ticket.id == ticket["id"]).first()
            await agent.add_message(
                state, staff, fresh, fresh["version"], message, internal=False, new_status="resolu"
            )
            answered += 1
    await state.incidents.refresh()
    return answered
