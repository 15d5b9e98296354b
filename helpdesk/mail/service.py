"""Queueing a mail: render its templates now, store it in the outbox in the caller's transaction."""

from __future__ import annotations

from email.utils import make_msgid

from jinja2 import Environment

from helpdesk.mail.tables import OutboxMail
from helpdesk.settings import Settings


def render_mail(jinja: Environment, template: str, context: dict) -> tuple[str, str]:
    """(plain text, HTML) of templates/mail/<template>.txt and .html."""
    text = jinja.get_template(f"mail/{template}.txt").render(**context)
    html = jinja.get_template(f"mail/{template}.html").render(**context)
    return text, html


async def queue_mail(
    jinja: Environment,
    settings: Settings,
    *,
    to: str,
    subject: str,
    template: str,
    context: dict,
    kind: str,
    ticket_reference: str = "",
) -> OutboxMail:
    text, html = render_mail(jinja, template, {"settings": settings, "subject": subject, **context})
    domain = settings.mail_from.rsplit("@", 1)[-1].strip(">") or "assistance.localhost"
    mail = OutboxMail(
        recipient=to,
        subject=subject,
        text_body=text,
        html_body=html,
        message_id=make_msgid(domain=domain),
        kind=kind,
        ticket_reference=ticket_reference,
    )
    await mail.save()
    return mail


async def outbox_counts() -> dict[str, int]:
    rows = await OutboxMail.raw("SELECT status, COUNT(*) AS n FROM outbox_mail GROUP BY status")
    return {row["status"]: row["n"] for row in rows}
