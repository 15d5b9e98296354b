"""The IMAP poller, for an académie whose replies sit in a mailbox: every unread mail of the
folder goes through the same `ingest` as the SMTP receiver's, and is marked read only once
placed (a database away leaves it unread, read again at the next round). Nothing is deleted
from the mailbox; the Message-ID keeps a mail read twice stored once.

stdlib `imaplib`, blocking: each exchange with the server runs in a thread.
"""

from __future__ import annotations

import asyncio
import imaplib
import logging
import ssl

from helpdesk.core.settings import ImapSettings
from helpdesk.mailin.ingest import ingest
from helpdesk.mailin.receiver import DATABASE_ERRORS

log = logging.getLogger("helpdesk.mailin")
TIMEOUT = 30  # seconds for each exchange with the server


def connect(imap: ImapSettings) -> imaplib.IMAP4:
    if imap.tls == "tls":
        mailbox = imaplib.IMAP4_SSL(
            imap.host, imap.port, ssl_context=ssl.create_default_context(), timeout=TIMEOUT
        )
    else:
        mailbox = imaplib.IMAP4(imap.host, imap.port, timeout=TIMEOUT)
        if imap.tls == "starttls":
            mailbox.starttls(ssl.create_default_context())
    mailbox.login(imap.user, imap.password)
    status, _ = mailbox.select(imap.folder)
    if status != "OK":
        mailbox.logout()
        raise imaplib.IMAP4.error(f"dossier {imap.folder} introuvable")
    return mailbox


def unread(mailbox: imaplib.IMAP4) -> list[bytes]:
    status, data = mailbox.uid("SEARCH", None, "UNSEEN")
    return data[0].split() if status == "OK" and data and data[0] else []


def fetch(mailbox: imaplib.IMAP4, uid: bytes) -> bytes | None:
    """The mail as received (BODY.PEEK: not marked read by the reading)."""
    status, data = mailbox.uid("FETCH", uid, "(BODY.PEEK[])")
    if status != "OK":
        return None
    return next((part[1] for part in data if isinstance(part, tuple)), None)


def mark_read(mailbox: imaplib.IMAP4, uid: bytes) -> None:
    mailbox.uid("STORE", uid, "+FLAGS", "(\\Seen)")


async def poll_once(state) -> int:
    """Place the folder's unread mails; how many were placed."""
    mailbox = await asyncio.to_thread(connect, state.settings.imap)
    placed = 0
    try:
        for uid in await asyncio.to_thread(unread, mailbox):
            raw = await asyncio.to_thread(fetch, mailbox, uid)
            if raw is None:
                continue
            try:
                await ingest(state, raw)
            except DATABASE_ERRORS as error:
                log.warning(
                    "Relève IMAP interrompue, base de données indisponible\u00a0: %s", error
                )
                break  # left unread: read again at the next round
            await asyncio.to_thread(mark_read, mailbox, uid)
            placed += 1
    finally:
        await asyncio.to_thread(mailbox.logout)
    return placed


async def poll_forever(state, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await poll_once(state)
        except (OSError, imaplib.IMAP4.error) as error:  # the server away: next round
            log.warning("Relève IMAP impossible\u00a0: %s", error)
        except Exception:
            log.exception("Erreur de la relève IMAP")
        try:
            await asyncio.wait_for(stop.wait(), timeout=state.settings.imap.poll_seconds)
        except TimeoutError:
            pass
