"""The actions on how an account's holder gets in (guide 3.2, 3.4, 5.2, 5.4, 5.5): reset the
password, « Informer » (a printed letter or a mail, with a provisional password when one is
due), and mark the account compromised."""

from __future__ import annotations

import datetime as dt
from typing import Any

from helpdesk.accounts.local.common import Outcome, iso
from helpdesk.accounts.local.mails import Mails
from helpdesk.accounts.port import (
    ACTIVE,
    EN_COURS,
    FLAGS,
    INFORME,
    NON_INFORME,
    ActionRefused,
    Letter,
    Scope,
)
from helpdesk.accounts.rules import provisional_password
from helpdesk.accounts.tables import DirectoryLink
from helpdesk.accounts.web_addresses import check_links, where_to_go


def inform_params(row: dict, params: dict) -> tuple[str, bool, dict]:
    """« Informer »'s mode (courrier or mail), whether it resets the password, and the
    internet addresses the mail gives (guide §7)."""
    mode = params.get("mode", "courrier")
    if mode not in ("courrier", "mail"):
        raise ActionRefused(
            "Choisissez le mode d'information\u00a0: «\u00a0courrier\u00a0» (feuille "
            "individuelle imprimable) ou «\u00a0mail\u00a0».",
            "params.mode",
        )
    reset = params.get("reset_password", False)
    if not isinstance(reset, bool):
        raise ActionRefused("reset_password vaut true ou false.", "params.reset_password")
    links = check_links(params.get("links"))
    if mode == "mail" and (not row["email"] or row["adresse_mail_en_erreur"]):
        # Guide 5.2: « envoyer l'information par mail si l'adresse mail du responsable
        # n'est pas en erreur ».
        raise ActionRefused(
            "Ce compte n'a pas d'adresse mail valide (absente ou en erreur)\u00a0: informez-le "
            "par feuille individuelle imprimable.",
            "params.mode",
        )
    return mode, reset, links


def informed(row: dict, reset: bool, now: dt.datetime) -> tuple[str, str, str, dict[str, Any]]:
    """What « Informer » does to the account: its state, the password the letter gives, the
    new provisional password ("" if none), and the columns to write."""
    values: dict[str, Any] = {"last_informed_at": now}
    state = row["state"]
    password = row["provisional_password"] if row["password_kind"] == "provisoire" else ""
    new_password = ""
    if state == NON_INFORME:
        # « l'utilisation du bouton "Informer" leur attribue un mot de passe provisoire et
        # les comptes passent à l'état "Non activé - informé" » (guide 3.2).
        new_password = provisional_password()
        state = INFORME
        values.update(state=INFORME)
    elif row["compromis"] or reset or not password and state == INFORME:
        # With « Avec réinitialisation du mot de passe » new provisional passwords are given
        # « y compris aux responsables ayant déjà activé leur compte » (guide 5.2); a
        # compromised account's password must change (guide 3.2, 5.2), so always here.
        new_password = provisional_password()
    # Otherwise « Informer » keeps the provisional password ("Non activé - informé") or
    # does not touch the password the user chose ("Activé") (guide 3.2).
    if new_password:
        password = new_password
        values.update(
            password_kind="provisoire",
            provisional_password=new_password,
            password_hash="",
            password_reset_pending=row["state"] in (ACTIVE, EN_COURS),
        )
    return state, password, new_password, values


