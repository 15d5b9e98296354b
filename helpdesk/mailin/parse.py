"""Reading a mail with the stdlib `email` package (policy.default): who wrote, what it answers,
whether it is a bounce or an auto-reply, its new words and its files. Whatever the mail holds,
either an Incoming or Unreadable (with the reason in French) comes out."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from email import policy
from email.header import decode_header, make_header
from email.headerregistry import HeaderRegistry
from email.message import EmailMessage, Message
from email.parser import BytesParser, HeaderParser
from email.utils import getaddresses, parseaddr

from helpdesk.mailin.text import html_to_text, trim_reply

MAX_PARTS = 20
MAX_DEPTH = 10
MAX_TEXT = 50_000  # characters kept of a mail's text
MESSAGE_ID = re.compile(r"<[^<>\s]{1,240}>")
AUTO_SUBJECT = re.compile(
    r"^\s*(absent du bureau|absence|réponse automatique|auto(matic)?[ -]?reply|"
    r"out of (the )?office|autoreply|je suis absent)",
    re.IGNORECASE,
)


class _Registry(HeaderRegistry):
    """policy.default's header classes, each made once: the stdlib's registry makes a new class
    at every header it reads (get_content_type, called many times a mail, was most of the
    parsing time)."""

    def __init__(self) -> None:
        super().__init__()
        self.made: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        if key not in self.made:
            self.made[key] = super().__getitem__(name)
        return self.made[key]


POLICY = policy.default.clone(header_factory=_Registry())


class Unreadable(ValueError):
    """A mail that cannot be read: kept in quarantine with this reason."""


@dataclass
class Incoming:
    message_id: str
    sender: str  # the From address, lower-case
    sender_name: str
    subject: str
    answers: list[str]  # In-Reply-To then References, the nearest first
    kind: str  # message | rebond | automatique
    text: str = ""
    files: list[tuple[str, bytes]] = field(default_factory=list)
    bounce_reason: str = ""
    bounced_ids: list[str] = field(default_factory=list)  # Message-IDs of the mail that failed
    bounced_address: str = ""


def _header(message: Message, name: str) -> str:
    """A header as text, its encoded words (RFC 2047) decoded; '' when absent or unreadable.
    Read from the raw value: the policy's header objects cost more than the rest of the
    parsing, and only the text is needed here."""
    wanted = name.lower()
    value = next((v for k, v in message.raw_items() if k.lower() == wanted), None)
    if value is None:
        return ""
    try:
        value = str(make_header(decode_header(value)))
    except Exception:  # a broken encoded word: the raw text will do
        value = str(value)
    # Bytes that were not UTF-8 come as surrogates: replaced, or no database would take them.
    value = value.encode("utf-8", "replace").decode("utf-8")
    return " ".join(value.split())


def _ids(value: str) -> list[str]:
    return MESSAGE_ID.findall(value)


def _check_shape(message: Message, depth: int = 0, count: list[int] | None = None) -> None:
    count = count if count is not None else [0]
    count[0] += 1
    if count[0] > MAX_PARTS:
        raise Unreadable(f"Le courriel compte plus de {MAX_PARTS} parties.")
    if depth > MAX_DEPTH:
        raise Unreadable(f"Le courriel imbrique ses parties sur plus de {MAX_DEPTH} niveaux.")
    if message.is_multipart():
        for part in message.get_payload():
            if isinstance(part, Message):
                _check_shape(part, depth + 1, count)


def _content(part: Message) -> str:
    try:
        content = part.get_content()
    except Exception:  # unknown charset, broken encoding: the bytes as well as they read
        raw = part.get_payload(decode=True) or b""
        content = raw.decode("utf-8", errors="replace")
    return content if isinstance(content, str) else ""


def _text(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain", "html"))
    if body is None:
        return ""
    content = _content(body)
    if body.get_content_subtype() == "html":
        content = html_to_text(content)
    return content


def _files(message: EmailMessage) -> list[tuple[str, bytes]]:
    body = message.get_body(preferencelist=("plain", "html"))
    files = []
    for part in message.walk():
        if part.is_multipart() or part is body or part.get_content_maintype() == "message":
            continue
        filename = part.get_filename() or ""
        disposition = part.get_content_disposition()
        if (
            disposition == "attachment"
            or filename
            or part.get_content_maintype()
            in (
                "image",
                "application",
            )
        ):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and data:
                files.append((filename or "piece-jointe", data))
    return files


# Senders that are machines: answering them could start a loop with a careless responder.
MACHINE_SENDERS = re.compile(
    r"(mailer-daemon|postmaster|no-?reply|ne-?pas-?repondre|bounces?)([+.-].*)?@", re.IGNORECASE
)


def _is_automatic(message: Message, subject: str, sender: str = "") -> bool:
    auto = _header(message, "Auto-Submitted").lower()
    precedence = _header(message, "Precedence").lower()
    return (
        (auto != "" and auto != "no")
        or precedence in ("bulk", "list", "junk")
        or bool(_header(message, "List-Id"))
        or bool(_header(message, "X-Autoreply") or _header(message, "X-Autorespond"))
        or bool(AUTO_SUBJECT.match(subject))
        or bool(MACHINE_SENDERS.match(sender))
    )


def _bounce(message: EmailMessage, incoming: Incoming) -> bool:
    """A delivery status notification (RFC 3464): fills the reason and what failed. A delay
    notice is no failure: the mail may still arrive."""
    if message.get_content_type() != "multipart/report":
        return False
    if message.get_param("report-type", "").lower() != "delivery-status":
        return False
    failed = False
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/delivery-status":
            for block in part.get_payload():
                if not isinstance(block, Message):
                    continue
                action = _header(block, "Action").lower()
                if action == "failed":
                    failed = True
                    incoming.bounced_address = parseaddr(
                        _header(block, "Final-Recipient").partition(";")[2]
                    )[1].lower()
                    incoming.bounce_reason = (
                        _header(block, "Diagnostic-Code").partition(";")[2].strip()
                        or _header(block, "Status")
                    )[:1000]
        elif kind in ("message/rfc822", "text/rfc822-headers", "message/rfc822-headers"):
            original = part.get_payload(0) if kind == "message/rfc822" else None
            if original is None:
                original = HeaderParser(policy=POLICY).parsestr(_content(part))
            incoming.bounced_ids += _ids(_header(original, "Message-ID"))
            incoming.bounced_ids += _ids(_header(original, "References"))
    if not failed:
        incoming.kind = "automatique"
        return True
    if not incoming.bounce_reason:
        incoming.bounce_reason = "Le courriel n'a pas pu être remis."
    incoming.kind = "rebond"
    return True


def parse(raw: bytes) -> Incoming:
    try:
        message = BytesParser(policy=POLICY).parsebytes(raw)
    except Exception as error:
        raise Unreadable(f"Courriel illisible ({type(error).__name__}).") from error
    if not isinstance(message, EmailMessage) or not message.keys():
        raise Unreadable("Le courriel n'a aucun en-tête.")
    _check_shape(message)
    try:
        return _read(message, raw)
    except Unreadable:
        raise
    except Exception as error:  # whatever the library meets in a forged mail
        raise Unreadable(f"Courriel illisible ({type(error).__name__}).") from error


def _read(message: EmailMessage, raw: bytes) -> Incoming:
    found = _ids(_header(message, "Message-ID"))
    # Without a Message-ID, its content names it: the same mail delivered twice is one.
    message_id = found[0] if found else f"<{hashlib.sha256(raw).hexdigest()}@sans-identifiant>"
    senders = getaddresses([_header(message, "From")])
    name, address = senders[0] if senders else ("", "")
    if not address or "@" not in address:
        raise Unreadable("Le courriel n'indique pas d'expéditeur (From).")
    subject = _header(message, "Subject")[:300]
    answers = _ids(_header(message, "In-Reply-To")) + _ids(_header(message, "References"))[::-1]
    incoming = Incoming(
        message_id=message_id,
        sender=address.lower()[:320],
        sender_name=name.strip()[:200],
        subject=subject,
        answers=answers,
        kind="message",
    )
    if _bounce(message, incoming):
        return incoming
    if _is_automatic(message, subject, incoming.sender):
        incoming.kind = "automatique"
        return incoming
    text = trim_reply(_text(message))
    if len(text) > MAX_TEXT:
        text = (
            text[:MAX_TEXT] + "\n[…] (suite coupée\u00a0: le courriel dépasse la longueur gardée)"
        )
    incoming.text = text
    incoming.files = _files(message)
    return incoming
