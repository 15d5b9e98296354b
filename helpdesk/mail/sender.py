"""The outbox sender: claims due mails, sends them with aiosmtplib, retries with backoff.

Several senders may run at once (one per `helpdesk worker`): on PostgreSQL rows are claimed
with FOR UPDATE SKIP LOCKED, on SQLite inside an IMMEDIATE transaction. A claimed row carries
a lease: if its sender dies, the row becomes due again when the lease ends. A row is marked
sent right after the server accepted it, before the next mail of its connection, and a sent
row is never claimed again.

A claimed batch goes out over a few SMTP connections at once (CONNECTIONS), each opened once
for its share of the batch, not once per mail; after an error the next mail opens a new one.
Marks that come at the same time are written by one UPDATE.
"""

from __future__ import annotations

import asyncio
import binascii
import datetime as dt
import functools
import logging
import secrets
from collections.abc import Awaitable, Callable
from email.header import Header
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

import aiosmtplib
from piccolo.engine.base import Engine

from helpdesk.db import is_postgres, write_transaction
from helpdesk.mail.tables import OutboxMail
from helpdesk.settings import Settings

log = logging.getLogger("helpdesk.mail")
LEASE = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=1)
CRLF = "\r\n"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def close(smtp: aiosmtplib.SMTP | None) -> None:
    """Drop a connection at once (None: nothing to drop)."""
    if smtp is not None:
        smtp.close()


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


@functools.lru_cache(maxsize=8)
def sender_of(mail_from: str) -> tuple[str, str]:
    """The From header (display name encoded) and the address of HELPDESK_MAIL_FROM."""
    name, address = parseaddr(mail_from)
    return formataddr((name, address), charset="utf-8"), address


def message_bytes(settings: Settings, row: dict) -> bytes | None:
    """The message of build_message, written out directly: the email package's header objects
    cost ≈ 1 ms of CPU a mail, more than everything else the sender does. Same headers, same
    parts, quoted-printable; None for a non-ASCII address (build_message and SMTPUTF8 then)."""
    from_header, address = sender_of(settings.mail_from)
    if not (row["recipient"].isascii() and address.isascii()):
        return None
    subject = row["subject"]
    plain = subject.isascii() and subject.isprintable()
    lines = [
        f"From: {from_header}",
        f"To: {row['recipient']}",
        f"Subject: {Header(subject, 'us-ascii' if plain else 'utf-8').encode(linesep=CRLF)}",
        f"Message-ID: {row['message_id']}",
        f"Date: {format_datetime(row['created_at'])}",
        "Auto-Submitted: auto-generated",
        "MIME-Version: 1.0",
    ]
    if not row["html_body"]:
        lines += text_part("plain", row["text_body"])
    else:
        boundary = f"==============={secrets.token_hex(8)}=="  # QP writes "=" as =3D
        lines += [f'Content-Type: multipart/alternative; boundary="{boundary}"', ""]
        lines += [f"--{boundary}", *text_part("plain", row["text_body"])]
        lines += [f"--{boundary}", *text_part("html", row["html_body"])]
        lines += [f"--{boundary}--", ""]
    return CRLF.join(lines).encode("ascii")


def text_part(subtype: str, body: str) -> list[str]:
    data = b"\n".join(body.encode().splitlines()) + b"\n"  # as set_content(): ends a line
    encoded = binascii.b2a_qp(data, istext=True).decode("ascii")
    return [
        f'Content-Type: text/{subtype}; charset="utf-8"',
        "Content-Transfer-Encoding: quoted-printable",
        "",
        encoded.replace("\n", CRLF),
    ]


SMTP_ERRORS = (aiosmtplib.SMTPException, OSError, TimeoutError)
CONNECTIONS = 4  # SMTP connections used at once by a sender


