"""The actions on a responsable's links with élèves (guide 5.1, 5.5; FAQ seed 001 §12):
attach an élève, take one off, bring the children of a second account to the one kept, and
lift a responsable's report « Je ne suis pas le représentant légal de cet élève ».

While such a report stands, the child is not re-attached; lifting it is an action of its own,
with a reason, so that no family is tied again to a child by a slip."""

from __future__ import annotations

from helpdesk.accounts.local.common import DirectoryBase, Outcome, plural
from helpdesk.accounts.port import ACTIVE, RELATIONS, ActionRefused, Scope
from helpdesk.accounts.rules import same_name
from helpdesk.accounts.tables import DirectoryAccount, DirectoryLink


def refuse_reported_link(link: dict, child_name: str) -> None:
    if link["status"] == "signale_errone":
        raise ActionRefused(
            f"Le responsable a signalé ne pas être le représentant légal de l'élève {child_name}"
            "\u00a0: tant que ce signalement n'est pas levé (avec un motif), l'élève n'est pas "
            "rattaché.",
            "params.eleve",
        )


class LinkActions(DirectoryBase):
    """`link_child`, `unlink_child`, `merge_accounts`, `clear_link_report`."""

    async def _child(self, params: dict, scope: Scope) -> dict:
        ident = params.get("eleve")
        child = await self._row(ident, scope, field="params.eleve")
        if child["kind"] != "eleve":
            raise ActionRefused(
                f"Le compte {child['identifier']} n'est pas celui d'un élève.", "params.eleve"
            )
        return child

    async def _link(self, responsable_id: int, eleve_id: int) -> dict | None:
        return (
            await DirectoryLink.select()
            .where(DirectoryLink.responsable == responsable_id, DirectoryLink.eleve == eleve_id)
            .first()
        )

    async def _refresh_link_flag(self, responsable_id: int) -> None:
        """The "rattachement signalé erroné" mark stays while a link is still reported."""
        reported = await DirectoryLink.exists().where(
            DirectoryLink.responsable == responsable_id,
            DirectoryLink.status == "signale_errone",
        )
        await self._update(responsable_id, rattachement_signale_errone=reported)

    async def _do_link_child(self, row: dict, params: dict, scope: Scope) -> Outcome:
        self._require_kind(
            row, "responsable", "Un élève se rattache au compte d'un responsable d'élève."
        )
        child = await self._child(params, scope)
        name = f"{child['first_name']} {child['last_name']}"
        link = await self._link(row["id"], child["id"])
        if link is None:
            # The link comes from the school's base (SIECLE/ONDE): ÉduConnect attaches to an
            # account only the élèves whose responsable it is there (guide 5.1; "anomalies
            # signalées dans ÉduConnect et à corriger dans SIECLE", guide §2).
            raise ActionRefused(
                f"{row['first_name']} {row['last_name']} n'est pas enregistré comme responsable "
                f"de l'élève {name} dans la base de l'établissement\u00a0: l'établissement doit "
                "d'abord corriger ses données (SIECLE), le rattachement sera possible ensuite.",
                "params.eleve",
            )
        if link["status"] == "confirme":
            raise ActionRefused(f"L'élève {name} figure déjà sur ce compte.", "params.eleve")
        refuse_reported_link(link, name)
        if row["state"] != ACTIVE:
            # A responsable confirms his children when he activates the account (the child's
            # birth date, FAQ seed 001 §2.1, §2.2); guide 5.1: « Il doit alors rattacher
            # l'élève à son compte » — an account that is activated.
            raise ActionRefused(
                f"Le compte n'est pas activé ({row['state']})\u00a0: l'élève sera rattaché quand "
                "le responsable activera son compte. S'il a déjà un compte activé, ajoutez les "
                "enfants de ce compte-ci à celui-là (regroupement)."
            )
        relation = params.get("relation") or link["relation"]
        if relation not in RELATIONS:
            raise ActionRefused(
                "Le lien est «\u00a0Représentant légal\u00a0» ou «\u00a0Personne en charge\u00a0».",
                "params.relation",
            )
        await DirectoryLink.update(
            {DirectoryLink.status: "confirme", DirectoryLink.relation: relation}
        ).where(DirectoryLink.id == link["id"])
        await self._refresh_link_flag(row["id"])
        return Outcome(
            message=f"L'élève {name} est rattaché au compte {row['identifier']}.",
            before={"link": {"eleve": child["identifier"], "status": link["status"]}},
            after={"link": {"eleve": child["identifier"], "status": "confirme"}},
        )

    async def _do_unlink_child(self, row: dict, params: dict, scope: Scope) -> Outcome:
        self._require_kind(
            row, "responsable", "Un élève se retire du compte d'un responsable d'élève."
        )
        child = await self._child(params, scope)
        name = f"{child['first_name']} {child['last_name']}"
        link = await self._link(row["id"], child["id"])
        if link is None:
            raise ActionRefused(f"L'élève {name} n'est pas rattaché à ce compte.", "params.eleve")
        await DirectoryLink.delete().where(DirectoryLink.id == link["id"])
        # « Je ne suis pas le représentant légal de cet élève » (guide 5.1 item 8): once the
        # link is gone, the mark goes too (unless another link is still reported).
        await self._refresh_link_flag(row["id"])
        await self.refresh([row["id"]])
        return Outcome(
            message=(
                f"L'élève {name} est retiré du compte {row['identifier']}. Si le lien venait "
                "d'une erreur de la base de l'établissement, celui-ci doit aussi la corriger "
                "(SIECLE)."
            ),
            before={"link": {"eleve": child["identifier"], "status": link["status"]}},
            after={"link": None},
        )

    async def _do_merge_accounts(self, row: dict, params: dict, scope: Scope) -> Outcome:
        # « Ajouter des enfants depuis un autre compte » (FAQ seed 001 §12): the children of
        # another account of the same person come to the account kept.
        source = await self._merge_source(row, params, scope)
        links = await DirectoryLink.select().where(DirectoryLink.responsable == source["id"])
        if not links:
            raise ActionRefused(
                f"Le compte {source['identifier']} n'a aucun élève à ajouter.", "params.from"
            )
        before_children = await self._children_identifiers(row["id"])
        source_children = await self._children_identifiers(source["id"])
        moved = [await self._move_link(link, row["id"]) for link in links]
        await self._refresh_link_flag(row["id"])
        await self._refresh_link_flag(source["id"])
        await self.refresh([row["id"], source["id"]])
        after_children = await self._children_identifiers(row["id"])
        names = await DirectoryAccount.select(
            DirectoryAccount.first_name, DirectoryAccount.last_name
        ).where(DirectoryAccount.id.is_in(moved))
        listed = ", ".join(f"{n['first_name']} {n['last_name']}" for n in names)
        return Outcome(
            message=(
                f"{plural(len(moved), 'élève')} du compte {source['identifier']} "
                f"{'sont ajoutés' if len(moved) > 1 else 'est ajouté'} au compte "
                f"{row['identifier']}\u00a0: {listed}."
            ),
            before={
                "children": before_children,
                "from": source["identifier"],
                "from_children": source_children,
            },
            after={"children": after_children, "from": source["identifier"], "from_children": []},
        )

    async def _merge_source(self, row: dict, params: dict, scope: Scope) -> dict:
        """The account whose children come to `row`, once the rules allow the merge."""
        self._require_kind(
            row, "responsable", "Seuls les comptes de responsables d'élève se regroupent."
        )
        source = await self._row(params.get("from"), scope, field="params.from")
        if source["kind"] != "responsable":
            raise ActionRefused(
                "Seuls les comptes de responsables d'élève se regroupent.", "params.from"
            )
        if source["id"] == row["id"]:
            raise ActionRefused("Choisissez un autre compte que celui à conserver.", "params.from")
        # Names must be identical (dane.ac-bordeaux.fr, reference/domain-facts.md §4.1; FAQ
        # seed 001 §12: only after checking that no data is wrong).
        if not (
            same_name(row["first_name"], source["first_name"])
            and same_name(row["last_name"], source["last_name"])
        ):
            raise ActionRefused(
                f"Les nom et prénom des deux comptes ne sont pas identiques "
                f"({row['first_name']} {row['last_name']}, {source['first_name']} "
                f"{source['last_name']})\u00a0: les établissements doivent d'abord corriger "
                "leurs données.",
                "params.from",
            )
        # FAQ seed 001 §12: « Connectez-vous avec le compte principal » — the account kept is
        # one the responsable uses, hence activated.
        if row["state"] != ACTIVE:
            raise ActionRefused(
                f"Le compte à conserver ({row['identifier']}) doit être activé\u00a0: "
                "choisissez le compte que le responsable utilise."
            )
        return source

    async def _move_link(self, link: dict, responsable_id: int) -> int:
        """The link goes to the account kept, confirmed (or merges with the one it has)."""
        existing = await self._link(responsable_id, link["eleve"])
        if existing:
            await DirectoryLink.delete().where(DirectoryLink.id == link["id"])
            if existing["status"] != "confirme":
                await DirectoryLink.update({DirectoryLink.status: "confirme"}).where(
                    DirectoryLink.id == existing["id"]
                )
        else:
            await DirectoryLink.update(
                {DirectoryLink.responsable: responsable_id, DirectoryLink.status: "confirme"}
            ).where(DirectoryLink.id == link["id"])
        return link["eleve"]

    async def _children_identifiers(self, responsable_id: int) -> list[str]:
        rows = await DirectoryLink.select(
            DirectoryLink.eleve.identifier.as_alias("identifier")
        ).where(DirectoryLink.responsable == responsable_id)
        return sorted(r["identifier"] for r in rows)

    async def _do_clear_link_report(self, row: dict, params: dict, scope: Scope) -> Outcome:
        self._require_kind(row, "responsable", "Seul un responsable d'élève signale un lien.")
        reason = params.get("reason", "")
        if not isinstance(reason, str) or not reason.strip() or len(reason) > 500:
            raise ActionRefused(
                "Indiquez le motif de la levée du signalement (500 caractères au plus).",
                "params.reason",
            )
        child = await self._child(params, scope)
        name = f"{child['first_name']} {child['last_name']}"
        link = await self._link(row["id"], child["id"])
        if link is None or link["status"] != "signale_errone":
            raise ActionRefused(
                f"Aucun signalement ne porte sur le lien avec l'élève {name}.", "params.eleve"
            )
        # Back to « lien non confirmé »: the child is re-attached only by « Rattacher ».
        await DirectoryLink.update({DirectoryLink.status: "non_confirme"}).where(
            DirectoryLink.id == link["id"]
        )
        await self._refresh_link_flag(row["id"])
        return Outcome(
            message=(
                f"Le signalement sur le lien avec l'élève {name} est levé (motif\u00a0: "
                f"{reason.strip()}). L'élève peut maintenant être rattaché."
            ),
            before={"link": {"eleve": child["identifier"], "status": "signale_errone"}},
            after={
                "link": {"eleve": child["identifier"], "status": "non_confirme"},
                "reason": reason.strip(),
            },
        )
