"""Signed reply addresses: `assistance+<ticket>.<HMAC>@<domain>`.

The reference names the ticket, the HMAC (keyed by the secret key) proves the address came from
one of our mails: a guessed or altered address is refused. The académies' own addresses,
`assistance-<académie>@<domain>`, open new tickets.
"""

from __future__ import annotations

import hashlib
import hmac
import re

from helpdesk.core.settings import Settings

LOCAL = "assistance"
SIGNATURE_LENGTH = 16  # hex digits: 64 bits, enough against guessing over SMTP
SIGNED = re.compile(r"assistance\+([A-Za-z0-9-]{1,40})\.([0-9a-f]+)", re.IGNORECASE)
ACADEMIE = re.compile(r"assistance-([a-z0-9-]{1,40})", re.IGNORECASE)


def signature(settings: Settings, reference: str) -> str:
    key = f"mailin:{settings.secret_key}".encode()
    digest = hmac.new(key, reference.upper().encode(), hashlib.sha256).hexdigest()
    return digest[:SIGNATURE_LENGTH]


# Mails about a ticket that go to the staff, not to its requester: no reply address, or an
# agent answering one would write in the requester's name.
STAFF_KINDS = frozenset({"notification_agent"})


def reply_address(settings: Settings, reference: str, kind: str = "") -> str:
    """The address a requester answers a ticket's mail at (empty: replies by mail are off, or
    the mail goes to the staff)."""
    if not settings.mailin.domain or not reference or kind in STAFF_KINDS:
        return ""
    return f"{LOCAL}+{reference}.{signature(settings, reference)}@{settings.mailin.domain}"


def academie_address(settings: Settings, slug: str) -> str:
    return f"{LOCAL}-{slug}@{settings.mailin.domain}" if settings.mailin.domain else ""


def split(address: str) -> tuple[str, str]:
    local, _, domain = address.strip().strip("<>").rpartition("@")
    return local, domain.lower()


class ForgedAddress(ValueError):
    """A signed-looking address whose signature is wrong."""


def ticket_of(settings: Settings, address: str) -> str:
    """The reference a signed address names; '' when the address is not a signed one;
    ForgedAddress when it looks signed but its signature is wrong."""
    local, _ = split(address)
    match = SIGNED.fullmatch(local)
    if not match:
        return ""
    reference, given = match.group(1).upper(), match.group(2).lower()
    if not hmac.compare_digest(given, signature(settings, reference)):
        raise ForgedAddress(address)
    return reference


def academie_of(address: str) -> str:
    """The académie slug of an assistance address, '' for any other."""
    match = ACADEMIE.fullmatch(split(address)[0])
    return match.group(1).lower() if match else ""


def thread_id(settings: Settings, reference: str) -> str:
    """The Message-ID every mail of a ticket refers to (References): a mail client threads
    them together, and a reply that lost its Reply-To still names the ticket, signed."""
    domain = settings.mailin.domain or "assistance.localhost"
    return f"<{reference}.{signature(settings, reference)}@{domain}>"


def ticket_of_thread(settings: Settings, message_id: str) -> str:
    """The reference a thread id names ('' for any other Message-ID, or a forged one)."""
    local, _ = split(message_id)
    reference, _, given = local.rpartition(".")
    if not reference or not re.fullmatch(r"[A-Za-z0-9-]{1,40}", reference):
        return ""
    reference = reference.upper()
    return reference if hmac.compare_digest(given.lower(), signature(settings, reference)) else ""
