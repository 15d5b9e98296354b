"""Who may get what from a ticket's account actions (README, « Identité du demandeur »).

A request typed into a public form proves nothing about who typed it. So:

- the requester is « vérifié » for an account when the ticket's address is the address the
  account has confirmed, not in error, and not changed from this ticket;
- credentials (identifier reminder, provisional password, « Informer ») go by mail only to a
  verified requester (the mail goes to the account's confirmed address, which is theirs);
  otherwise only on a printed letter, which the school hands over in person;
- the first account action ties the account to the ticket, with the ticket's category at that
  moment: the allowed actions follow that category, whatever the category becomes later, and
  acting on another account from the same ticket needs a reason, recorded.
"""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.accounts.port import ACTIONS, Account
from helpdesk.auth.service import Staff
from helpdesk.categories.catalogue import ALL_CATEGORIES, EVERY_ACTION
from helpdesk.desk import agent
from helpdesk.tickets.tables import TicketEvent

# The resolution playbook of DESIGN.md §3: what an agent may do for each category.
PLAYBOOK: dict[str, tuple[str, ...]] = {
    code: ACTIONS if c.actions is EVERY_ACTION else c.actions for code, c in ALL_CATEGORIES.items()
}
# Actions that hand over an identifier or a password.
CREDENTIALS = ("remind_identifier", "reset_password", "inform")

VERIFIED = "Demandeur vérifié"
NOT_VERIFIED = "Demandeur non vérifié"
LETTER_ONLY = (
    "Le demandeur n'est pas vérifié\u00a0: identifiant et mot de passe ne partent pas par "
    "courriel depuis cette demande. Choisissez «\u00a0Informer\u00a0» par feuille individuelle, "
    "que l'établissement remettra en main propre."
)


@dataclass(frozen=True)
class Identity:
    verified: bool
    why: str  # a French sentence for the agent

    @property
    def label(self) -> str:
        return VERIFIED if self.verified else NOT_VERIFIED


@dataclass(frozen=True)
class Tie:
    """The accounts this ticket acts on, and the category when the first was tied."""

    accounts: tuple[str, ...]
    category: str


async def account_events(ticket_id: int) -> list[dict]:
    return (
        await TicketEvent.select(TicketEvent.kind, TicketEvent.data)
        .where(
            (TicketEvent.ticket == ticket_id) & (TicketEvent.kind.is_in(["compte", "compte_lie"]))
        )
        .order_by(TicketEvent.id)
        .output(load_json=True)
    )


def tie_of(events: list[dict]) -> Tie | None:
    ties = [e["data"] for e in events if e["kind"] == "compte_lie" and isinstance(e["data"], dict)]
    if not ties:
        return None
    return Tie(tuple(t.get("compte", "") for t in ties), str(ties[0].get("categorie", "")))


def address_changed_here(events: list[dict], identifier: str) -> bool:
    return any(
        e["kind"] == "compte"
        and isinstance(e["data"], dict)
        and e["data"].get("action") == "update_email"
        and e["data"].get("compte") == identifier
        and "resultat" in e["data"]
        for e in events
    )


def identity(ticket: dict, account: Account, events: list[dict]) -> Identity:
    """Is the requester the account's holder, as far as the help desk can know?"""
    typed = (ticket["requester_email"] or "").strip().casefold()
    if not typed:
        return Identity(False, "La demande n'a pas d'adresse mail de demandeur.")
    if address_changed_here(events, account.identifier):
        return Identity(
            False,
            "L'adresse du compte a été modifiée depuis cette demande\u00a0: elle ne sert pas à "
            "envoyer des identifiants depuis cette demande.",
        )
    if account.email.casefold() != typed:
        return Identity(
            False,
            f"L'adresse du demandeur ({ticket['requester_email']}) n'est pas celle du compte.",
        )
    if not account.email_confirmed or "adresse_mail_en_erreur" in account.flags:
        return Identity(
            False, "L'adresse du compte n'est pas confirmée par son titulaire (ou est en erreur)."
        )
    return Identity(
        True,
        f"L'adresse du demandeur ({ticket['requester_email']}) est l'adresse confirmée du compte.",
    )


def allowed_actions(ticket: dict, tie: Tie | None) -> tuple[str, ...]:
    """The playbook of the category the ticket had when its account was tied (or has now)."""
    return PLAYBOOK.get(tie.category if tie else ticket["category"], ())


def withheld(who: Identity, actions: tuple[str, ...]) -> dict[str, str]:
    """What an unverified requester cannot get by mail, and why (shown on the panel)."""
    if who.verified:
        return {}
    out = {}
    if "remind_identifier" in actions:
        out["remind_identifier"] = (
            "Le rappel d'identifiant part par courriel\u00a0: réservé à un demandeur vérifié."
        )
    if "inform" in actions:
        out["inform"] = "Par feuille individuelle seulement (remise par l'établissement)."
    if "reset_password" in actions:
        out["reset_password"] = (
            "Le mot de passe provisoire est mis sur une feuille remise par l'établissement."
        )
    return out


def check(
    ticket: dict,
    tie: Tie | None,
    who: Identity,
    action: str,
    identifier: str,
    params: dict,
    reason: str,
) -> None:
    """Refuse, with the reason, what this ticket may not do to this account."""
    if action not in allowed_actions(ticket, tie):
        if tie and tie.category != ticket["category"]:
            raise agent.ActionRefused(
                "Cette action n'est pas prévue pour la catégorie qu'avait la demande quand le "
                "compte lui a été lié."
            )
        raise agent.ActionRefused("Cette action n'est pas prévue pour la catégorie de la demande.")
    if tie and identifier not in tie.accounts and not reason.strip():
        raise agent.ActionRefused(
            f"Cette demande porte sur le compte {', '.join(tie.accounts)}\u00a0: pour agir sur "
            "un autre compte, indiquez pourquoi (le motif est gardé dans l'historique)."
        )
    if who.verified:
        return
    if action == "remind_identifier" or (action == "inform" and params.get("mode") == "mail"):
        raise agent.ActionRefused(LETTER_ONLY)


async def record_tie(
    staff: Staff, ticket: dict, tie: Tie | None, identifier: str, reason: str
) -> None:
    """The first account acted on, or another one with its reason, in the history."""
    if tie and identifier in tie.accounts:
        return
    category = tie.category if tie else ticket["category"]
    if tie is None:
        body = f"Compte {identifier} lié à la demande."
    else:
        body = f"Action sur un autre compte, {identifier}. Motif\u00a0: {reason.strip()}"
    await TicketEvent.insert(
        TicketEvent(
            ticket=ticket["id"],
            kind="compte_lie",
            author="agent",
            public=False,
            body=body,
            data={
                "compte": identifier,
                "categorie": category,
                "raison": reason.strip()[:500],
                "par": staff.id,
                "nom": staff.name or staff.email,
            },
        )
    )
