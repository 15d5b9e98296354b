"""`helpdesk purge`: requests closed for longer than HELPDESK_RETENTION_DAYS are anonymised.

What goes: the requester's and the child's names, mail, phone, birth dates, classe, INE,
identifiers, the free text (message, replies, notes, what the school was asked), the
attachments and letters (their bytes too), the follow-up links, the mails kept in the outbox,
the addresses in error found by mail-in; the mails received past the delay (helpdesk/mailin/
retention.py); the schools' documents of actions on many accounts made before the delay (names,
identifiers, provisional passwords: helpdesk/establishments/batches.py); and, in the audit log, the IP addresses and the ÉduConnect accounts acted on older than the
same delay. What stays, for the
statistics (helpdesk/desk/stats.py): reference, académie, category, status, channel, dates,
and the status changes of the timeline. A request done once is not selected again
(idempotent), and the work goes by batches, each in its own transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from helpdesk.auth.tables import AuditLog
from helpdesk.core.db import write_transaction
from helpdesk.desk.tables import AccountChange, AnomalyTicket
from helpdesk.establishments import batches as letter_batches
from helpdesk.establishments.tables import LetterDelivery, Transmission
from helpdesk.mail.tables import OutboxMail
from helpdesk.mailin import retention as mailin_retention
from helpdesk.tickets.attachments import ATTACHMENTS, delete_bytes
from helpdesk.tickets.tables import Attachment, FollowToken, IdempotencyKey, Ticket, TicketEvent

BATCH = 200
CLOSED = ("clos", "spam")
# Status changes are counted by the statistics (« Demande rouverte… »): their text is the
# system's own, never the requester's, and stays.
KEPT_EVENTS = ("statut",)

BLANK_TICKET = {
    Ticket.requester_first_name: "",
    Ticket.requester_last_name: "",
    Ticket.requester_email: "",
    Ticket.requester_phone: "",
    Ticket.child_first_name: "",
    Ticket.child_last_name: "",
    Ticket.child_birth_date_typed: "",
    Ticket.child_birth_date: None,
    Ticket.refused_birth_date_typed: "",
    Ticket.refused_birth_date: None,
    Ticket.child_classe: "",
    Ticket.child_ine: "",
    Ticket.identifier: "",
    Ticket.activation_email: "",
    Ticket.message: "",
    Ticket.details: "{}",
}


@dataclass
class PurgeReport:
    cutoff: dt.datetime
    tickets: int = 0
    attachments: int = 0
    audit_ips: int = 0
    audit_accounts: int = 0
    mails_in: int = 0
    letter_batches: int = 0
    references: list[str] = field(default_factory=list)


def cutoff_for(retention_days: int, as_of: dt.date | None = None) -> dt.datetime:
    """Requests closed before this instant are past the delay (midnight UTC of the day)."""
    day = as_of or dt.datetime.now(dt.UTC).date()
    return dt.datetime.combine(day - dt.timedelta(days=retention_days), dt.time(0), dt.UTC)


def due(cutoff: dt.datetime):
    """Closed before the cutoff and not anonymised yet (the mail or the message still there)."""
    return (
        Ticket.status.is_in(list(CLOSED))
        & (Ticket.closed_at < cutoff)
        & ((Ticket.requester_email != "") | (Ticket.message != ""))
    )


async def purge(
    retention_days: int, settings, as_of: dt.date | None = None, dry_run: bool = False
) -> PurgeReport:
    report = PurgeReport(cutoff_for(retention_days, as_of))
    audit_due = (AuditLog.created_at < report.cutoff) & (AuditLog.ip != "")
    if dry_run:
        report.tickets = await Ticket.count().where(due(report.cutoff))
        report.attachments = await Attachment.count().where(
            Attachment.ticket.is_in(Ticket.select(Ticket.id).where(due(report.cutoff)))
        )
        report.audit_ips = await AuditLog.count().where(audit_due)
        report.audit_accounts = len(await accounts_in_audit(report.cutoff))
        report.mails_in = await mailin_retention.count_due(report.cutoff)
        report.letter_batches = await letter_batches.forget_before(
            settings, report.cutoff, dry_run=True
        )
        return report
    while (
        batch := await Ticket.select(Ticket.id, Ticket.reference)
        .where(due(report.cutoff))
        .order_by(Ticket.id)
        .limit(BATCH)
    ):
        report.attachments += await anonymise(settings, batch, report.cutoff)
        report.tickets += len(batch)
        report.references += [row["reference"] for row in batch]
    report.audit_ips = await AuditLog.count().where(audit_due)
    await AuditLog.update({AuditLog.ip: ""}).where(audit_due)
    for row in await accounts_in_audit(report.cutoff):
        detail = json.loads(row["detail"]) if isinstance(row["detail"], str) else row["detail"]
        detail.pop("compte", None)
        await AuditLog.update({AuditLog.detail: json.dumps(detail)}).where(AuditLog.id == row["id"])
        report.audit_accounts += 1
    report.mails_in = await mailin_retention.forget_before(report.cutoff)
    report.letter_batches = await letter_batches.forget_before(settings, report.cutoff)
    return report


async def accounts_in_audit(cutoff: dt.datetime) -> list[dict]:
    """Audit entries of account actions still naming the account (a parent's identifier)."""
    return await AuditLog.raw(
        "SELECT id, detail FROM audit_log WHERE action = 'action_compte' AND created_at < {} "
        "AND CAST(detail AS TEXT) LIKE {}",
        cutoff,
        '%"compte"%',
    )


async def anonymise(settings, batch: list[dict], cutoff: dt.datetime) -> int:
    """One batch of requests; the number of files deleted. The bytes go first: a run stopped
    in between leaves the requests selected again by the next run, which finishes them."""
    ids = [row["id"] for row in batch]
    files = await Attachment.select(Attachment.storage_name).where(Attachment.ticket.is_in(ids))
    for file in files:
        await delete_bytes(settings, ATTACHMENTS, file["storage_name"])
    async with write_transaction(Ticket._meta.db):
        await LetterDelivery.delete().where(LetterDelivery.ticket.is_in(ids))
        await Attachment.delete().where(Attachment.ticket.is_in(ids))
        await FollowToken.delete().where(FollowToken.ticket.is_in(ids))
        await IdempotencyKey.delete().where(IdempotencyKey.ticket.is_in(ids))
        await mailin_retention.forget_bounces(ids)
        await TicketEvent.update({TicketEvent.body: "", TicketEvent.data: "{}"}).where(
            TicketEvent.ticket.is_in(ids) & TicketEvent.kind.not_in(list(KEPT_EVENTS))
        )
        await Transmission.update({Transmission.question: "", Transmission.answer: ""}).where(
            Transmission.ticket.is_in(ids)
        )
        await AccountChange.update({AccountChange.account: ""}).where(
            AccountChange.ticket.is_in(ids)
        )
        await AnomalyTicket.update({AnomalyTicket.account: ""}).where(
            AnomalyTicket.ticket.is_in(ids)
        )
        # Mails sent or given up; one still waiting only if it is older than the delay.
        await OutboxMail.delete().where(
            OutboxMail.ticket_reference.is_in([row["reference"] for row in batch])
            & (OutboxMail.status.is_in(["sent", "failed"]) | (OutboxMail.created_at < cutoff))
        )
        for row in batch:  # the search keeps the reference only
            await Ticket.update(
                {**BLANK_TICKET, Ticket.search_text: row["reference"].lower()}
            ).where(Ticket.id == row["id"])
    return len(files)
