"""The outbox sender: claims due mails, sends them with aiosmtplib, retries with backoff.

Several senders may run at once (one per `helpdesk worker`): on PostgreSQL rows are claimed
with FOR UPDATE SKIP LOCKED, on SQLite inside an IMMEDIATE transaction. A claimed row carries
a lease: if its sender dies, the row becomes due again when the lease ends, and a sender starts
no mail that could still be going when its lease ends. A row is marked sent right after the
server accepted it, before the next mail of its connection goes, and a sent row is never
claimed again: a crash loses no mail, and sends twice at most the one each connection had just
got accepted.

A claimed batch is split across a few SMTP connections at once (HELPDESK_SMTP_CONNECTIONS):
each sends its share one mail after the other, over a connection opened for the share and not
for each mail; after an error the next mail of the share opens a new one.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.policy import SMTP, Policy
from email.utils import format_datetime

import aiosmtplib

from helpdesk.core.db import is_postgres, write_transaction
from helpdesk.core.settings import Settings
from helpdesk.mail.address import reply_address, thread_id
from helpdesk.mail.tables import OutboxMail

log = logging.getLogger("helpdesk.mail")
MAX_BACKOFF = dt.timedelta(hours=1)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def close(smtp: aiosmtplib.SMTP | None) -> None:
    """Drop a connection at once (None: nothing to drop)."""
    if smtp is not None:
        smtp.close()


@dataclass(frozen=True)
class Subject:
    """A non-ASCII Subject header, encoded and folded by email.header.Header.

    The policy's own folding of an unstructured header drops the space between two encoded
    words at a fold on Python 3.11 (CPython gh-144156): a long French subject would reach the
    recipient with words glued together. The policy takes an object with a `name` and a
    `fold()` as the header itself (see EmailPolicy.header_store_parse and fold); Header's
    RFC 2047 encoding keeps every space. A line break is refused as the policy refuses it.
    """

    name: str
    value: str

    def __post_init__(self) -> None:
        if len(self.value.splitlines()) > 1:
            raise ValueError("Header values may not contain linefeed or carriage return characters")

    def __str__(self) -> str:
        return self.value

    def fold(self, *, policy: Policy) -> str:
        encoded = Header(self.value, "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


@dataclass(frozen=True)
class MailAttachment:
    """A file sent with a mail, e.g. a letter as PDF."""

    filename: str
    content_type: str  # "application/pdf"
    data: bytes


def build_message(
    settings: Settings, row: dict, attachments: Sequence[MailAttachment] = ()
) -> EmailMessage:
    """The message of an outbox row, built by the email package alone (policy.SMTP): its headers
    are encoded and folded by the library (a non-ASCII Subject by email.header, see Subject),
    which refuses a value holding a line break (ValueError), so no text can add a header. The
    Message-ID and the Date come from the row: a retry sends the same message. Bodies are
    quoted-printable, readable by any server (no 8BITMIME needed); attachments follow them."""
    message = EmailMessage(policy=SMTP)
    message["From"] = settings.mail.from_address
    message["To"] = row["recipient"]
    subject = row["subject"]
    message["Subject"] = subject if subject.isascii() else Subject("Subject", subject)
    message["Message-ID"] = row["message_id"]
    message["Date"] = format_datetime(row["created_at"])
    message["Auto-Submitted"] = "auto-generated"
    if reference := row.get("ticket_reference"):
        # Every mail of a ticket refers to one thread id (signed): mail clients show them
        # together, and a reply that lost its Reply-To still names its ticket.
        message["References"] = message["In-Reply-To"] = thread_id(settings, reference)
        if reply_to := reply_address(settings, reference, row.get("kind", "")):
            message["Reply-To"] = reply_to
    message.set_content(row["text_body"], cte="quoted-printable")
    if row["html_body"]:
        message.add_alternative(row["html_body"], subtype="html", cte="quoted-printable")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            attachment.data, maintype=maintype, subtype=subtype, filename=attachment.filename
        )
    return message


SMTP_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)


def shares_of(rows: list[dict], n: int) -> list[list[dict]]:
    """The batch split in n shares, each recipient's mails in one share and in their order: a
    parent reads the acknowledgment before the answer, as they were written."""
    share_of: dict[str, int] = {}
    shares: list[list[dict]] = [[] for _ in range(n)]
    for row in rows:
        shares[share_of.setdefault(row["recipient"], len(share_of) % n)].append(row)
    return [share for share in shares if share]


class MailSender:
    """Sends the outbox, on the engine its table is bound to (helpdesk.core.db.bind): its queries
    and its transactions must run on one engine, or two SQLite connections lock each other."""

    def __init__(self, settings: Settings, batch_size: int = 100):
        self.settings = settings
        self.batch_size = batch_size
        self.lease = dt.timedelta(seconds=settings.mail.lease_seconds)

    async def claim(self) -> list[dict]:
        """Due mails, leased to this sender. PostgreSQL: rows another sender holds locked are
        skipped (FOR UPDATE SKIP LOCKED), none is taken twice; SQLite: one claimer at a time,
        in an IMMEDIATE transaction."""
        now = utcnow()
        due = ((OutboxMail.status == "pending") & (OutboxMail.next_attempt_at <= now)) | (
            (OutboxMail.status == "sending") & (OutboxMail.lease_until < now)
        )
        select = OutboxMail.select().where(due).order_by(OutboxMail.id).limit(self.batch_size)
        engine = OutboxMail._meta.db
        if is_postgres(engine):
            select = select.lock_rows("UPDATE", skip_locked=True)
        async with write_transaction(engine):
            rows = await select
            if rows:
                await OutboxMail.update(
                    {OutboxMail.status: "sending", OutboxMail.lease_until: now + self.lease}
                ).where(OutboxMail.id.is_in([row["id"] for row in rows]))
        return rows

    async def connect(self) -> aiosmtplib.SMTP:
        server = self.settings.smtp
        smtp = aiosmtplib.SMTP(
            hostname=server.host,
            port=server.port,
            username=server.user or None,
            password=server.password or None,
            use_tls=server.tls == "tls",
            start_tls=True if server.tls == "starttls" else False,
            timeout=server.timeout_seconds,
        )
        await smtp.connect()  # and STARTTLS, and the login, as configured
        return smtp

    async def send(self, smtp: aiosmtplib.SMTP, message: EmailMessage) -> None:
        # A mail about a ticket bounces back to its signed address, which the receiver reads
        # (helpdesk/mailin): the ticket is flagged. Others to the From address, as before.
        bounce_to = message["Reply-To"]
        # SMTPUTF8 asked for a non-ASCII address
        await smtp.send_message(message, sender=str(bounce_to) if bounce_to else None)

    async def mark_sent(self, row: dict) -> None:
        await OutboxMail.update(
            {
                OutboxMail.status: "sent",
                OutboxMail.sent_at: utcnow(),
                OutboxMail.lease_until: None,
                OutboxMail.attempts: OutboxMail.attempts + 1,
                OutboxMail.last_error: "",
            }
        ).where(OutboxMail.id == row["id"])

    async def mark_failed(self, row: dict, error: Exception) -> None:
        attempts = row["attempts"] + 1
        gave_up = attempts >= self.settings.mail.max_attempts
        delay = min(
            dt.timedelta(seconds=self.settings.mail.backoff_seconds * 2 ** (attempts - 1)),
            MAX_BACKOFF,
        )
        await OutboxMail.update(
            {
                OutboxMail.status: "failed" if gave_up else "pending",
                OutboxMail.attempts: attempts,
                OutboxMail.next_attempt_at: utcnow() + delay,
                OutboxMail.lease_until: None,
                OutboxMail.last_error: f"{type(error).__name__}: {error}"[:1000],
            }
        ).where(OutboxMail.id == row["id"])

    async def run_once(self) -> int:
        """Send what is due, its share to each SMTP connection; how many were sent. A share
        stops while the lease still covers the slowest exchange a mail may take (connecting,
        then sending): the rest is claimed again when the lease ends."""
        claimed_at = utcnow()
        rows = await self.claim()
        # Connecting and sending may each wait up to the timeout (half the lease at most).
        slowest = min(2 * dt.timedelta(seconds=self.settings.smtp.timeout_seconds), self.lease / 2)
        last_start = claimed_at + self.lease - slowest
        # While one connection waits for the server, or its mark for the database, the others
        # send. A failure (the database) cancels the other shares: their rows wait for the lease.
        shares = shares_of(rows, max(1, self.settings.smtp.connections))
        async with asyncio.TaskGroup() as group:
            sending = [group.create_task(self.send_share(share, last_start)) for share in shares]
        return sum(task.result() for task in sending)

    async def send_share(self, rows: list[dict], last_start: dt.datetime) -> int:
        """Send these mails one after the other on one SMTP connection; how many were sent."""
        sent, smtp = 0, None
        try:
            for row in rows:
                if utcnow() > last_start:
                    break
                try:
                    message = build_message(self.settings, row)
                except ValueError as error:  # a header the email package refuses (line break)
                    log.warning("Courriel %s impossible à écrire\u00a0: %s", row["id"], error)
                    await self.mark_failed(row, error)
                    continue
                try:
                    smtp = smtp or await self.connect()
                    await self.send(smtp, message)
                except SMTP_ERRORS as error:
                    log.warning("Courriel %s non envoyé\u00a0: %s", row["id"], error)
                    smtp = close(smtp)  # the next mail gets a new connection
                    await self.mark_failed(row, error)
                    continue
                await self.mark_sent(row)
                sent += 1
        except BaseException:
            close(smtp)  # cancelled or failed: no QUIT, which could wait for a stuck server
            raise
        if smtp is not None:
            try:
                await smtp.quit()
            except SMTP_ERRORS:
                close(smtp)
        return sent

    async def run_forever(self, stop: asyncio.Event, interval: float = 1.0) -> None:
        while not stop.is_set():
            try:
                sent = await self.run_once()
            except Exception:  # the loop must survive a database hiccup
                log.exception("Erreur de l'envoi des courriels")
                sent = 0
            if sent == 0:
                try:
                    await asyncio.wait_for(stop.wait(), timeout=interval)
                except TimeoutError:
                    pass
