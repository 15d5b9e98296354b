"""`ingest(state, raw)`: one mail in, placed on its ticket (or a new one), flagged as a bounce,
ignored as an auto-reply, or kept in quarantine. Every path writes in one transaction with the
mail's Message-ID (unique): the same mail delivered twice is stored once, and a mail is stored
whole or not at all. Database errors are raised: the receiver then answers 4xx and the sending
server tries again later.
"""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr

import asyncpg

from helpdesk.core.db import write_transaction
from helpdesk.mail import address
from helpdesk.mail.tables import OutboxMail
from helpdesk.mailin.parse import Incoming, Unreadable, parse
from helpdesk.mailin.tables import AddressBounce, QuarantinedMail, ReceivedMail
from helpdesk.tickets.attachments import AttachmentError, Upload, check_upload
from helpdesk.tickets.service import TicketService
from helpdesk.tickets.tables import Ticket, TicketEvent
from helpdesk.tickets.validation import CleanRequest
from helpdesk.triage.service import triage_of

log = logging.getLogger("helpdesk.mailin")
UNIQUE_VIOLATIONS = (sqlite3.IntegrityError, asyncpg.UniqueViolationError)
REFERENCE = re.compile(r"\b[A-Z]{2,4}-\d{4}-\d{6}\b")
NO_TEXT = "(Courriel sans texte.)"


@dataclass(frozen=True)
class Outcome:
    kind: str  # reponse | nouvelle | rebond | automatique | refuse | quarantaine | doublon
    reference: str = ""
    detail: str = ""


async def ingest(state, raw: bytes, recipients: Sequence[str] = ()) -> Outcome:
    """Place one mail (its bytes as received, and the envelope's recipients if known)."""
    try:
        mail = parse(raw)
    except Unreadable as error:
        return await quarantine(state, raw, str(error), recipients)
    try:
        signed = signed_reference(state.settings, recipients or header_recipients(raw))
    except address.ForgedAddress as error:
        log.warning("Adresse de réponse falsifiée refusée\u00a0: %s", error)
        return Outcome("refuse", detail="Adresse de réponse inconnue.")
    try:
        if mail.kind == "rebond":
            return await _bounce(state, mail, signed)
        if mail.kind == "automatique":
            return await _record(state, mail, Outcome("automatique"))
        return await _message(state, mail, signed, recipients or header_recipients(raw), raw)
    except UNIQUE_VIOLATIONS:  # the same mail stored before: its transaction is rolled back
        if await ReceivedMail.exists().where(ReceivedMail.message_id == mail.message_id[:250]):
            return Outcome("doublon")
        raise


def header_recipients(raw: bytes) -> list[str]:
    """To and Cc, when no envelope came with the mail (a mailbox read by IMAP)."""
    from email import message_from_bytes, policy
    from email.utils import getaddresses

    try:
        message = message_from_bytes(raw, policy=policy.compat32)
        values = [
            str(v) for name in ("To", "Cc", "Delivered-To") for v in message.get_all(name, [])
        ]
        return [addr for _, addr in getaddresses(values) if addr]
    except Exception:
        return []


def signed_reference(settings, recipients: Sequence[str]) -> str:
    for recipient in recipients:
        if reference := address.ticket_of(settings, recipient):
            return reference
    return ""


async def _record(state, mail: Incoming, outcome: Outcome) -> Outcome:
    await ReceivedMail.insert(
        ReceivedMail(
            message_id=mail.message_id[:250],
            sender=mail.sender,
            outcome=outcome.kind,
            ticket_reference=outcome.reference,
        )
    )
    return outcome


def storable(text: str) -> str:
    """A header's text as a text column takes it: PostgreSQL refuses NUL and lone surrogates
    (undecodable bytes of a broken mail); the mail itself is kept whole in `raw`."""
    text = text.encode("utf-8", "replace").decode("utf-8")
    return "".join(c for c in text if c >= " " or c == "\t")


async def quarantine(state, raw: bytes, reason: str, recipients: Sequence[str] = ()) -> Outcome:
    """Keep the mail whole, with the reason, for the admins (never lost)."""
    sender, subject = "", ""
    try:
        from email import message_from_bytes, policy

        headers = message_from_bytes(raw[:65536], policy=policy.compat32)
        sender = parseaddr(str(headers.get("From", "")))[1][:320]
        subject = " ".join(str(headers.get("Subject", "")).split())[:300]
    except Exception:  # the reason already says the mail is unreadable
        pass
    async with write_transaction(QuarantinedMail._meta.db):
        await QuarantinedMail.insert(
            QuarantinedMail(
                raw=raw,
                size=len(raw),
                reason=storable(reason),
                sender=storable(sender),
                recipients=storable(", ".join(recipients))[:2000],
                subject=storable(subject),
            )
        )
    log.warning("Courriel mis en quarantaine\u00a0: %s", reason)
    return Outcome("quarantaine", detail=reason)


