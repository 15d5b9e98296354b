"""Demo mode's mail catcher: a local SMTP server (aiosmtpd) that keeps every mail in a folder,
so that a newcomer can open the follow-up link a parent would receive."""

from __future__ import annotations

import email
import email.policy
import logging
from dataclasses import dataclass
from pathlib import Path

from aiosmtpd.controller import Controller

# aiosmtpd logs every SMTP command at INFO: too chatty for a demo console.
logging.getLogger("mail.log").setLevel(logging.WARNING)


class _SaveToFolder:
    def __init__(self, folder: Path):
        self.folder = folder

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.folder.mkdir(parents=True, exist_ok=True)
        existing = len(list(self.folder.glob("*.eml")))
        (self.folder / f"{existing + 1:06d}.eml").write_bytes(envelope.content)
        return "250 Message accepted for delivery"


class MailCatcher:
    def __init__(self, folder: Path, host: str = "127.0.0.1", port: int = 8025):
        self.folder = folder
        self.controller = Controller(_SaveToFolder(folder), hostname=host, port=port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()


@dataclass
class CaughtMail:
    name: str
    recipient: str
    subject: str
    date: str
    text: str
    answerable: bool = False  # it has a reply address: « Répondre à ce courriel »


def caught_mails(folder: Path, limit: int = 100) -> list[CaughtMail]:
    """The caught mails, newest first."""
    if not folder.exists():
        return []
    mails = []
    for path in sorted(folder.glob("*.eml"), reverse=True)[:limit]:
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        mails.append(
            CaughtMail(
                name=path.stem,
                recipient=str(message["To"]),
                subject=str(message["Subject"]),
                date=str(message["Date"]),
                text=body.get_content() if body else "",
                answerable=bool(message["Reply-To"]),
            )
        )
    return mails
