"""Finding the académie of a family: from a département number or a school's UAI."""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpdesk.contacts.academies import Academie, Academies, OutsideCollectivity
from helpdesk.contacts.uai import UaiError, uai_place

_DEPARTEMENT = re.compile(r"^(?:\d{1,2}|2[AB]|97[1-6]|98[4-9])$")


@dataclass(frozen=True)
class Found:
    academie: Academie | None = None
    outside: OutsideCollectivity | None = None
    error: str = ""
    uai: str = ""


def find_academie(academies: Academies, typed: str) -> Found:
    """What a parent typed in « Trouver mon académie »: a département (45, 2A, 974) or a UAI."""
    value = re.sub(r"\s+", "", typed).upper()
    if not value:
        return Found(error="Saisissez un numéro de département ou le code UAI de l'établissement.")
    if _DEPARTEMENT.match(value):
        outside = academies.outside_by_code(value)
        if outside:
            return Found(outside=outside)
        academie = academies.by_departement(value)
        if academie:
            return Found(academie=academie)
        return Found(error=f"Le département {value} n'existe pas. Exemples : 45, 2A, 974.")
    if len(value) == 8:
        try:
            place = uai_place(value)
        except UaiError as error:
            return Found(error=str(error))
        return from_uai_place(academies, place.uai, place.departement)
    return Found(
        error="Saisissez un numéro de département (par exemple 45, 2A ou 974) ou un code UAI "
        "de 7 chiffres suivis d'une lettre (par exemple 0450782F)."
    )


def from_uai_place(academies: Academies, uai: str, departement: str) -> Found:
    outside = academies.outside_by_code(uai[:3])
    if outside:
        return Found(outside=outside, uai=uai)
    academie = academies.by_departement(departement)
    if academie is None:
        return Found(
            uai=uai,
            error=f"Le code UAI {uai} ne correspond à aucune académie : vérifiez-le, ou "
            "adressez-vous directement à l'établissement.",
        )
    return Found(academie=academie, uai=uai)


def academie_of_uai(academies: Academies, uai: str) -> Academie | None:
    """The académie of a valid UAI, or None when it lies outside every académie."""
    place = uai_place(uai)
    return from_uai_place(academies, place.uai, place.departement).academie


AUDIENCES = ("premier_degre", "second_degre", "etablissements")
OVERRIDES_TTL = 15.0  # seconds: other processes see a supervisor's change within this delay


class ContactOverrides:
    """What supervisors changed in the contact cards, {académie: {audience: row}}, cached for a
    few seconds: the contact page and the académies API are read far more often than a card is
    edited. One per app (its state)."""

    def __init__(self):
        self.rows: dict[str, dict[str, dict]] = {}
        self.loaded_at = -OVERRIDES_TTL

    async def all(self) -> dict[str, dict[str, dict]]:
        import time

        from helpdesk.contacts.tables import ContactOverride

        if time.monotonic() - self.loaded_at > OVERRIDES_TTL:
            rows: dict[str, dict[str, dict]] = {}
            for row in await ContactOverride.select():
                rows.setdefault(row["academie"], {})[row["audience"]] = row
            self.rows, self.loaded_at = rows, time.monotonic()
        return self.rows

    async def apply(self, academie: Academie) -> Academie:
        """The académie with the contact details its supervisors changed."""
        from dataclasses import replace

        from helpdesk.contacts.academies import Modality

        rows = (await self.all()).get(academie.slug, {})
        changes = {
            audience: Modality(
                row["formulaire"], row["telephone"], row["courriel"], row["consigne"]
            )
            for audience, row in rows.items()
            if audience in AUDIENCES
        }
        return replace(academie, **changes) if changes else academie

    async def save(self, academie: str, audience: str, modality: dict[str, str]) -> None:
        from helpdesk.contacts.tables import ContactOverride

        await ContactOverride.delete().where(
            (ContactOverride.academie == academie) & (ContactOverride.audience == audience)
        )
        await ContactOverride.insert(
            ContactOverride(academie=academie, audience=audience, **modality)
        )
        self.loaded_at = -OVERRIDES_TTL  # this process shows it at once
