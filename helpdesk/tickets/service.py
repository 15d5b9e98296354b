"""Ticket lifecycle: create from a request, follow with a private link, reply, close."""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import sqlite3
from dataclasses import asdict

import asyncpg
from piccolo.engine.base import Engine

from helpdesk.core.db import is_postgres, write_transaction
from helpdesk.mail.service import queue_mail
from helpdesk.observability.metrics import TICKETS_CREATED
from helpdesk.tickets.attachments import ATTACHMENTS, Upload, delete_bytes, store
from helpdesk.tickets.notify import notify_agent
from helpdesk.tickets.records import (
    Created,
    IdempotencyConflict,
    attach,
    hash_token,
    new_follow_token,
    next_number,
    reference_of,
    search_text,
    utcnow,
)
from helpdesk.tickets.sla import academie_targets, initial_due
from helpdesk.tickets.tables import (
    OPEN_STATUSES,
    Attachment,
    FollowToken,
    IdempotencyKey,
    Ticket,
    TicketEvent,
)
from helpdesk.tickets.validation import CleanRequest
from helpdesk.triage.service import triage_of

UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)
REQUESTER_CLOSED = "Le demandeur indique que son problème est résolu."  # as the staff read it
REQUESTER_CLOSED_PUBLIC = "Vous avez indiqué que votre problème est résolu."  # as the parent does


ACKNOWLEDGMENT_EVENT = {
    "kind": "courriel",
    "author": "systeme",
    "public": False,
    "body": "Accusé de réception mis en file d'envoi.",
}


