"""A mail to the agent a ticket is assigned to, when something happens on it (a reply of the
requester, of a school, an assignment), if the agent asked for such mails."""

from __future__ import annotations

from helpdesk.auth.service import notification_address
from helpdesk.mail.service import queue_mail


async def notify_agent(state, user_id: int, ticket: dict, subject: str) -> None:
    address = await notification_address(user_id)
    if not address:
        return
    await queue_mail(
        state.jinja,
        state.settings,
        to=address,
        subject=f"{subject} : {ticket['reference']}",
        template="notification_agent",
        context={
            "ticket": ticket,
            "subject": subject,
            "url": f"{state.settings.public_base_url}/agent/tickets/{ticket['reference']}",
        },
        kind="notification_agent",
        ticket_reference=ticket["reference"],
    )
