"""Schools' staff: escalations about the account-admin console (or for a family), as tickets of
their académie. Scoped to their UAIs."""

from __future__ import annotations

from helpdesk.auth.service import Staff
from helpdesk.categories.catalogue import CATEGORIES, category_of
from helpdesk.contacts.service import academie_of_uai
from helpdesk.tickets.tables import Ticket
from helpdesk.tickets.validation import MESSAGE_MAX, MESSAGE_MIN, CleanRequest, check_name

CONSOLE_MODULES = (
    "Administration des comptes ÉduConnect",
    "Dépannage des comptes élèves",
    "Clé OTP ou accès à ARENA",
    "Délégation (DELEG-CE)",
    "Autre",
)
ESCALATION_CATEGORIES = {
    "etablissement_console": "Un problème avec la console d'administration des comptes"
} | {
    code: f"Pour une famille : {c.label[0].lower()}{c.label[1:]}"
    for code, c in CATEGORIES.items()
    if code not in ("demarche_en_ligne",)
}


def category_label(code: str) -> str:
    """What a school reads for a ticket's category: its own wording for what it may report, the
    catalogue's for the rest (an agent may have moved the ticket; an old one may carry a code
    this release no longer knows)."""
    return ESCALATION_CATEGORIES.get(code) or category_of(code).label


def text(form, name: str, limit: int) -> str:
    value = form.get(name, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def validate_escalation(form, staff: Staff, academies) -> tuple[CleanRequest | None, dict, dict]:
    """(request, errors, values) from the establishment's form."""
    values = {
        name: text(form, name, limit)
        for name, limit in (
            ("uai", 8),
            ("category", 40),
            ("degre", 3),
            ("module", 80),
            ("ecran", 200),
            ("message_erreur", 500),
            ("comptes", 1000),
            ("child_first_name", 100),
            ("child_last_name", 100),
            ("message", MESSAGE_MAX + 1),
            ("form_id", 64),
        )
    }
    errors: dict[str, str] = {}
    if values["uai"] not in staff.uais:
        errors["uai"] = "Choisissez un de vos établissements."
    if values["category"] not in ESCALATION_CATEGORIES:
        errors["category"] = "Choisissez l'objet du signalement."
    if values["degre"] not in ("1er", "2nd"):
        errors["degre"] = "Indiquez le degré de l'établissement."
    console = values["category"] == "etablissement_console"
    if console and values["module"] not in CONSOLE_MODULES:
        errors["module"] = "Choisissez le module de la console concerné."
    if not console:
        for name, label in (
            ("child_first_name", "le prénom de l'élève"),
            ("child_last_name", "le nom de l'élève"),
        ):
            message = check_name(values[name], label)
            if message:
                errors[name] = message
    if len(values["message"]) < MESSAGE_MIN:
        errors["message"] = "Décrivez le problème en quelques mots (10 caractères au moins)."
    elif len(values["message"]) > MESSAGE_MAX:
        errors["message"] = f"{MESSAGE_MAX} caractères au plus."
    academie = academie_of_uai(academies, values["uai"]) if "uai" not in errors else None
    if "uai" not in errors and academie is None:
        errors["uai"] = "Cet établissement ne relève d'aucune académie."
    if errors:
        return None, errors, values
    details = {
        k: values[k]
        for k in ("module", "ecran", "message_erreur", "comptes")
        if console and values[k]
    }
    request = CleanRequest(
        academie=academie.slug,
        category=values["category"],
        degre=values["degre"],
        message=values["message"],
        requester_kind="etablissement",
        requester_first_name="",
        requester_last_name=staff.name or staff.email,
        requester_email=staff.email,
        uai=values["uai"],
        child_first_name="" if console else values["child_first_name"],
        child_last_name="" if console else values["child_last_name"],
        details=details,
    )
    return request, {}, values


async def escalations(staff: Staff) -> list[dict]:
    if not staff.uais:
        return []
    return (
        await Ticket.select(
            Ticket.reference,
            Ticket.status,
            Ticket.category,
            Ticket.uai,
            Ticket.created_at,
            Ticket.updated_at,
        )
        .where((Ticket.channel == "escalation") & Ticket.uai.is_in(list(staff.uais)))
        .order_by(Ticket.id, ascending=False)
        .limit(200)
    )


async def escalation_for(staff: Staff, reference: str) -> dict | None:
    if staff.role != "establishment" or not staff.uais:
        return None
    return (
        await Ticket.select()
        .where(
            (Ticket.reference == reference)
            & (Ticket.channel == "escalation")
            & Ticket.uai.is_in(list(staff.uais))
        )
        .output(load_json=True)
        .first()
    )
