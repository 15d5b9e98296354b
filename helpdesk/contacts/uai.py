"""UAI, the national code of a school: 7 digits and a check letter (mod 23, no I, O, Q)."""

from __future__ import annotations

import re
from dataclasses import dataclass

CHECK_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"
_UAI = re.compile(r"^[0-9]{7}[A-Z]$")


class UaiError(ValueError):
    """A UAI that cannot be a school's code; the message is for the person who typed it."""


def check_letter(digits: str) -> str:
    return CHECK_LETTERS[int(digits) % 23]


def normalise_uai(value: str) -> str:
    """ "0750655e " → "0750655E"; raises UaiError with a French message when invalid."""
    uai = re.sub(r"\s+", "", value).upper()
    if not _UAI.match(uai):
        raise UaiError(
            "Le code UAI d'un établissement compte 7 chiffres suivis d'une lettre "
            "(par exemple 0450782F)."
        )
    expected = check_letter(uai[:7])
    if uai[7] != expected:
        raise UaiError(
            f"Le code UAI {uai} n'existe pas : sa lettre de contrôle ne correspond pas "
            "à ses chiffres. Vérifiez-le sur un courrier de l'école ou de l'établissement."
        )
    return uai


@dataclass(frozen=True)
class UaiPlace:
    uai: str
    departement: str  # INSEE code, or the UAI prefix of an overseas collectivity


def uai_place(value: str) -> UaiPlace:
    """Where a school is: metropole "0DD", Corse "620"/"720", overseas the first 3 digits."""
    uai = normalise_uai(value)
    prefix = uai[:3]
    if prefix == "620":
        departement = "2A"
    elif prefix == "720":
        departement = "2B"
    elif prefix[0] == "0":
        departement = prefix[1:]
    else:
        departement = prefix
    return UaiPlace(uai=uai, departement=departement)
