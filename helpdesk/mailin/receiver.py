"""The SMTP (or LMTP) receiver the académie's mail server relays to: aiosmtpd, in the running
event loop. A mail is answered 250 only once it is committed (or kept in quarantine); while the
database is away it is answered 451, and the sending server tries again later."""

from __future__ import annotations

import asyncio
import logging
import sqlite3

import asyncpg
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP

from helpdesk.mail import address
from helpdesk.mailin.ingest import ingest, quarantine

log = logging.getLogger("helpdesk.mailin")
logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs each command at INFO

MAX_BYTES = 25 * 1024 * 1024  # larger mails are refused at DATA (552), by aiosmtpd itself
DATABASE_ERRORS = (sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError, OSError)
TRY_LATER = "451 4.3.0 Service momentanement indisponible, reessayez plus tard"
UNKNOWN = "550 5.1.1 Adresse de reponse inconnue"


class Handler:
    def __init__(self, state):
        self.state = state

    async def handle_RCPT(self, server, session, envelope, rcpt, options):  # noqa: N802
        settings = self.state.settings
        if settings.mailin.domain and address.split(rcpt)[1] != settings.mailin.domain:
            return "550 5.7.1 Domaine non servi ici"  # nothing is relayed from here
        try:
            address.ticket_of(settings, rcpt)
        except address.ForgedAddress:
            return UNKNOWN  # a guessed or altered reply address: refused before DATA
        envelope.rcpt_tos.append(rcpt)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        try:
            outcome = await ingest(self.state, raw, list(envelope.rcpt_tos))
        except DATABASE_ERRORS as error:
            log.warning("Courriel différé, base de données indisponible\u00a0: %s", error)
            return TRY_LATER
        except Exception as error:  # a mail this code cannot place: kept, never lost
            log.exception("Courriel impossible à placer")
            try:
                await quarantine(
                    self.state,
                    raw,
                    f"Erreur au traitement ({type(error).__name__}).",
                    list(envelope.rcpt_tos),
                )
            except Exception:
                return TRY_LATER
            return "250 OK"
        if outcome.kind == "refuse":
            return UNKNOWN
        return "250 OK"


class MailReceiver:
    """Listens on host:port in the current event loop until stop()."""

    def __init__(self, state, host: str, port: int, lmtp: bool = False, reuse_port=False):
        self.state, self.host, self.port, self.lmtp = state, host, port, lmtp
        self.reuse_port = reuse_port  # several processes, each with a socket of its own
        self.server: asyncio.base_events.Server | None = None

    async def start(self) -> None:
        protocol = LMTP if self.lmtp else SMTP
        handler = Handler(self.state)
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(
            lambda: protocol(
                handler,
                data_size_limit=MAX_BYTES,
                enable_SMTPUTF8=True,
                hostname=self.state.settings.mailin.domain or "assistance.localhost",
            ),
            host=self.host,
            port=self.port,
            reuse_port=self.reuse_port or None,
        )
        log.info("Réception des courriels sur %s:%s", self.host, self.port)

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            try:  # a sender that keeps its connection open must not hold the stop
                await asyncio.wait_for(self.server.wait_closed(), timeout=2)
            except TimeoutError:
                pass
            self.server = None


async def start_receiver(state) -> MailReceiver | None:
    """The receiver of the settings, started; None when switched off (HELPDESK_MAILIN_PORT=0)
    or when its port is taken: the web pages still serve, the log says why."""
    settings = state.settings
    if not settings.mailin.port:
        return None
    receiver = MailReceiver(state, settings.mailin.host, settings.mailin.port, settings.mailin.lmtp)
    try:
        await receiver.start()
    except OSError as error:
        log.error(
            "Réception des courriels impossible sur %s:%s\u00a0: %s",
            settings.mailin.host,
            settings.mailin.port,
            error,
        )
        return None
    return receiver
