"""The actions on how an account's holder is reached (FAQ seed 001 §4, §8, §11; guide 5.5):
change the mail address, send its confirmation again, change the mobile, remind the
identifier by mail."""

from __future__ import annotations

from helpdesk.accounts.local.common import Outcome
from helpdesk.accounts.local.mails import Mails
from helpdesk.accounts.port import ACTIVE, EN_COURS, ActionRefused, QueuedMail, Scope
from helpdesk.accounts.rules import check_email, format_mobile, normalise_mobile


class ContactActions(Mails):
    """`update_email`, `resend_confirmation_mail`, `update_mobile`, `remind_identifier`."""

    async def _do_update_email(self, row: dict, params: dict, scope: Scope) -> Outcome:
        email = check_email(params.get("email"), self.settings.mail.check_deliverability)
        if email == row["email"] and row["email_confirmed"] and not row["pending_email"]:
            raise ActionRefused("C'est déjà l'adresse mail confirmée de ce compte.", "params.email")
        if email == row["pending_email"] or (email == row["email"] and not row["email_confirmed"]):
            raise ActionRefused(
                "Cette adresse attend déjà sa confirmation\u00a0: renvoyez plutôt le mail de "
                "confirmation.",
                "params.email",
            )
        before = {
            "email": row["email"],
            "email_confirmed": bool(row["email_confirmed"]),
            "pending_email": row["pending_email"],
        }
        ticket = str(params.get("ticket_reference") or "")
        if row["email"] and row["email_confirmed"]:
            outcome = await self._new_address_to_confirm(row, email, ticket)
        else:
            outcome = await self._address_replaced(row, email, ticket)
        await self.refresh([row["id"]])
        outcome.before = before
        return outcome

    async def _new_address_to_confirm(self, row: dict, email: str, ticket: str) -> Outcome:
        # FAQ seed 001 §11: the new address must be confirmed; « Deux courriels ont été
        # envoyés : l'un à l'ancienne adresse pour indiquer la nouvelle adresse mail,
        # l'autre à la nouvelle adresse mail » with the link. Until then the old one stays.
        await self._update(row["id"], pending_email=email)
        mails = [
            await self._queue(
                row,
                "compte_changement_adresse",
                row["email"],
                "Changement de l'adresse mail de votre compte ÉduConnect",
                {"new_email": email},
                ticket,
            ),
            await self._confirmation_mail(row, email, ticket),
        ]
        return Outcome(
            message=(
                f"Un mail de confirmation est envoyé à {email}\u00a0: l'adresse remplacera "
                f"{row['email']} quand le lien du mail sera suivi. L'ancienne adresse est "
                "prévenue."
            ),
            after={
                "email": row["email"],
                "email_confirmed": bool(row["email_confirmed"]),
                "pending_email": email,
            },
            mails=mails,
        )

    async def _address_replaced(self, row: dict, email: str, ticket: str) -> Outcome:
        # An address never confirmed (typed wrong at activation, or from the school's base)
        # is simply replaced; the mail-in-error mark concerned the old one.
        await self._update(
            row["id"],
            email=email,
            email_confirmed=False,
            pending_email="",
            adresse_mail_en_erreur=False,
        )
        message = f"L'adresse mail du compte est maintenant {email}."
        mails: list[QueuedMail] = []
        if row["state"] in (EN_COURS, ACTIVE):
            mails.append(await self._confirmation_mail(row, email, ticket))
            message += " Un mail de confirmation y est envoyé."
            if row["state"] == EN_COURS:
                message += " Suivre son lien terminera l'activation du compte."
        return Outcome(
            message=message,
            after={"email": email, "email_confirmed": False, "pending_email": ""},
            mails=mails,
        )

    async def _do_resend_confirmation_mail(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # Guide 5.5: « Renvoyer un mail de confirmation : envoie un mail de confirmation de son
        # adresse mail au responsable d'élève si elle est renseignée »; FAQ seed 001 §8.
        if not row["email"] and not row["pending_email"]:
            raise ActionRefused(
                "Aucune adresse mail n'est renseignée sur ce compte\u00a0: ajoutez-en une."
            )
        target = row["pending_email"] or ("" if row["email_confirmed"] else row["email"])
        if not target:
            raise ActionRefused("L'adresse mail de ce compte est déjà confirmée.")
        if row["adresse_mail_en_erreur"] and target == row["email"]:
            raise ActionRefused(
                f"L'adresse {target} est en erreur (les mails n'y parviennent pas)\u00a0: "
                "corrigez-la avant de renvoyer le mail de confirmation."
            )
        mail = await self._confirmation_mail(row, target, str(params.get("ticket_reference") or ""))
        return Outcome(
            message=f"Un nouveau mail de confirmation est envoyé à {target}.",
            mails=[mail],
        )

    async def _do_update_mobile(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # The mobile given to the school serves the responsable's auto-inscription by SMS and
        # FranceConnect (FAQ seed 001 §2.1, §2.3; guide 1.1).
        self._require_kind(
            row,
            "responsable",
            "Le téléphone portable ne sert qu'aux comptes des responsables d'élève.",
        )
        mobile = normalise_mobile(params.get("mobile"))
        if mobile == row["mobile"]:
            raise ActionRefused("C'est déjà le numéro de ce compte.", "params.mobile")
        await self._update(row["id"], mobile=mobile)
        await self.refresh([row["id"]])
        return Outcome(
            message=(
                f"Le téléphone portable du compte est maintenant le {format_mobile(mobile)}. "
                "Le responsable peut recommencer l'auto-inscription («\u00a0Je n'ai pas de "
                "compte\u00a0») ou FranceConnect."
            ),
            before={"mobile": row["mobile"]},
            after={"mobile": mobile},
        )

    async def _do_remind_identifier(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # FAQ seed 001 §4: the identifier is sent to the account's mail (or by SMS, which the
        # help desk cannot send). Without a confirmed address, « Informer » reminds it by a
        # printed letter (guide 5.2).
        if not row["email"] or not row["email_confirmed"] or row["adresse_mail_en_erreur"]:
            raise ActionRefused(
                "Ce compte n'a pas d'adresse mail confirmée et valide\u00a0: rappelez "
                "l'identifiant par «\u00a0Informer\u00a0» (feuille individuelle)."
            )
        mail = await self._queue(
            row,
            "compte_rappel_identifiant",
            row["email"],
            "Votre identifiant ÉduConnect",
            {
                "pending_regeneration": bool(
                    await self._pending_change(row["id"], "regenerate_identifier")
                )
            },
            str(params.get("ticket_reference") or ""),
        )
        return Outcome(
            message=f"L'identifiant {row['identifier']} est envoyé à {row['email']}.",
            mails=[mail],
        )
