"""Queueing a mail: render its templates now, store it in the outbox in the caller's transaction."""

from __future__ import annotations

import secrets

from jinja2 import Environment

from helpdesk.mail.tables import OutboxMail
from helpdesk.settings import Settings


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
    text, html = render_mail(jinja, template, {"settings": settings, "subject": subject, **context})
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(">") or "assistance.localhost"
    return {
        "recipient": to,
        "subject": subject,
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
