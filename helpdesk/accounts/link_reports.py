"""« Je ne suis pas le représentant légal de cet élève » (guide 5.1): a responsable's report
that a link is wrong. While it stands, the child is not re-attached; lifting it is an action
of its own, with a reason, so that no family is tied again to a child by a slip."""

from __future__ import annotations

from typing import Any

from helpdesk.accounts.port import ActionRefused, Scope
from helpdesk.accounts.tables import DirectoryLink


def refuse_reported_link(link: dict, child_name: str) -> None:
    if link["status"] == "signale_errone":
        raise ActionRefused(
            f"Le responsable a signalé ne pas être le représentant légal de l'élève {child_name}"
            "\u00a0: tant que ce signalement n'est pas levé (avec un motif), l'élève n'est pas "
            "rattaché.",
            "params.eleve",
        )


class LinkReports:
    """The action `clear_link_report` of the local directory (mixed into LocalDirectory)."""

    async def _do_clear_link_report(self: Any, row: dict, params: dict, scope: Scope):
        from helpdesk.accounts.local import Outcome  # local.py imports this module

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
