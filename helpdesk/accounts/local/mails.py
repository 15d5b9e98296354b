"""The mails the local directory writes to the outbox (sent later by the mail worker): the
confirmation of an address, and those of the actions (identifier, « Informer », new address).
Their texts are templates/accounts/mail/compte_….txt."""

from __future__ import annotations

import secrets

from helpdesk.accounts.local.common import CONFIRMATION_LIFETIME, DirectoryBase, token_hash
from helpdesk.accounts.port import QueuedMail
from helpdesk.accounts.tables import DirectoryMailConfirmation


class Mails(DirectoryBase):
    async def _queue(
        self,
        row: dict,
        template: str,
        to: str,
        subject: str,
        context: dict,
        ticket_reference: str = "",
    ) -> QueuedMail:
        from helpdesk.mail.service import queue_mail

        establishments = await self._establishments()
        mail = await queue_mail(
            self.jinja,
            self.settings,
            to=to,
            subject=subject,
            template=template,
            context={
                "account": row,
                "establishment": (establishments.get(row["uai"]) or {}).get("name", ""),
                **context,
            },
            kind=template,
            ticket_reference=ticket_reference,
        )
        return QueuedMail(kind=template, to=to, subject=subject, outbox_id=mail.id)

    async def _confirmation_mail(self, row: dict, email: str, ticket: str = "") -> QueuedMail:
        token = secrets.token_urlsafe(32)
        now = self.now()
        await DirectoryMailConfirmation.insert(
            DirectoryMailConfirmation(
                account=row["id"],
                email=email,
                token_hash=token_hash(token),
                created_at=now,
                expires_at=now + CONFIRMATION_LIFETIME,
            )
        )
        link = f"{self.settings.public_base_url}/comptes/confirmer/{token}"
        # FAQ seed 001 §9: the real mail's subject, for a responsable.
        subject = (
            "Mise à disposition de services en ligne pour suivre la scolarité de votre enfant"
            if row["kind"] == "responsable"
            else "Confirmez votre adresse mail ÉduConnect"
        )
        return await self._queue(
            row,
            "compte_confirmation",
            email,
            subject,
            {"link": link, "email": email, "days": CONFIRMATION_LIFETIME.days},
            ticket,
        )
