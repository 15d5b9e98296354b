"""Checking what a parent sends: one French message per wrong field, nothing kept when wrong."""

from __future__ import annotations

import datetime as dt
import difflib
import re
from dataclasses import field, make_dataclass

from email_validator import EmailNotValidError, validate_email

from helpdesk.categories.catalogue import CATEGORIES, fields_of
from helpdesk.contacts.academies import Academies
from helpdesk.contacts.service import find_academie
from helpdesk.contacts.uai import UaiError, normalise_uai
from helpdesk.core.inputs import MESSAGE_MAX, is_name, nfc, text_problem, too_long
from helpdesk.tickets.schema import DATES, FIELDS, REQUIRED, stored_name
from helpdesk.tickets.tables import Ticket

MESSAGE_MIN = 10
OLDEST_BIRTH_DATE = dt.date(1990, 1, 1)
COMMON_MAIL_DOMAINS = (
    "gmail.com",
    "hotmail.fr",
    "hotmail.com",
    "yahoo.fr",
    "yahoo.com",
    "orange.fr",
    "free.fr",
    "laposte.net",
    "sfr.fr",
    "outlook.fr",
    "outlook.com",
    "wanadoo.fr",
    "icloud.com",
    "live.fr",
    "bbox.fr",
    "neuf.fr",
    "aol.com",
    "gmx.fr",
    "protonmail.com",
    "ac-orleans-tours.fr",
)
_INE = re.compile(r"^(?:[0-9]{9}[A-Z]{2}|[0-9]{10}[A-Z]|[0-9]{4}A[0-9]{5}[A-Z])$")
_IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")


def _clean_fields() -> list[tuple]:
    """The schema's fields, in its order, as a checked request keeps them: text (a date both
    as typed and as a date), then the details its channel adds."""
    fields: list[tuple] = []
    for name in FIELDS:
        if name in DATES:
            fields.append((stored_name(name), str, field(default="")))
            fields.append((name, dt.date | None, field(default=None)))
        else:
            fields.append((name, str) if name in REQUIRED else (name, str, field(default="")))
    return [*fields, ("details", dict, field(default_factory=dict))]


# Made from the schema: a field added there is a field here, under the same name.
CleanRequest = make_dataclass(
    "CleanRequest",
    _clean_fields(),
    kw_only=True,
    namespace={
        "__module__": __name__,
        "__doc__": "A request that passed every check, ready to become a ticket (one "
        "attribute per column it fills).",
    },
)