async def ticket_by_reference(reference: str) -> dict | None:
    return await Ticket.select().where(Ticket.reference == reference).first() if reference else None


async def ticket_answered(settings, answers: Sequence[str]) -> dict | None:
    """The ticket of one of our mails that this one answers (In-Reply-To, References)."""
    for message_id in answers:
        if reference := address.ticket_of_thread(settings, message_id):
            return await ticket_by_reference(reference)
    if answers:
        row = (
            await OutboxMail.select(OutboxMail.ticket_reference)
            .where(
                OutboxMail.message_id.is_in(list(answers)[:50])
                & (OutboxMail.ticket_reference != "")
            )
            .first()
        )
        if row:
            return await ticket_by_reference(row["ticket_reference"])
    return None


async def ticket_by_sender_and_subject(mail: Incoming) -> dict | None:
    """A reply that lost every header: the subject names a ticket of this very sender."""
    for reference in REFERENCE.findall(mail.subject.upper()):
        ticket = await ticket_by_reference(reference)
        if ticket and ticket["requester_email"].lower() == mail.sender:
            return ticket
    return None


async def _bounce(state, mail: Incoming, signed: str) -> Outcome:
    ticket = await ticket_by_reference(signed) or await ticket_answered(
        state.settings, mail.bounced_ids
    )
    async with write_transaction(state.engine):
        if ticket is None:  # a mail of no ticket (a staff member's): nothing to flag
            return await _record(state, mail, Outcome("rebond"))
        reason = mail.bounce_reason
        await AddressBounce.insert(
            AddressBounce(
                ticket_id=ticket["id"],
                ticket_reference=ticket["reference"],
                address=mail.bounced_address or ticket["requester_email"],
                reason=reason,
            )
        )
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket["id"],
                kind="courriel",
                author="systeme",
                public=False,
                body=f"Adresse du demandeur en erreur\u00a0: le courriel n'a pas été remis ({reason}).",
            )
        )
        return await _record(state, mail, Outcome("rebond", ticket["reference"]))


def uploads_of(settings, mail: Incoming) -> tuple[Upload | None, list[str]]:
    """The first file the form would take, and a line for each file left aside (the form
    takes one file a message, PNG, JPEG or PDF, within the size limit)."""
    kept, notes = None, []
    for filename, data in mail.files:
        try:
            upload = check_upload(filename, data, settings.privacy.max_attachment_bytes)
        except AttachmentError as error:
            notes.append(f"Pièce jointe «\u00a0{filename}\u00a0» non reprise\u00a0: {error}")
            continue
        if upload and kept is None:
            kept = upload
        elif upload:
            notes.append(
                f"Pièce jointe «\u00a0{filename}\u00a0» non reprise\u00a0: une seule pièce jointe par message."
            )
    return kept, notes


async def _message(state, mail: Incoming, signed: str, recipients, raw: bytes) -> Outcome:
    settings = state.settings
    ticket = (
        await ticket_by_reference(signed)
        or await ticket_answered(settings, mail.answers)
        or await ticket_by_sender_and_subject(mail)
    )
    upload, notes = uploads_of(settings, mail)
    text = "\n\n".join([mail.text or NO_TEXT, *notes])
    service = TicketService(state)
    if ticket is not None:
        async with write_transaction(state.engine):
            created = await service.reply(ticket, text, upload)
            reference = created.reference if created else ticket["reference"]
            return await _record(state, mail, Outcome("reponse", reference))
    slug = next((s for r in recipients if (s := address.academie_of(r))), "")
    academie = state.academies.get(slug)
    if academie is None:
        return await quarantine(
            state,
            raw,
            "Aucune demande ni aucune académie ne correspond aux destinataires du courriel.",
            recipients,
        )
    first, _, last = (mail.sender_name or mail.sender.partition("@")[0]).partition(" ")
    category, _ = triage_of(state).guess(text)
    request = CleanRequest(
        academie=academie.slug,
        category=category,
        degre="",
        message=text,
        requester_kind="parent",
        requester_first_name=first[:100],
        requester_last_name=last[:100],
        requester_email=mail.sender,
        details={"objet": mail.subject} if mail.subject else {},
    )
    async with write_transaction(state.engine):
        created = await service.create(request, channel="courriel", upload=upload)
        return await _record(state, mail, Outcome("nouvelle", created.reference))