class AccessActions(Mails):
    """`reset_password`, `inform`, `mark_compromised`."""

    async def _do_reset_password(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # Guide 3.4 and 5.4: « pas disponible pour les comptes à l'état "Non notifié – Non
        # informé" » — they get a password through « Informer ».
        if row["state"] == NON_INFORME:
            raise ActionRefused(
                "Le mot de passe d'un compte «\u00a0Non activé - non informé\u00a0» ne se "
                "réinitialise pas\u00a0: utilisez «\u00a0Informer\u00a0», qui lui attribue un mot "
                "de passe provisoire."
            )
        # Guide 5.4: not for a responsable's compromised account either — « Informer » sends
        # the compromise letter. For élèves the guide (3.4) allows it for compromised accounts.
        if row["compromis"] and row["kind"] == "responsable":
            raise ActionRefused(
                "Ce compte est compromis\u00a0: utilisez «\u00a0Informer\u00a0», qui adresse au "
                "responsable le courrier de changement de mot de passe avec un mot de passe "
                "provisoire."
            )
        password = provisional_password()
        had_chosen = row["password_kind"] == "choisi" or row["state"] in (ACTIVE, EN_COURS)
        # « un mot de passe provisoire qu'il devra changer à la première connexion » (guide
        # 5.5), no letter and no mail (guide 5.4 « sans générer de nouvelles feuilles
        # imprimables ou d'envois par mail »).
        await self._update(
            row["id"],
            password_kind="provisoire",
            provisional_password=password,
            password_hash="",
            password_reset_pending=had_chosen,
        )
        return Outcome(
            message=(
                "Le mot de passe a été réinitialisé\u00a0: le compte a un mot de passe "
                "provisoire, à changer à la première connexion."
            ),
            before={"password": row["password_kind"]},
            after={"password": "provisoire", "password_reset_pending": had_chosen},
            secrets={"provisional_password": password},
        )

    async def _do_inform(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # « Informer » (guide 3.2 for élèves, 5.2 and 5.5 for responsables).
        mode, reset, links = inform_params(row, params)
        state, password, new_password, values = informed(row, reset, self.now())
        await self._update(row["id"], **values)
        letter = await self._letter(row, state, password, bool(row["compromis"]))
        if mode == "mail":
            mail = await self._queue(
                row,
                "compte_information",
                row["email"],
                letter.title,
                {
                    "letter": letter.as_dict(include_secrets=True),
                    "where": where_to_go(row["kind"], links["page"], links["ent"]),
                },
                str(params.get("ticket_reference") or ""),
            )
            message = (
                f"L'information «\u00a0{letter.title}\u00a0» est envoyée par mail à {row['email']}."
            )
            outcome = Outcome(message, mails=[mail])
        else:
            message = (
                f"La feuille individuelle «\u00a0{letter.title}\u00a0» est prête à imprimer pour "
                f"{row['first_name']} {row['last_name']}."
            )
            outcome = Outcome(message, letters=[letter])
        if new_password and row["state"] != NON_INFORME:
            outcome.message += " Un nouveau mot de passe provisoire lui est attribué."
        outcome.before = {
            "state": row["state"],
            "password": row["password_kind"],
            "last_informed_at": iso(row["last_informed_at"]),
        }
        outcome.after = {
            "state": state,
            "password": "provisoire" if password else row["password_kind"],
            "last_informed_at": iso(values["last_informed_at"]),
        }
        outcome.secrets = {"provisional_password": new_password} if new_password else {}
        return outcome

    async def _letter(self, row: dict, state: str, password: str, compromised: bool) -> Letter:
        establishments = await self._establishments()
        if compromised:
            kind, title = "compte_compromis", "Changement de votre mot de passe ÉduConnect"
        else:
            who = "Responsable d'élève" if row["kind"] == "responsable" else "Élève"
            kind, title = (
                "mise_a_disposition",
                f"Mise à disposition de votre compte ÉduConnect {who}",
            )
        return Letter(
            kind=kind,
            title=title,
            identifier=row["identifier"],
            account_kind=row["kind"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            uai=row["uai"],
            establishment=(establishments.get(row["uai"]) or {}).get("name", ""),
            state=state,
            children=await self._letter_children(row) if row["kind"] == "responsable" else [],
            provisional_password=password,
            has_provisional_password=bool(password),
            date=self.today().isoformat(),
        )

    @staticmethod
    async def _letter_children(row: dict) -> list[dict]:
        """The children a responsable's letter names (not those of a link reported wrong)."""
        links = (
            await DirectoryLink.select(
                DirectoryLink.relation,
                DirectoryLink.status,
                DirectoryLink.eleve.first_name.as_alias("first_name"),
                DirectoryLink.eleve.last_name.as_alias("last_name"),
                DirectoryLink.eleve.classe.as_alias("classe"),
            )
            .where(DirectoryLink.responsable == row["id"])
            .order_by(DirectoryLink.id)
        )
        return [
            {
                "first_name": link["first_name"],
                "last_name": link["last_name"],
                "classe": link["classe"],
                "relation": link["relation"],
            }
            for link in links
            if link["status"] != "signale_errone"
        ]

    async def _do_mark_compromised(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # Guide 3.1, 5.1: the "compte compromis" mark; the compromise letter says « votre mot
        # de passe actuel a dû être modifié » (guide 3.2, 5.2): the current password stops
        # working, « Informer » then gives a provisional one with that letter.
        if row["compromis"]:
            raise ActionRefused("Ce compte est déjà signalé comme compromis.")
        if row["state"] == NON_INFORME:
            raise ActionRefused(
                "Ce compte n'a jamais été distribué ni activé\u00a0: il ne peut pas être compromis."
            )
        reason = params.get("reason", "")
        if not isinstance(reason, str) or len(reason) > 500:
            raise ActionRefused("Le motif est un texte de 500 caractères au plus.", "params.reason")
        await self._update(
            row["id"],
            compromis=True,
            password_kind="",
            provisional_password="",
            password_hash="",
            password_reset_pending=False,
        )
        return Outcome(
            message=(
                "Le compte est signalé comme compromis\u00a0: son mot de passe ne fonctionne "
                "plus. Utilisez «\u00a0Informer\u00a0» pour adresser au titulaire le courrier de "
                "changement de mot de passe, avec un mot de passe provisoire."
            ),
            before={"flags": [f for f in FLAGS if row[f]], "password": row["password_kind"]},
            after={
                "flags": [f for f in FLAGS if row[f] or f == "compromis"],
                "password": "",
                "reason": reason.strip(),
            },
        )