def as_text(value: object) -> str:
    """A field as text: forms and JSON may carry anything; non-text counts as a wrong value."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise TypeError
    return nfc(str(value)).strip()


def parse_date(typed: str) -> dt.date | None:
    """JJ/MM/AAAA (also with - or .), or AAAA-MM-JJ as date inputs send it."""
    match = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", typed)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", typed)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


def check_birth_date(typed: str, today: dt.date) -> tuple[dt.date | None, str]:
    value = parse_date(typed)
    if value is None:
        return None, "Saisissez une date valide, au format JJ/MM/AAAA (par exemple 04/03/2012)."
    if value > today:
        return None, "Une date de naissance ne peut pas être dans le futur."
    if value < OLDEST_BIRTH_DATE:
        return (
            None,
            "Une date de naissance d'élève ne peut pas être antérieure au 1er janvier 1990.",
        )
    return value, ""


def normalise_mobile(typed: str) -> str | None:
    """A French mobile number as 06 12 34 56 78, from 0612345678, +33 6…, 0033 6…, +262 6…"""
    digits = re.sub(r"[\s.()-]", "", typed)
    digits = re.sub(r"^(?:\+|00)(?:33|262|590|594|596|269|689)", "0", digits)
    if not re.fullmatch(r"0[67]\d{8}", digits):
        return None
    return " ".join(digits[i : i + 2] for i in range(0, 10, 2))


def suggest_domain(domain: str) -> str | None:
    if domain in COMMON_MAIL_DOMAINS:
        return None
    close = difflib.get_close_matches(domain, COMMON_MAIL_DOMAINS, n=1, cutoff=0.8)
    return close[0] if close else None


def check_email(typed: str, deliverability: bool, confirmed: bool) -> tuple[str, str]:
    """(normalised address, error message)."""
    try:
        result = validate_email(typed, check_deliverability=deliverability, timeout=3)
    except EmailNotValidError:
        return "", "Saisissez une adresse électronique valide, par exemple nom@exemple.fr."
    address = result.normalized.lower()
    local, _, domain = address.rpartition("@")
    suggestion = None if confirmed else suggest_domain(domain)
    if suggestion:
        return "", (
            f"Vérifiez l'adresse : vouliez-vous dire {local}@{suggestion} ? "
            "Si votre adresse est bien celle-ci, envoyez de nouveau le formulaire."
        )
    return address, ""


def check_name(value: str, label: str) -> str:
    if not value:
        return f"Indiquez {label}."
    if len(value) > 100 or not is_name(value):
        return f"Indiquez {label} en lettres (100 caractères au plus)."
    return ""


def validate_request(
    data: dict,
    academies: Academies,
    *,
    today: dt.date,
    email_deliverability: bool = False,
    email_confirmed: bool = False,
) -> tuple[CleanRequest | None, dict[str, str]]:
    errors: dict[str, str] = {}
    raw: dict[str, str] = {}
    for name in FIELDS:
        try:
            raw[name] = as_text(data.get(name))
        except TypeError:
            errors[name] = "Valeur invalide."
            raw[name] = ""
        if text_problem(raw[name]):
            errors[name] = (
                "Ce champ contient un caractère non permis (caractère nul ou de contrôle)."
            )

    academie = academies.get(raw["academie"])
    if academie is None:
        errors["academie"] = "Choisissez votre académie dans la liste."
    category = CATEGORIES.get(raw["category"])
    if category is None:
        errors["category"] = "Choisissez ce qui ne va pas dans la liste."
        wanted: tuple[str, ...] = ()
        required: tuple[str, ...] = ()
    else:
        wanted = fields_of(category)
        required = category.required
    if raw["degre"] not in ("1er", "2nd"):
        errors["degre"] = (
            "Indiquez si l'élève est à l'école (1er degré) ou au collège ou au lycée (2nd degré)."
        )
    if raw["requester_kind"] not in ("parent", "eleve"):
        errors["requester_kind"] = "Indiquez si vous êtes responsable de l'élève ou l'élève."

    clean: dict = {}
    for name, label in (
        ("requester_first_name", "votre prénom"),
        ("requester_last_name", "votre nom"),
    ):
        message = check_name(raw[name], label)
        if message:
            errors[name] = message
        clean[name] = raw[name]

    email, message = check_email(raw["requester_email"], email_deliverability, email_confirmed)
    if message:
        errors["requester_email"] = message
    clean["requester_email"] = email

    phone = ""
    if raw["requester_phone"] or "requester_phone" in required:
        phone = normalise_mobile(raw["requester_phone"]) or ""
        if not phone:
            errors["requester_phone"] = (
                "Indiquez le numéro de téléphone portable donné à l'établissement, "
                "par exemple 06 12 34 56 78."
            )
    clean["requester_phone"] = phone

    for name, label in (
        ("child_first_name", "le prénom de l'élève"),
        ("child_last_name", "le nom de l'élève"),
    ):
        if raw[name] or name in required:
            message = check_name(raw[name], label)
            if message:
                errors[name] = message
        clean[name] = raw[name] if name in wanted else ""

    for name in DATES:
        clean[stored_name(name)], clean[name] = "", None
        if name not in wanted:
            continue
        if not raw[name]:
            if name in required:
                errors[name] = (
                    "Indiquez la date de naissance refusée, telle que vous l'avez saisie."
                    if name == "refused_birth_date"
                    else "Indiquez la date de naissance de l'élève."
                )
            continue
        value, message = check_birth_date(raw[name], today)
        if message:
            errors[name] = message
        clean[stored_name(name)], clean[name] = raw[name][:20], value

    clean["activation_email"] = ""
    if "activation_email" in wanted and (raw["activation_email"] or "activation_email" in required):
        try:
            clean["activation_email"] = validate_email(
                raw["activation_email"], check_deliverability=False
            ).normalized.lower()
        except EmailNotValidError:
            errors["activation_email"] = (
                "Indiquez l'adresse électronique saisie lors de l'activation du compte, "
                "même si vous pensez qu'elle est erronée (par exemple nom@exemple.fr)."
            )

    uai = ""
    if raw["uai"]:
        try:
            uai = normalise_uai(raw["uai"])
        except UaiError as error:
            errors["uai"] = str(error)
        else:
            found = find_academie(academies, uai)
            if found.outside:
                errors["uai"] = (
                    f"Cet établissement relève du {found.outside.organisme}, hors des académies : "
                    f"adressez-vous à lui ({found.outside.site})."
                )
            elif found.academie and academie and found.academie.slug != academie.slug:
                errors["uai"] = (
                    f"Ce code UAI est celui d'un établissement de l'{found.academie.nom_complet[0].lower()}"
                    f"{found.academie.nom_complet[1:]} : choisissez cette académie, ou vérifiez le code."
                )
    clean["uai"] = uai

    if raw["child_ine"]:
        ine = raw["child_ine"].replace(" ", "").upper()
        if not _INE.match(ine):
            errors["child_ine"] = "L'INE compte 11 caractères, par exemple 123456789AB."
        clean["child_ine"] = ine
    else:
        clean["child_ine"] = ""

    identifier = raw["identifier"].lower()
    if identifier and not _IDENTIFIER.match(identifier):
        errors["identifier"] = "Un identifiant ÉduConnect ressemble à p.dupont12 (sans espace)."
    clean["identifier"] = identifier

    for name, column in (
        ("etablissement", Ticket.etablissement),
        ("child_classe", Ticket.child_classe),
    ):
        if too_long(raw[name], column):
            errors[name] = too_long(raw[name], column)
        clean[name] = raw[name]

    text = raw["message"]
    if len(text) < MESSAGE_MIN:
        errors["message"] = "Décrivez votre difficulté en quelques mots (10 caractères au moins)."
    elif len(text) > MESSAGE_MAX:
        errors["message"] = f"Votre message est trop long : {MESSAGE_MAX} caractères au plus."

    if errors:
        return None, errors
    return (
        CleanRequest(
            academie=academie.slug,
            category=category.code,
            degre=raw["degre"],
            message=text,
            requester_kind=raw["requester_kind"],
            etablissement=clean.pop("etablissement"),
            **clean,
        ),
        {},
    )
