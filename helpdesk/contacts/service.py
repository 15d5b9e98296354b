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


async def with_overrides(academie: Academie) -> Academie:
    """The académie with the contact details its supervisors changed."""
    from dataclasses import replace

    from helpdesk.contacts.academies import Modality
    from helpdesk.contacts.tables import ContactOverride

    rows = await ContactOverride.select().where(ContactOverride.academie == academie.slug)
    changes = {
        row["audience"]: Modality(
            row["formulaire"], row["telephone"], row["courriel"], row["consigne"]
        )
        for row in rows
        if row["audience"] in AUDIENCES
    }
    return replace(academie, **changes) if changes else academie


async def save_override(academie: str, audience: str, modality: dict[str, str]) -> None:
    from helpdesk.contacts.tables import ContactOverride

    await ContactOverride.delete().where(
        (ContactOverride.academie == academie) & (ContactOverride.audience == audience)
    )
    await ContactOverride.insert(ContactOverride(academie=academie, audience=audience, **modality))
