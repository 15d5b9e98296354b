"""Queueing a mail: render its templates now, store it in the outbox in the caller's transaction."""

from __future__ import annotations

import secrets
from email.utils import parseaddr

from jinja2 import Environment

from helpdesk.core.settings import Settings
from helpdesk.mail.address import reply_address
from helpdesk.mail.tables import OutboxMail


def render_mail(jinja: Environment, template: str, context: dict) -> tuple[str, str]:
    """(plain text, HTML) of templates/mail/<template>.txt and .html."""
    text = jinja.get_template(f"mail/{template}.txt").render(**context)
    html = jinja.get_template(f"mail/{template}.html").render(**context)
    return text, html


def compose_mail(
    jinja: Environment,
    settings: Settings,
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    kind: str,
    ticket_reference: str = "",
) -> dict:
    """The outbox row of a mail (OutboxMail's values): its templates rendered, its Message-ID."""
    # A subject is one line: a line break typed in a form (CR, LF, U+2028…) becomes a space,
    # where the email package would refuse the header when the mail is sent.
    subject = " ".join(subject.splitlines())
    # An address is checked where it is typed; one holding a line break would be a header.
    if len(to.splitlines()) > 1:
        raise ValueError(f"Adresse de destinataire refusée\u00a0: {to!r}")
    # The footer says « répondez simplement à ce courriel » when the mail has a reply address.
    answerable = bool(reply_address(settings, ticket_reference, kind))
    text, html = render_mail(
        jinja,
        template,
        {"settings": settings, "subject": subject, "answerable": answerable, **context},
    )
    domain = parseaddr(settings.mail.from_address)[1].rpartition("@")[2] or "assistance.localhost"
    return {
        "recipient": to,
        "subject": subject[:300],  # the column's length
        "text_body": text,
        "html_body": html,
        # Not email.utils.make_msgid: its random part comes from `random`, which tests seed.
        "message_id": f"<{secrets.token_hex(16)}@{domain}>",
        "kind": kind,
        "ticket_reference": ticket_reference,
    }


async def queue_mail(jinja: Environment, settings: Settings, **mail) -> OutboxMail:
    """Stores the mail in the outbox, in the caller's transaction (see compose_mail)."""
    row = OutboxMail(**compose_mail(jinja, settings, **mail))
    await row.save()
    return row


async def outbox_counts() -> dict[str, int]:
    rows = await OutboxMail.raw("SELECT status, COUNT(*) AS n FROM outbox_mail GROUP BY status")
    return {row["status"]: row["n"] for row in rows}
