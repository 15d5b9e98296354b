"""The ticket's fields as a request carries them: one schema for the API's body (decoded and
described by Litestar), the names of its errors, and the flat names the form and the checks use.

The schema only says which fields exist and that they are text: what a value must be (an
académie of the list, a date, an address) is checked in French by `validation.validate_request`.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Annotated

import msgspec
from msgspec import Meta


def text(description: str) -> type[str]:
    return Annotated[str, Meta(description=description)]  # type: ignore[return-value]


class Requester(msgspec.Struct):
    """Who writes: a parent (or legal guardian) or the pupil."""

    kind: text("«\u00a0parent\u00a0» ou «\u00a0eleve\u00a0»")
    first_name: text("Prénom")
    last_name: text("Nom")
    email: text("Adresse électronique, où la réponse est envoyée")
    phone: text("Téléphone portable donné à l'établissement") = ""


class Child(msgspec.Struct):
    """The pupil whose account is concerned (what the category asks for)."""

    first_name: text("Prénom de l'élève") = ""
    last_name: text("Nom de l'élève") = ""
    birth_date: text("Date de naissance, JJ/MM/AAAA ou AAAA-MM-JJ") = ""
    refused_birth_date: text("La date de naissance refusée, telle que saisie") = ""
    classe: text("Classe") = ""
    ine: text("Identifiant national élève (11 caractères)") = ""


class TicketIn(msgspec.Struct):
    """A request for help, as the API receives it."""

    academie: text("L'académie (son code, par exemple «\u00a0orleans-tours\u00a0»)")
    category: text("Ce qui ne va pas (le code de la catégorie)")
    degre: text("«\u00a01er\u00a0» (école) ou «\u00a02nd\u00a0» (collège, lycée)")
    requester: Requester
    message: text("La difficulté, en quelques phrases")
    uai: text("Code UAI de l'établissement") = ""
    etablissement: text("Nom de l'établissement") = ""
    identifier: text("Identifiant ÉduConnect") = ""
    child: Child = msgspec.field(default_factory=Child)
    activation_email: text("Adresse saisie lors de l'activation du compte") = ""


class TicketCreated(msgspec.Struct):
    reference: text("Référence de la demande, par exemple OT-2026-000001")
    follow_url: text("Lien privé de suivi, envoyé aussi par courriel")


class ApiErrors(msgspec.Struct):
    """Every refusal of the API: one French message per field («\u00a0_\u00a0» for the whole request)."""

    errors: dict[str, str]


# The form names the refused date `refused_birth_date`, without its group.
WITHOUT_GROUP = frozenset({"child.refused_birth_date"})
# The fields that are dates: a ticket keeps each as typed (`…_typed`: what the requester saw
# refused, word for word) and, once checked, as a date.
DATES = ("child_birth_date", "refused_birth_date")


def _walk() -> list[tuple[str, str, msgspec.structs.FieldInfo, bool]]:
    """Each field of the schema: its API name (requester.email), its flat name
    (requester_email), its type and description, whether a request must carry it."""
    found = []
    for field in msgspec.structs.fields(TicketIn):
        if isinstance(field.type, type) and issubclass(field.type, msgspec.Struct):
            for part in msgspec.structs.fields(field.type):
                api = f"{field.name}.{part.name}"
                flat = part.name if api in WITHOUT_GROUP else f"{field.name}_{part.name}"
                found.append((api, flat, part, field.required and part.required))
        else:
            found.append((field.name, field.name, field, field.required))
    return found


_SCHEMA = _walk()
API_NAMES = {api: flat for api, flat, _, _ in _SCHEMA}
FLAT_TO_API = {flat: api for api, flat in API_NAMES.items()}
FIELDS = tuple(API_NAMES.values())  # what the form sends, and what the checks read
REQUIRED = frozenset(flat for _, flat, _, required in _SCHEMA if required)
# Each field's type and description under its flat name (RequestField.requester_email): the
# shapes that show a ticket flat (the agents' API) describe its fields with the words above.
RequestField = SimpleNamespace(**{flat: field.type for _, flat, field, _ in _SCHEMA})


def stored_name(flat: str) -> str:
    """The ticket's column that keeps a field as the requester typed it."""
    return f"{flat}_typed" if flat in DATES else flat


def flatten(body: TicketIn) -> dict[str, str]:
    """The body's fields under their flat names, as the form sends them."""
    flat = {}
    for api, name in API_NAMES.items():
        value: object = body
        for part in api.split("."):
            value = getattr(value, part)
        flat[name] = value
    return flat