class SentMarks:
    """Marks accepted mails sent. Each caller waits until its own mail is marked; the mails
    accepted while an UPDATE runs are marked together by the next one. After a failed UPDATE
    every caller fails: a mail is counted sent only once its row says so."""

    def __init__(self, mark: Callable[[list[dict]], Awaitable[None]]):
        self.mark = mark
        self.waiting: dict[int, dict] = {}
        self.lock = asyncio.Lock()
        self.error: BaseException | None = None

    async def add(self, row: dict) -> None:
        self.waiting[row["id"]] = row
        async with self.lock:
            if self.error is not None:
                raise self.error
            if row["id"] in self.waiting:  # not marked by the UPDATE that just ran
                rows, self.waiting = list(self.waiting.values()), {}
                try:
                    await self.mark(rows)
                except BaseException as error:
                    self.error = error
                    raise


class MailSender:
    def __init__(
        self,
        settings: Settings,
        engine: Engine,
        batch_size: int = 100,
        connections: int = CONNECTIONS,
    ):
        self.settings = settings
        self.engine = engine
        self.batch_size = batch_size
        self.connections = connections

    async def claim(self) -> list[dict]:
        """Due mails, leased to this sender. PostgreSQL: rows another sender holds locked are
        skipped (FOR UPDATE SKIP LOCKED), none is taken twice; SQLite: one claimer at a time,
        in an IMMEDIATE transaction."""
        now = utcnow()
        due = ((OutboxMail.status == "pending") & (OutboxMail.next_attempt_at <= now)) | (
            (OutboxMail.status == "sending") & (OutboxMail.lease_until < now)
        )
        select = OutboxMail.select().where(due).order_by(OutboxMail.id).limit(self.batch_size)
        if is_postgres(self.engine):
            select = select.lock_rows("UPDATE", skip_locked=True)
        async with write_transaction(self.engine):
            rows = await select
            if rows:
                await OutboxMail.update(
                    {OutboxMail.status: "sending", OutboxMail.lease_until: now + LEASE}
                ).where(OutboxMail.id.is_in([row["id"] for row in rows]))
        return rows

    async def connect(self) -> aiosmtplib.SMTP:
        settings = self.settings
        smtp = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_user or None,
            password=settings.smtp_password or None,
            use_tls=settings.smtp_tls == "tls",
            start_tls=True if settings.smtp_tls == "starttls" else False,
            timeout=settings.smtp_timeout_seconds,
        )
        await smtp.connect()  # and STARTTLS, and the login, as configured
        return smtp

    async def send(self, smtp: aiosmtplib.SMTP, row: dict) -> None:
        data = message_bytes(self.settings, row)
        if data is None:
            await smtp.send_message(build_message(self.settings, row))
        else:
            sender = sender_of(self.settings.mail_from)[1]
            await smtp.sendmail(sender, [row["recipient"]], data)

    async def mark_sent(self, rows: list[dict]) -> None:
        await OutboxMail.update(
            {
                OutboxMail.status: "sent",
                OutboxMail.sent_at: utcnow(),
                OutboxMail.lease_until: None,
                OutboxMail.attempts: OutboxMail.attempts + 1,
                OutboxMail.last_error: "",
            }
        ).where(OutboxMail.id.is_in([row["id"] for row in rows]))

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
        rows = await self.claim()
        if not rows:
            return 0
        marks = SentMarks(self.mark_sent)
        shares = [rows[i :: self.connections] for i in range(min(self.connections, len(rows)))]
        async with asyncio.TaskGroup() as group:  # a failure stops the other connections
            tasks = [group.create_task(self.send_share(share, marks)) for share in shares]
        return sum(task.result() for task in tasks)

    async def send_share(self, rows: list[dict], marks: SentMarks) -> int:
        """Send these mails one after the other on one SMTP connection; how many were sent."""
        sent, smtp = 0, None
        try:
            for row in rows:
                try:
                    smtp = smtp or await self.connect()
                    await self.send(smtp, row)
                except SMTP_ERRORS as error:
                    log.warning("Courriel %s non envoyé\u00a0: %s", row["id"], error)
                    smtp = close(smtp)  # the next mail gets a new connection
                    await self.mark_failed(row, error)
                    continue
                await marks.add(row)
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
