"""Ticket lifecycle: create from a request, follow with a private link, reply, close."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import json
import secrets
import sqlite3
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby
from typing import NamedTuple

import asyncpg
from piccolo.engine.base import Engine

from helpdesk.db import (
    Batches,
    Row,
    insert_many_pg,
    insert_rows_pg,
    insert_rows_sqlite,
    is_postgres,
    pg_connection,
    run_read,
    settle,
    sqlite_write,
    write_transaction,
)
from helpdesk.mail.service import compose_mail, queue_mail
from helpdesk.mail.tables import OutboxMail
from helpdesk.observability.metrics import TICKETS_CREATED
from helpdesk.text import fold
from helpdesk.tickets.attachments import ATTACHMENTS, Upload, delete_bytes, store
from helpdesk.tickets.sla import cached_targets, initial_due
from helpdesk.tickets.tables import (
    OPEN_STATUSES,
    Attachment,
    FollowToken,
    IdempotencyKey,
    Ticket,
    TicketEvent,
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


ACKNOWLEDGMENT_EVENT = {
    "kind": "courriel",
    "author": "systeme",
    "public": False,
    "body": "Accusé de réception mis en file d'envoi.",
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


# The académie's next numbers: one row per académie and year, incremented atomically (upsert).
NEXT_NUMBER_SQLITE = (
    "INSERT INTO ticket_sequence (academie, year, last_number) VALUES (?, ?, 1) "
    "ON CONFLICT (academie, year) DO UPDATE SET last_number = ticket_sequence.last_number + 1 "
    "RETURNING last_number"
)
# PostgreSQL: $3 numbers at once (the tickets written together), in a statement of their own, so
# that the académie's row stays locked for that statement only, not for the tickets'; concurrent
# submissions don't queue behind it. Its commit does not wait for the disk (synchronous_commit
# off, for this one transaction): the tickets' commit, which does, comes later in the same log
# and makes it durable with it. A crash can lose numbers no ticket has; never give one twice.
NEXT_NUMBERS_PG = (
    "INSERT INTO ticket_sequence (academie, year, last_number) "
    "SELECT $1::varchar, $2::integer, $3::integer "
    "FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quick_commit "
    "ON CONFLICT (academie, year) DO UPDATE SET last_number = ticket_sequence.last_number + $3 "
    "RETURNING last_number"
)
PG_BATCH = 8  # tickets written by one statement at most (bigger ones cost more to plan)
PG_PARALLEL = 2  # such statements at once, per process: fewer, fuller batches cost the base less


class Numbered(NamedTuple):
    """A ticket to write: its académie's numbering, its rows once its reference is known, and
    the hash of its idempotency key if it has one."""

    academie: str
    prefix: str
    year: int
    rows_for: Callable[[str], list[Row]]
    key_hash: str = ""


class AlreadySubmitted(Exception):
    """The idempotency key is known already: nothing was written, no number taken."""


KNOWN_KEY_SQLITE = "SELECT 1 FROM idempotency_key WHERE key_hash = ?"
KNOWN_KEYS_PG = "SELECT key_hash FROM idempotency_key WHERE key_hash = ANY($1::varchar[])"


def reference_of(prefix: str, year: int, number: int) -> str:
    """OT-2026-000123"""
    return f"{prefix}-{year}-{number:06d}"


async def insert_numbered(engine: Engine, ticket: Numbered) -> tuple[int, str]:
    """Takes the académie's next number, then writes rows_for(reference): (first row's id,
    reference). The tickets submitted at the same time in this process are written together:
    on SQLite (one writer anyway) each with its number in a savepoint of one transaction, so that
    a failure leaves no gap; on PostgreSQL their numbers in one statement (see NEXT_NUMBERS_PG),
    then their rows in another: a ticket that fails after its number leaves a gap, never a
    duplicate."""
    if is_postgres(engine):
        return await _pg_batches(engine).submit(ticket)

    def write(connection) -> tuple[int, str]:
        if ticket.key_hash and connection.execute(KNOWN_KEY_SQLITE, (ticket.key_hash,)).fetchone():
            raise AlreadySubmitted
        number = connection.execute(NEXT_NUMBER_SQLITE, (ticket.academie, ticket.year)).fetchone()
        reference = reference_of(ticket.prefix, ticket.year, number[0])
        return insert_rows_sqlite(connection, ticket.rows_for(reference)), reference

    return await sqlite_write(engine, write)


_pg_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # loop → engine → Batches


def _pg_batches(engine: Engine) -> Batches:
    if engine.current_transaction.get() is not None:
        raise RuntimeError("Une demande s'écrit dans ses propres transactions.")
    writers = _pg_writers.setdefault(asyncio.get_running_loop(), {})
    if (batches := writers.get(engine)) is None:
        batches = writers[engine] = Batches(
            lambda batch: write_tickets_pg(engine, batch), size=PG_BATCH, parallel=PG_PARALLEL
        )
    return batches


async def write_tickets_pg(engine: Engine, batch: list[tuple[Numbered, asyncio.Future]]) -> None:
    """Numbers, then rows, of the tickets of a batch: two statements (three with idempotency
    keys, looked for first). If the rows' statement is refused (say, twins in one batch), each
    ticket is written alone, so that only the wrong one fails."""
    async with pg_connection(engine) as connection:
        if keys := [ticket.key_hash for ticket, _ in batch if ticket.key_hash]:
            known = {row[0] for row in await connection.fetch(KNOWN_KEYS_PG, keys)}
            for ticket, done in batch:
                if ticket.key_hash in known:
                    settle(done, error=AlreadySubmitted())
            batch = [(ticket, done) for ticket, done in batch if not done.done()]
            if not batch:
                return
        tickets = [ticket for ticket, _ in batch]
        references = []
        for (academie, prefix, year), same in groupby(tickets, key=lambda t: t[:3]):
            count = len(list(same))
            last = await connection.fetchval(NEXT_NUMBERS_PG, academie, year, count)
            references += [reference_of(prefix, year, n) for n in range(last - count + 1, last + 1)]
        try:
            rows = [ticket.rows_for(ref) for ticket, ref in zip(tickets, references, strict=True)]
            ids = await insert_many_pg(connection, rows)
        except asyncpg.PostgresError:
            if len(batch) == 1:
                raise
            for (ticket, done), reference in zip(batch, references, strict=True):
                try:
                    ticket_id = await insert_rows_pg(connection, ticket.rows_for(reference))
                except asyncpg.PostgresError as error:
                    settle(done, error=error)
                else:
                    settle(done, (ticket_id, reference))
            return
    for (_, done), ticket_id, reference in zip(batch, ids, references, strict=True):
        settle(done, (ticket_id, reference))


def attachment_row(upload: Upload, storage_name: str) -> dict:
    return {
        "filename": upload.filename,
        "content_type": upload.content_type,
        "size": len(upload.data),
        "storage_name": storage_name,
    }


async def attach(ticket_id: int, event_id: int, upload: Upload, storage_name: str) -> None:
    await Attachment.insert(
        Attachment(ticket=ticket_id, event=event_id, **attachment_row(upload, storage_name))
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
        except (AlreadySubmitted, *UNIQUE_VIOLATIONS):
            # The key came before (a retry, a double click), or with a twin at the same time:
            # the answer is that ticket. The writers look for the key before taking a number.
            if idempotency_key:
                if storage_name:
                    await delete_bytes(self.settings, ATTACHMENTS, storage_name)
                replay = await self._replay(idempotency_key, fingerprint)
                if replay:
                    return replay
            raise
        TICKETS_CREATED.labels(channel).inc()
        return created

    async def _replay(self, key: str, fingerprint: str) -> Created | None:
        # Every form submission asks (its form_id is its key): raw SQL, Piccolo's join through
        # the foreign key took more time to build than the whole query to run.
        query = IdempotencyKey.raw(
            "SELECT k.body_hash, t.id, t.reference FROM idempotency_key k "
            "JOIN ticket t ON t.id = k.ticket WHERE k.key_hash = {}",
            hash_token(key),
        )
        rows = await run_read(self.engine, query)
        if not rows:
            return None
        row = rows[0]
        if not hmac.compare_digest(row["body_hash"], fingerprint):
            raise IdempotencyConflict
        async with write_transaction(self.engine):
            token = await new_follow_token(row["id"])
        return Created(row["id"], row["reference"], token, replayed=True)

    async def _insert(
        self, request, channel, idempotency_key, fingerprint, upload, storage_name, parent_id
    ) -> Created:
        academie = self.state.academies.get(request.academie)
        now = utcnow()
        first_due, resolution_due = initial_due(
            now, request.category, await cached_targets(request.academie)
        )
        # What the text says (the FAQ answers, which the triage API adds, are not kept here).
        suggested, confidence = triage_of(self.state).guess(request.message)
        token = secrets.token_urlsafe(24)  # 192 bits
        key_hash = hash_token(idempotency_key) if idempotency_key else ""
        fields = dict(vars(request))  # not asdict(), which deep-copies every value

        def rows(reference: str) -> list[Row]:
            """The ticket and what comes with it, once its reference is known (row 0: the
            ticket, row 1: its first message)."""
            ticket = {
                **fields,
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
            of_ticket = {"ticket": 0}
            message = {"kind": "message", "author": "demandeur", "body": request.message}
            written = [
                Row(Ticket, ticket),
                Row(TicketEvent, {**message, "created_at": now}, of_ticket),
            ]
            if upload:
                written.append(
                    Row(Attachment, attachment_row(upload, storage_name), of_ticket | {"event": 1})
                )
            if key_hash:
                key = {"key_hash": key_hash, "body_hash": fingerprint}
                written.append(Row(IdempotencyKey, key, of_ticket))
            written.append(Row(FollowToken, {"token_hash": hash_token(token)}, of_ticket))
            if request.requester_email:  # a ticket from the directory may have no address
                written += [
                    Row(OutboxMail, self._acknowledgment(ticket, token, academie)),
                    Row(TicketEvent, ACKNOWLEDGMENT_EVENT, of_ticket),
                ]
            return written

        ticket_id, reference = await insert_numbered(
            self.engine, Numbered(academie.slug, academie.prefix, now.year, rows, key_hash)
        )
        return Created(ticket_id, reference, token)

    def _acknowledgment(self, ticket: dict, token: str, academie) -> dict:
        """The acknowledgment mail, as an outbox row."""
        return compose_mail(
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
