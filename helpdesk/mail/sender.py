"""The outbox sender: claims due mails, sends them with aiosmtplib, retries with backoff.

Several senders may run at once (one per `helpdesk worker`): on PostgreSQL rows are claimed
with FOR UPDATE SKIP LOCKED, on SQLite inside an IMMEDIATE transaction. A claimed row carries
a lease: if its sender dies, the row becomes due again when the lease ends. A row is marked
sent right after the server accepted it, in its own transaction, and a sent row is never
claimed again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
from piccolo.engine.base import Engine

from helpdesk.db import is_postgres, write_transaction
from helpdesk.mail.tables import OutboxMail
from helpdesk.settings import Settings

log = logging.getLogger("helpdesk.mail")
LEASE = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=1)


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_message(settings: Settings, row: dict) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = row["recipient"]
    message["Subject"] = row["subject"]
    message["Message-ID"] = row["message_id"]
    message["Date"] = format_datetime(row["created_at"])
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(row["text_body"])
    if row["html_body"]:
        message.add_alternative(row["html_body"], subtype="html")
    return message


class MailSender:
    def __init__(self, settings: Settings, engine: Engine, batch_size: int = 50):
        self.settings = settings
        self.engine = engine
        self.batch_size = batch_size

    async def claim(self) -> list[dict]:
        now = utcnow()
        due = ((OutboxMail.status == "pending") & (OutboxMail.next_attempt_at <= now)) | (
            (OutboxMail.status == "sending") & (OutboxMail.lease_until < now)
        )
        async with write_transaction(self.engine):
            query = OutboxMail.select().where(due).order_by(OutboxMail.id).limit(self.batch_size)
            if is_postgres(self.engine):
                query = query.lock_rows("UPDATE", skip_locked=True)
            rows = await query
            if rows:
                await OutboxMail.update(
                    {OutboxMail.status: "sending", OutboxMail.lease_until: now + LEASE}
                ).where(OutboxMail.id.is_in([row["id"] for row in rows]))
        return rows

    async def deliver(self, row: dict) -> None:
        settings = self.settings
        await aiosmtplib.send(
            build_message(settings, row),
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            use_tls=settings.smtp_tls == "tls",
            start_tls=True if settings.smtp_tls == "starttls" else False,
            timeout=settings.smtp_timeout_seconds,
        )

    async def mark_sent(self, row: dict) -> None:
        await OutboxMail.update(
            {
                OutboxMail.status: "sent",
                OutboxMail.sent_at: utcnow(),
                OutboxMail.lease_until: None,
                OutboxMail.attempts: row["attempts"] + 1,
                OutboxMail.last_error: "",
            }
        ).where(OutboxMail.id == row["id"])

    async def mark_failed(self, row: dict, error: Exception) -> None:
        attempts = row["attempts"] + 1
        gave_up = attempts >= self.settings.mail_max_attempts
        delay = min(
            dt.timedelta(seconds=self.settings.mail_backoff_seconds * 2 ** (attempts - 1)),
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
        """Send what is due; the number of mails sent."""
        sent = 0
        for row in await self.claim():
            try:
                await self.deliver(row)
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as error:
                log.warning("Courriel %s non envoyé : %s", row["id"], error)
                await self.mark_failed(row, error)
                continue
            await self.mark_sent(row)
            sent += 1
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
