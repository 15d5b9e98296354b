"""What the holders of the accounts do themselves, outside the port (for the confirmation
link the help desk serves, the demo and the tests): follow the link of a confirmation mail,
use a provisional password (first activation, or the new password after a reset)."""

from __future__ import annotations

import hmac
from typing import Any

from helpdesk.accounts.local.common import Confirmation, token_hash
from helpdesk.accounts.local.mails import Mails
from helpdesk.accounts.local.records import hash_of
from helpdesk.accounts.port import ACTIVE, EN_COURS, INFORME, Account, ActionRefused, Scope
from helpdesk.accounts.rules import check_email, parse_date, password_problem
from helpdesk.accounts.tables import DirectoryLink, DirectoryMailConfirmation
from helpdesk.core.db import write_transaction


class Users(Mails):
    async def confirm_email(self, token: str) -> Confirmation:
        """Following the link of a confirmation mail (FAQ seed 001 §2.2, §7, §11)."""
        async with write_transaction(self.engine()):
            sent = (
                await DirectoryMailConfirmation.select()
                .where(DirectoryMailConfirmation.token_hash == token_hash(token or ""))
                .first()
            )
            if sent is None:
                return Confirmation("invalid")
            row = await self._reload(sent["account"])
            awaiting = row["pending_email"] or ("" if row["email_confirmed"] else row["email"])
            if sent["used_at"] or (
                sent["email"] == row["email"] and row["email_confirmed"] and not awaiting
            ):
                return Confirmation("already", sent["email"], identifier=row["identifier"])
            if sent["expires_at"] < self.now():
                return Confirmation("expired", sent["email"], identifier=row["identifier"])
            if sent["email"] != awaiting:
                return Confirmation("invalid", sent["email"])
            values: dict[str, Any] = {
                "email": sent["email"],
                "email_confirmed": True,
                "pending_email": "",
                "adresse_mail_en_erreur": False,
            }
            activated = row["state"] == EN_COURS
            if activated:
                # « Cliquez sur le lien fourni dans le courriel pour activer votre compte »
                # (FAQ seed 001 §2.2): "En cours d'activation" becomes "Activé" (guide 5.1).
                values.update(state=ACTIVE, activated_at=self.now())
            await self._update(row["id"], **values)
            await DirectoryMailConfirmation.update(
                {DirectoryMailConfirmation.used_at: self.now()}
            ).where(DirectoryMailConfirmation.id == sent["id"])
            await self.refresh([row["id"]])
            return Confirmation("confirmed", sent["email"], activated, row["identifier"])

    async def use_provisional_password(
        self,
        identifier: str,
        provisional: str,
        new_password: str,
        *,
        email: str = "",
        child_birth_date: str = "",
    ) -> Account:
        """What a user does with the provisional password on ÉduConnect's login page: first
        activation (FAQ seed 001 §2.2: password, mail, the child's birth date, then the link of
        the mail) or the new password after a reset. For the demo and the tests."""
        async with write_transaction(self.engine()):
            row = await self._row(identifier, Scope.everywhere(), lock=True)
            if row["password_kind"] != "provisoire" or not hmac.compare_digest(
                row["provisional_password"].encode(), (provisional or "").encode()
            ):
                raise ActionRefused("L'identifiant ou le mot de passe est incorrect.")
            problem = password_problem(new_password)
            if problem:
                raise ActionRefused(problem, "new_password")
            values: dict[str, Any] = {
                "password_kind": "choisi",
                "provisional_password": "",
                "password_hash": hash_of(new_password),
                "password_reset_pending": False,
                "compromis": False,
                "last_login_at": self.now(),
            }
            confirm_to = ""
            if row["state"] == INFORME and row["kind"] == "responsable":
                confirm_to = await self._responsable_activates(row, email, child_birth_date)
                values.update(
                    state=EN_COURS,
                    origin="Établissement",
                    email=confirm_to,
                    email_confirmed=False,
                    pending_email="",
                    adresse_mail_en_erreur=False,
                )
            elif row["state"] == INFORME:
                values.update(state=ACTIVE, origin="Établissement", activated_at=self.now())
                if email:
                    confirm_to = check_email(email, self.settings.mail.check_deliverability)
                    values.update(email=confirm_to, email_confirmed=False)
            await self._update(row["id"], **values)
            if confirm_to:
                await self._confirmation_mail(await self._reload(row["id"]), confirm_to)
            await self.refresh([row["id"]])
            return await self.get(row["identifier"], Scope.everywhere())

    async def _responsable_activates(self, row: dict, email: str, child_birth_date: str) -> str:
        """A responsable's first activation: his mail, and his child's birth date as the base
        has it, which confirms the links of the children born that day. Returns the address
        to confirm."""
        confirm_to = check_email(email, self.settings.mail.check_deliverability)
        typed = parse_date(child_birth_date)
        links = await DirectoryLink.select(
            DirectoryLink.id, DirectoryLink.eleve.birth_date.as_alias("birth_date")
        ).where(
            DirectoryLink.responsable == row["id"],
            DirectoryLink.status != "signale_errone",
        )
        matching = [link["id"] for link in links if link["birth_date"] == typed]
        if not matching:
            # The message of FAQ seed 001 §6.
            raise ActionRefused("La date de naissance saisie est incorrecte", "child_birth_date")
        await DirectoryLink.update({DirectoryLink.status: "confirme"}).where(
            DirectoryLink.id.is_in(matching)
        )
        return confirm_to
