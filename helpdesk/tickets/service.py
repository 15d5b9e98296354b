"""Ticket lifecycle: create from a request, follow with a private link, reply, close."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import sqlite3
from dataclasses import asdict, dataclass

import asyncpg
from piccolo.engine.base import Engine

from helpdesk.db import write_transaction
from helpdesk.mail.service import queue_mail
from helpdesk.text import fold
from helpdesk.tickets.attachments import Upload, store
from helpdesk.tickets.sla import academie_targets, initial_due
from helpdesk.tickets.tables import (
    OPEN_STATUSES,
    Attachment,
    FollowToken,
    IdempotencyKey,
    Ticket,
    TicketEvent,
    TicketSequence,
)
from helpdesk.tickets.validation import CleanRequest
from helpdesk.triage.routes import triage_of

UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)
STATUS_LABELS = {
    "nouveau": "Reçue, en attente de traitement",
    "en_cours": "En cours de traitement",
    "en_attente": "En attente de votre réponse",
    "resolu": "Résolue",
    "clos": "Close",
    "spam": "Close",
}


class IdempotencyConflict(Exception):
    """The same Idempotency-Key came with a different request."""


@dataclass(frozen=True)
class Created:
    ticket_id: int
    reference: str
    token: str
    replayed: bool = False


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def body_fingerprint(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def search_text(reference: str, request: CleanRequest) -> str:
    """What the agents' text search looks into, folded: case and accents ignored."""
    parts = [
        reference,
        request.requester_first_name,
        request.requester_last_name,
        request.requester_email,
        request.child_first_name,
        request.child_last_name,
        request.uai,
        request.etablissement,
        request.identifier,
        request.message,
    ]
    return fold(" ".join(p for p in parts if p))[:6000]


async def next_reference(academie: str, prefix: str, year: int) -> str:
    """OT-2026-000123: one row per académie and year, incremented atomically (upsert)."""
    rows = await TicketSequence.raw(
        "INSERT INTO ticket_sequence (academie, year, last_number) VALUES ({}, {}, 1) "
        "ON CONFLICT (academie, year) DO UPDATE SET last_number = ticket_sequence.last_number + 1 "
        "RETURNING last_number",
        academie,
        year,
    )
    return f"{prefix}-{year}-{rows[0]['last_number']:06d}"


async def attach(ticket_id: int, event_id: int, upload: Upload, storage_name: str) -> None:
    await Attachment.insert(
        Attachment(
            ticket=ticket_id,
            event=event_id,
            filename=upload.filename,
            content_type=upload.content_type,
            size=len(upload.data),
            storage_name=storage_name,
        )
    )


async def new_follow_token(ticket_id: int) -> str:
    token = secrets.token_urlsafe(24)  # 192 bits
    await FollowToken.insert(FollowToken(ticket=ticket_id, token_hash=hash_token(token)))
    return token


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
        if idempotency_key:
            replay = await self._replay(idempotency_key, fingerprint)
            if replay:
                return replay
        storage_name = store(self.settings.data_dir / "attachments", upload) if upload else ""
        try:
            return await self._insert(
                request,
                channel,
                idempotency_key,
                fingerprint,
                upload,
                storage_name,
                parent_ticket_id,
            )
        except UNIQUE_VIOLATIONS:
            if idempotency_key:  # a concurrent twin won the race: answer with its ticket
                replay = await self._replay(idempotency_key, fingerprint)
                if replay:
                    return replay
            raise

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
        ticket_id = row["ticket.id"]
        async with write_transaction(self.engine):
            token = await new_follow_token(ticket_id)
        return Created(ticket_id, row["ticket.reference"], token, replayed=True)

    async def _insert(
        self, request, channel, idempotency_key, fingerprint, upload, storage_name, parent_id
    ) -> Created:
        academie = self.state.academies.get(request.academie)
        now = utcnow()
        fields = asdict(request)
        overrides = await academie_targets(request.academie)
        first_due, resolution_due = initial_due(now, request.category, overrides)
        suggested = triage_of(self.state).classify(request.message)
        # The number is taken in a transaction of its own: the sequence row stays locked for one
        # statement, not for the whole ticket, so concurrent submissions don't queue behind it.
        # A ticket that then fails leaves a gap in the numbers, never a duplicate.
        async with write_transaction(self.engine):
            reference = await next_reference(academie.slug, academie.prefix, now.year)
        async with write_transaction(self.engine):
            ticket = Ticket(
                reference=reference,
                channel=channel,
                parent_ticket=parent_id,
                created_at=now,
                updated_at=now,
                **fields,
                first_response_due_at=first_due,
                resolution_due_at=resolution_due,
                sla_due_at=first_due,
                search_text=search_text(reference, request),
                suggested_category=suggested[0],
                suggested_confidence=suggested[1],
            )
            await ticket.save()
            event = TicketEvent(
                ticket=ticket.id,
                kind="message",
                author="demandeur",
                body=request.message,
                created_at=now,
            )
            await event.save()
            if upload:
                await attach(ticket.id, event.id, upload, storage_name)
            if idempotency_key:
                await IdempotencyKey.insert(
                    IdempotencyKey(
                        key_hash=hash_token(idempotency_key),
                        body_hash=fingerprint,
                        ticket=ticket.id,
                    )
                )
            token = await new_follow_token(ticket.id)
            await self._acknowledge(ticket, token, academie)
        return Created(ticket.id, reference, token)

    async def _acknowledge(self, ticket: Ticket, token: str, academie) -> None:
        if not ticket.requester_email:  # a ticket from the directory, for an account with no mail
            return
        await queue_mail(
            self.state.jinja,
            self.settings,
            to=ticket.requester_email,
            subject=f"Votre demande {ticket.reference} est enregistrée",
            template="accuse_reception",
            context={"ticket": ticket, "academie": academie, "follow_url": self.follow_url(token)},
            kind="accuse_reception",
            ticket_reference=ticket.reference,
        )
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket.id,
                kind="courriel",
                author="systeme",
                public=False,
                body="Accusé de réception mis en file d'envoi.",
            )
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
        storage_name = store(self.settings.data_dir / "attachments", upload) if upload else ""
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
            from helpdesk.tickets.agent import notify_agent  # the agents' module builds on this one

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
                    body="Le demandeur indique que son problème est résolu.",
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
