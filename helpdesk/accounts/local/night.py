"""The changes ÉduConnect applies overnight (guide §8; FAQ seed 001 §6; DESIGN.md §5): the
two actions that ask for one (a new identifier, a corrected birth date), and the night
processing that applies them (`helpdesk accounts nightly`)."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable, Sequence

from helpdesk.accounts.local.common import (
    DirectoryBase,
    Outcome,
    iso,
    json_value,
    pending_change,
)
from helpdesk.accounts.port import AccountConflict, ActionRefused, PendingChange, Scope
from helpdesk.accounts.rules import (
    check_birth_date,
    fr_date,
    identifier_base,
    same_name,
    smallest_free_number,
)
from helpdesk.accounts.tables import (
    DirectoryAccount,
    DirectoryLink,
    DirectoryPendingChange,
    DirectoryRetiredIdentifier,
)
from helpdesk.core.db import write_transaction


class NightChanges(DirectoryBase):
    """The actions `correct_birth_date` and `regenerate_identifier`, and their night."""

    async def _pending_change(self, account_id: int, kind: str) -> dict | None:
        return (
            await DirectoryPendingChange.select()
            .where(
                DirectoryPendingChange.account == account_id,
                DirectoryPendingChange.kind == kind,
                DirectoryPendingChange.applied_at.is_null(),
            )
            .first()
        )

    async def _add_pending(self, account_id: int, kind: str, value: dict) -> int:
        change = DirectoryPendingChange(
            account=account_id, kind=kind, value=json.dumps(value), requested_at=self.now()
        )
        await change.save()
        return change.id

    async def _do_correct_birth_date(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # The date of birth is the élève's, as the school's base has it; a parent whose typed
        # date is refused (« La date de naissance saisie est incorrecte », FAQ seed 001 §6) asks
        # for it to be corrected; « La modification sera effective quelques jours après »: it is
        # applied by the night processing (DESIGN.md §5).
        self._require_kind(
            row,
            "eleve",
            "La date de naissance se corrige sur le compte de l'élève\u00a0: choisissez "
            "l'élève parmi ceux rattachés au responsable.",
        )
        new = check_birth_date(params.get("birth_date"), self.today())
        old = row["birth_date"]
        if old == new:
            raise ActionRefused(
                f"La date de naissance en base est déjà le {fr_date(new)}.", "params.birth_date"
            )
        waiting = await self._pending_change(row["id"], "correct_birth_date")
        if waiting:
            raise AccountConflict(
                "Une correction de la date de naissance (le "
                f"{fr_date(json_value(waiting['value'])['birth_date'])}) est déjà en attente\u00a0: "
                "elle sera appliquée lors des traitements de nuit."
            )
        change_id = await self._add_pending(
            row["id"], "correct_birth_date", {"birth_date": new.isoformat(), "previous": iso(old)}
        )
        return Outcome(
            message=(
                f"La date de naissance de {row['first_name']} {row['last_name']} sera corrigée "
                f"lors des traitements de nuit\u00a0: {fr_date(old)} devient {fr_date(new)}. "
                "Le responsable pourra reprendre l'activation de son compte le lendemain."
            ),
            before={"birth_date": iso(old)},
            after={"birth_date": new.isoformat()},
            pending_ids=[change_id],
        )

    async def _do_regenerate_identifier(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # Guide §8 "Génération d'un nouvel identifiant".
        if await self._pending_change(row["id"], "regenerate_identifier"):
            raise AccountConflict(
                "Un nouvel identifiant est déjà demandé pour ce compte\u00a0: il sera calculé "
                "lors des traitements de nuit."
            )
        if row["kind"] == "responsable":
            await self._refuse_names_that_differ(row)
        change_id = await self._add_pending(
            row["id"], "regenerate_identifier", {"previous": row["identifier"]}
        )
        return Outcome(
            message=(
                # The console's own message (guide §8).
                "L'identifiant du compte a été modifié. Le nouvel identifiant sera calculé lors "
                "des traitements de nuit. Vous pourrez informer le titulaire du compte quand le "
                "traitement sera passé. D'ici là, l'identifiant "
                f"{row['identifier']} et le mot de passe restent utilisables."
            ),
            before={"identifier": row["identifier"]},
            after={},
            pending_ids=[change_id],
        )

    @staticmethod
    async def _refuse_names_that_differ(row: dict) -> None:
        # « le changement d'identifiant ne sera possible que si les noms et prénoms sont
        # identiques dans toutes les écoles et tous les établissements ».
        first, last = row["first_name"], row["last_name"]
        variants = {(first, last)}
        for link in await DirectoryLink.select().where(DirectoryLink.responsable == row["id"]):
            if link["responsable_first_name"] or link["responsable_last_name"]:
                variants.add(
                    (link["responsable_first_name"] or first, link["responsable_last_name"] or last)
                )
        different = sorted(
            f"{f} {n}" for f, n in variants if not (same_name(f, first) and same_name(n, last))
        )
        if different:
            raise ActionRefused(
                "Les nom et prénom de ce responsable ne sont pas identiques dans toutes les "
                f"écoles et tous les établissements ({first} {last}, "
                f"{', '.join(different)})\u00a0: les établissements doivent d'abord corriger "
                "leurs données, l'identifiant pourra être régénéré ensuite."
            )

    # --- the night processing ----------------------------------------------------------------

    async def pending_changes(self, ids: Sequence[int]) -> list[PendingChange]:
        wanted = [int(i) for i in ids][:500]
        if not wanted:
            return []
        rows = (
            await DirectoryPendingChange.select()
            .where(DirectoryPendingChange.id.is_in(wanted))
            .order_by(DirectoryPendingChange.id)
        )
        return [pending_change(row) for row in rows]

    async def apply_pending_changes(self) -> list[dict]:
        """`helpdesk accounts nightly`: what ÉduConnect's night processing applies."""
        done = []
        ids = [
            r["id"]
            for r in await DirectoryPendingChange.select(DirectoryPendingChange.id)
            .where(DirectoryPendingChange.applied_at.is_null())
            .order_by(DirectoryPendingChange.id)
        ]
        for change_id in ids:
            async with write_transaction(self.engine()):
                outcome = await self._apply_change_id(change_id)
                if outcome:
                    done.append({"id": change_id, **outcome})
        return done

    async def _apply_change_id(self, change_id: int) -> dict:
        change = (
            await DirectoryPendingChange.select()
            .where(
                DirectoryPendingChange.id == change_id,
                DirectoryPendingChange.applied_at.is_null(),
            )
            .first()
        )
        if change is None:
            return {}
        row = await self._reload(change["account"])
        apply = getattr(self, f"_apply_{change['kind']}")  # only NIGHTLY_ACTIONS are stored
        outcome = await apply(row, json_value(change["value"]))
        await DirectoryPendingChange.update(
            {
                DirectoryPendingChange.applied_at: self.now(),
                DirectoryPendingChange.outcome: json.dumps(outcome),
            }
        ).where(DirectoryPendingChange.id == change_id)
        return outcome

    async def _apply_regenerate_identifier(self, row: dict, value: dict) -> dict:
        # Guide §8: « le nouvel identifiant est utilisable, le mot de passe est conservé et
        # l'ancien identifiant ne pourra plus être utilisé »; computed from the first name
        # and the family (birth) name.
        new = await self.new_identifier(
            row["first_name"], row["birth_name"], also_taken={row["identifier"]}
        )
        await DirectoryRetiredIdentifier.insert(
            DirectoryRetiredIdentifier(
                identifier=row["identifier"], account=row["id"], retired_at=self.now()
            )
        )
        await self._update(row["id"], identifier=new)
        await self.refresh([row["id"]])
        return {"identifier": new, "previous": row["identifier"]}

    async def _apply_correct_birth_date(self, row: dict, value: dict) -> dict:
        birth_date = dt.date.fromisoformat(value["birth_date"])
        await self._update(
            row["id"], birth_date=birth_date, date_naissance_signalee_incorrecte=False
        )
        # The responsables' mark "date de naissance signalée incorrecte" (guide 5.1 item 8)
        # goes when none of their children is still reported.
        parents = [
            r["responsable"]
            for r in await DirectoryLink.select(DirectoryLink.responsable).where(
                DirectoryLink.eleve == row["id"]
            )
        ]
        for parent in parents:
            still = await DirectoryLink.exists().where(
                DirectoryLink.responsable == parent,
                DirectoryLink.eleve.date_naissance_signalee_incorrecte == True,  # noqa: E712
            )
            await self._update(parent, date_naissance_signalee_incorrecte=still)
        return {"birth_date": birth_date.isoformat(), "previous": iso(row["birth_date"])}

    async def new_identifier(
        self, first_name: str, birth_name: str, also_taken: Iterable[str] = ()
    ) -> str:
        base = identifier_base(first_name, birth_name)
        pattern = re.compile(rf"^{re.escape(base)}\d+$")
        taken = set(also_taken)
        for table in (DirectoryAccount, DirectoryRetiredIdentifier):
            for r in await table.select(table.identifier).where(table.identifier.like(f"{base}%")):
                if pattern.match(r["identifier"]):
                    taken.add(r["identifier"])
        return smallest_free_number(base, taken)
