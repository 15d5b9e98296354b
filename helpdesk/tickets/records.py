"""What a ticket is made of, below the service that makes and follows it: its reference
number, its private follow-up links (only their hash is kept), the text the agents' search reads,
its files tied to an event of its timeline, and its statuses as the requester reads them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from dataclasses import dataclass

from helpdesk.core.text import fold
from helpdesk.tickets.attachments import Upload
from helpdesk.tickets.tables import Attachment, FollowToken, TicketSequence
from helpdesk.tickets.validation import CleanRequest

STATUS_LABELS = {
    "nouveau": "Reçue, en attente de traitement",
    "en_cours": "En cours de traitement",
    "en_attente": "En attente de votre réponse",
    "resolu": "Résolue",
    "clos": "Clôturée",  # « Close » reads as English, all the more in a DSFR badge's capitals
    "spam": "Clôturée",
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


# The académie's next number: one row per académie and year, incremented atomically (upsert).
NEXT_NUMBER = (
    "INSERT INTO ticket_sequence (academie, year, last_number) VALUES ({}, {}, 1) "
    "ON CONFLICT (academie, year) DO UPDATE SET last_number = ticket_sequence.last_number + 1 "
    "RETURNING last_number"
)


def reference_of(prefix: str, year: int, number: int) -> str:
    """OT-2026-000123"""
    return f"{prefix}-{year}-{number:06d}"


async def next_number(academie: str, year: int) -> int:
    """The académie's next number for the year (in the caller's transaction, if any)."""
    rows = await TicketSequence.raw(NEXT_NUMBER, academie, year)
    return rows[0]["last_number"]


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