class TicketService:
    def __init__(self, state):
        self.state = state
        self.settings = state.settings
        self.engine: Engine = state.engine

    def follow_url(self, token: str) -> str:
        return f"{self.settings.public_base_url}/suivi/{token}"

    async def create(
        self,
        request: CleanRequest,
        *,
        channel: str = "web",
        idempotency_key: str = "",
        fingerprint: str = "",
        upload: Upload | None = None,
        parent_ticket_id: int | None = None,
    ) -> Created:
        # A key seen before (a retry, a double click): that ticket, no number taken, no file kept.
        if idempotency_key and (replay := await self._replay(idempotency_key, fingerprint)):
            return replay
        storage_name = await store(self.settings, upload) if upload else ""
        try:
            created = await self._insert(
                request,
                channel,
                idempotency_key,
                fingerprint,
                upload,
                storage_name,
                parent_ticket_id,
            )
        except Exception as error:
            if storage_name:  # nothing refers to the file: its ticket was rolled back
                await delete_bytes(self.settings, ATTACHMENTS, storage_name)
            # A twin with the same key was written at the same time (the key is unique): the
            # answer is its ticket.
            if idempotency_key and isinstance(error, UNIQUE_VIOLATIONS):
                if replay := await self._replay(idempotency_key, fingerprint):
                    return replay
            raise
        TICKETS_CREATED.labels(channel).inc()
        return created

    async def _replay(self, key: str, fingerprint: str) -> Created | None:
        row = (
            await IdempotencyKey.select(
                IdempotencyKey.body_hash, IdempotencyKey.ticket.id, IdempotencyKey.ticket.reference
            )
            .where(IdempotencyKey.key_hash == hash_token(key))
            .first()
        )
        if row is None:
            return None
        if not hmac.compare_digest(row["body_hash"], fingerprint):
            raise IdempotencyConflict
        async with write_transaction(self.engine):
            token = await new_follow_token(row["ticket.id"])
        return Created(row["ticket.id"], row["ticket.reference"], token, replayed=True)

    async def _insert(
        self, request, channel, idempotency_key, fingerprint, upload, storage_name, parent_id
    ) -> Created:
        """The ticket and what comes with it (first message, file, idempotency key, follow
        link, acknowledgment mail and its event), in one transaction."""
        academie = self.state.academies.get(request.academie)
        now = utcnow()
        first_due, resolution_due = initial_due(
            now, request.category, await academie_targets(request.academie)
        )
        # What the text says (the FAQ answers, which the triage API adds, are not kept here).
        suggested, confidence = triage_of(self.state).guess(request.message)
        token = secrets.token_urlsafe(24)  # 192 bits
        postgres = is_postgres(self.engine)
        if postgres:
            # The number first, in a statement (an implicit transaction) of its own: the
            # académie's sequence row stays locked for that statement only. Taken inside the
            # ticket's transaction, it would stay locked until that commits, and concurrent
            # tickets of the académie would wait for each other. A ticket that fails after it
            # leaves a gap in the numbers, never a duplicate.
            number = await next_number(academie.slug, now.year)
        async with write_transaction(self.engine):
            if not postgres:
                # SQLite has one writer at a time anyway (the IMMEDIATE transaction holds the
                # lock): the number is taken in the ticket's transaction, a failure leaves no gap.
                number = await next_number(academie.slug, now.year)
            reference = reference_of(academie.prefix, now.year, number)
            fields = {
                **asdict(request),
                "reference": reference,
                "channel": channel,
                "parent_ticket": parent_id,
                "created_at": now,
                "updated_at": now,
                "first_response_due_at": first_due,
                "resolution_due_at": resolution_due,
                "sla_due_at": first_due,
                "search_text": search_text(reference, request),
                "suggested_category": suggested,
                "suggested_confidence": round(confidence, 3),
            }
            ticket = Ticket(**fields)
            await Ticket.insert(ticket)
            if idempotency_key:  # right after the ticket: a twin waits for it, then fails here
                key = {"key_hash": hash_token(idempotency_key), "body_hash": fingerprint}
                await IdempotencyKey.insert(IdempotencyKey(ticket=ticket.id, **key))
            events = [
                TicketEvent(
                    ticket=ticket.id,
                    kind="message",
                    author="demandeur",
                    body=request.message,
                    created_at=now,
                )
            ]
            if request.requester_email:  # a ticket from the directory may have no address
                events.append(TicketEvent(ticket=ticket.id, **ACKNOWLEDGMENT_EVENT))
                await self._acknowledge(fields, token, academie)
            # One statement: ids are given in the order of the rows, the message's is the first
            # (the order RETURNING lists them in is not promised).
            ids = await TicketEvent.insert(*events).returning(TicketEvent.id)
            if upload:
                message_id = min(row["id"] for row in ids)
                await attach(ticket.id, message_id, upload, storage_name)
            await FollowToken.insert(FollowToken(ticket=ticket.id, token_hash=hash_token(token)))
        return Created(ticket.id, reference, token)

    async def _acknowledge(self, ticket: dict, token: str, academie) -> None:
        """The acknowledgment mail, queued in the ticket's transaction."""
        await queue_mail(
            self.state.jinja,
            self.settings,
            to=ticket["requester_email"],
            subject=f"Votre demande {ticket['reference']} est enregistrée",
            template="accuse_reception",
            context={"ticket": ticket, "academie": academie, "follow_url": self.follow_url(token)},
            kind="accuse_reception",
            ticket_reference=ticket["reference"],
        )

    # --- following a ticket -------------------------------------------------------------

    async def by_token(self, token: str) -> dict | None:
        if not token or len(token) > 100:
            return None
        wanted = hash_token(token)
        row = (
            await FollowToken.select(FollowToken.token_hash, FollowToken.ticket.id)
            .where(FollowToken.token_hash == wanted)
            .first()
        )
        if row is None or not hmac.compare_digest(row["token_hash"], wanted):
            return None
        return await Ticket.select().where(Ticket.id == row["ticket.id"]).first()

    async def public_timeline(self, ticket_id: int) -> list[dict]:
        events = (
            await TicketEvent.select()
            .where(
                (TicketEvent.ticket == ticket_id) & (TicketEvent.public == True)  # noqa: E712
            )
            .order_by(TicketEvent.id)
        )
        files = await Attachment.select().where(Attachment.ticket == ticket_id)
        by_event: dict[int, list[dict]] = {}
        for file in files:
            by_event.setdefault(file["event"], []).append(file)
        for event in events:
            event["attachments"] = by_event.get(event["id"], [])
            if event["author"] == "demandeur" and event["body"] == REQUESTER_CLOSED:
                event["body"] = REQUESTER_CLOSED_PUBLIC  # the page speaks to the parent
        return events

    async def attachment(self, ticket_id: int, attachment_id: int) -> dict | None:
        """A file of the public timeline only: internal ones (letters) stay with the staff."""
        return (
            await Attachment.select()
            .where(
                (Attachment.id == attachment_id)
                & (Attachment.ticket == ticket_id)
                & (Attachment.event.public == True)  # noqa: E712
            )
            .first()
        )

    async def reply(self, ticket: dict, message: str, upload: Upload | None) -> Created | None:
        """The requester's reply. After `clos`, a new ticket linked to the old one: its Created."""
        if ticket["status"] in ("clos", "spam"):
            return await self._follow_up_ticket(ticket, message, upload)
        storage_name = await store(self.settings, upload) if upload else ""
        now = utcnow()
        async with write_transaction(self.engine):
            event = TicketEvent(
                ticket=ticket["id"],
                kind="message",
                author="demandeur",
                body=message,
                created_at=now,
            )
            await event.save()
            if upload:
                await attach(ticket["id"], event.id, upload, storage_name)
            changes = {Ticket.updated_at: now, Ticket.version: Ticket.version + 1}
            if ticket["status"] in ("resolu", "en_attente"):
                changes[Ticket.status] = "en_cours"
                changes[Ticket.resolved_at] = None
                await TicketEvent.insert(
                    TicketEvent(
                        ticket=ticket["id"],
                        kind="statut",
                        author="systeme",
                        body="Demande rouverte par la réponse du demandeur.",
                        data={"avant": ticket["status"], "apres": "en_cours"},
                    )
                )
            await Ticket.update(changes).where(Ticket.id == ticket["id"])
        if ticket["assignee_id"]:
            await notify_agent(self.state, ticket["assignee_id"], ticket, "Le demandeur a répondu")
        return None

    async def _follow_up_ticket(self, old: dict, message: str, upload: Upload | None) -> Created:
        fields = {name: old[name] for name in CleanRequest.__dataclass_fields__ if name in old}
        fields["message"] = message
        fields["details"] = {"suite_de": old["reference"]}
        request = CleanRequest(**fields)
        return await self.create(
            request, channel=old["channel"], upload=upload, parent_ticket_id=old["id"]
        )

    async def close_by_requester(self, ticket: dict) -> None:
        if ticket["status"] in ("clos", "spam"):
            return
        now = utcnow()
        async with write_transaction(self.engine):
            await Ticket.update(
                {
                    Ticket.status: "clos",
                    Ticket.closed_at: now,
                    Ticket.updated_at: now,
                    Ticket.version: Ticket.version + 1,
                }
            ).where(Ticket.id == ticket["id"])
            await TicketEvent.insert(
                TicketEvent(
                    ticket=ticket["id"],
                    kind="statut",
                    author="demandeur",
                    body=REQUESTER_CLOSED,
                    data={"avant": ticket["status"], "apres": "clos"},
                )
            )

    async def send_lost_links(self, email: str) -> int:
        """Mail the links of the open requests of this address; how many there were."""
        tickets = (
            await Ticket.select(Ticket.id, Ticket.reference, Ticket.created_at, Ticket.academie)
            .where((Ticket.requester_email == email) & Ticket.status.is_in(list(OPEN_STATUSES)))
            .order_by(Ticket.id)
            .limit(20)
        )
        if not tickets:
            return 0
        async with write_transaction(self.engine):
            links = []
            for ticket in tickets:
                token = await new_follow_token(ticket["id"])
                links.append({**ticket, "follow_url": self.follow_url(token)})
            await queue_mail(
                self.state.jinja,
                self.settings,
                to=email,
                subject="Les liens de suivi de vos demandes d'assistance",
                template="liens_de_suivi",
                context={"links": links},
                kind="liens_de_suivi",
            )
        return len(tickets)


async def close_resolved(days: int, now: dt.datetime | None = None) -> int:
    """Resolved requests close by themselves after `days` without an answer from the requester."""
    limit = (now or utcnow()) - dt.timedelta(days=days)
    rows = (
        await Ticket.update(
            {Ticket.status: "clos", Ticket.closed_at: utcnow(), Ticket.version: Ticket.version + 1}
        )
        .where((Ticket.status == "resolu") & (Ticket.resolved_at < limit))
        .returning(Ticket.id)
    )
    for row in rows:
        await TicketEvent.insert(
            TicketEvent(
                ticket=row["id"],
                kind="statut",
                author="systeme",
                body=f"Close automatiquement {days} jours après sa résolution.",
                data={"avant": "resolu", "apres": "clos"},
            )
        )
    return len(rows)
