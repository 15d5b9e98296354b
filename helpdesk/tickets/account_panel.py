"""The « Compte ÉduConnect » panel of a ticket: find the account, act on it through the port,
record what happened on the ticket (DESIGN.md §5: the port is the only way to the accounts)."""

from __future__ import annotations

import datetime as dt

from helpdesk.accounts.local import mail_environment
from helpdesk.accounts.port import (
    ACTION_LABELS,
    ACTIONS,
    FLAG_LABELS,
    Account,
    AccountError,
    AccountQuery,
    Letter,
)
from helpdesk.accounts.port import ActionRefused as AccountRefused
from helpdesk.accounts.service import account_service
from helpdesk.auth.service import Staff, audit
from helpdesk.mail.service import queue_mail
from helpdesk.observability.metrics import ACCOUNT_ACTIONS
from helpdesk.tickets import agent, night_changes
from helpdesk.tickets.attachments import Upload, store
from helpdesk.tickets.letters import letter_pdf
from helpdesk.tickets.service import attach
from helpdesk.tickets.tables import Attachment, LetterDelivery, Ticket, TicketEvent

# The resolution playbook of DESIGN.md §3: what an agent may do for each category.
PLAYBOOK: dict[str, tuple[str, ...]] = {
    "date_naissance": ("correct_birth_date",),
    "rattachement": ("link_child", "unlink_child", "merge_accounts"),
    "mail_confirmation": ("update_email", "resend_confirmation_mail"),
    "identifiant_perdu": ("remind_identifier", "regenerate_identifier"),
    "mot_de_passe": ("reset_password", "inform"),
    "auto_inscription": ("update_mobile",),
    "compte_compromis": ("inform", "mark_compromised"),
    "demarche_en_ligne": (),
    "etablissement_console": ACTIONS,
    "autre": ACTIONS,
}
# The parameters each action asks for: (name, label, kind)
PARAMS: dict[str, list[tuple[str, str, str]]] = {
    "correct_birth_date": [("birth_date", "Date de naissance exacte (JJ/MM/AAAA)", "text")],
    "link_child": [("eleve", "Identifiant de l'élève à rattacher", "text")],
    "unlink_child": [("eleve", "Identifiant de l'élève à retirer", "text")],
    "merge_accounts": [("from", "Identifiant du compte dont les enfants sont repris", "text")],
    "update_email": [("email", "Nouvelle adresse mail", "text")],
    "update_mobile": [("mobile", "Nouveau numéro de téléphone portable", "text")],
    "inform": [
        ("mode", "Par", "courrier|mail"),
        ("reset_password", "Avec un nouveau mot de passe provisoire", "checkbox"),
    ],
    "mark_compromised": [("reason", "Motif", "text")],
}


async def keep_letter(state, ticket: dict, event_id: int, letter) -> None:
    """The PDF on the ticket (staff only), and offered to the account's school to hand over."""
    pdf = Upload(f"courrier-{letter.identifier}.pdf", "application/pdf", letter_pdf(letter))
    storage_name = await store(state.settings, pdf)
    await attach(ticket["id"], event_id, pdf, storage_name)
    stored = await Attachment.select(Attachment.id).where(Attachment.storage_name == storage_name)
    await LetterDelivery.insert(
        LetterDelivery(
            ticket=ticket["id"],
            attachment=stored[0]["id"],
            uai=letter.uai,
            account=letter.identifier,
        )
    )


# How the choices of a select read (the values are the port's).
OPTION_LABELS = {
    "courrier": "feuille individuelle à imprimer (PDF)",
    "mail": "courriel à l'adresse du compte",
}
UNCONFIRMED_MAIL = (
    "L'adresse mail de ce compte n'est pas confirmée\u00a0: un mot de passe provisoire ne "
    "s'envoie qu'à une adresse confirmée par son titulaire. Choisissez la feuille individuelle "
    "à imprimer\u00a0: elle est proposée à l'établissement, qui la remettra."
)


def accounts_of(state):
    """The account service of this app (local directory, or the remote API when configured)."""
    service = getattr(state, "accounts", None)
    if service is None:
        service = state.accounts = account_service(state.settings, state)
    return service


def default_search(ticket: dict) -> str:
    return ticket["identifier"] or ticket["child_last_name"] or ticket["requester_last_name"]


def allowed_actions(category: str) -> tuple[str, ...]:
    return PLAYBOOK.get(category, ())


def read_params(action: str, form) -> dict:
    params = {}
    for name, _label, kind in PARAMS.get(action, []):
        value = form.get(f"p_{name}", "")
        params[name] = (value == "1") if kind == "checkbox" else str(value).strip()[:320]
    return params


async def panel(state, staff: Staff, ticket: dict, query: str, identifier: str) -> dict:
    """What the panel shows: the accounts found, or the one chosen, or why it can't."""
    service = accounts_of(state)
    view: dict = {
        "query": query,
        "flag_labels": FLAG_LABELS,
        "labels": ACTION_LABELS,
        "actions": allowed_actions(ticket["category"]),
        "params": PARAMS,
        "option_labels": OPTION_LABELS,
        "results": [],
        "account": None,
        "error": "",
        "night_changes": await night_changes.of_ticket(ticket["id"]),
    }
    try:
        if identifier:
            view["account"] = await service.get(identifier, staff.academie)
        else:
            view["results"] = (
                await service.search(AccountQuery(scope=staff.academie, q=query, limit=20))
            ).items
    except AccountError as error:
        view["error"] = str(error)
    return view


def password_letter(account: Account, password: str) -> Letter:
    """The "feuille individuelle" of an account with its new provisional password (guide 3.2)."""
    compromised = "compromis" in account.flags
    who = "Responsable d'élève" if account.kind == "responsable" else "Élève"
    return Letter(
        kind="compte_compromis" if compromised else "mise_a_disposition",
        title=(
            "Changement de votre mot de passe ÉduConnect"
            if compromised
            else f"Mise à disposition de votre compte ÉduConnect {who}"
        ),
        identifier=account.identifier,
        account_kind=account.kind,
        first_name=account.first_name,
        last_name=account.last_name,
        uai=account.uai,
        establishment=account.establishment,
        state=account.state,
        children=[
            {
                "first_name": c.first_name,
                "last_name": c.last_name,
                "classe": c.classe,
                "relation": c.relation,
            }
            for c in account.links
            if c.kind == "eleve" and c.status != "signale_errone"
        ],
        provisional_password=password,
        has_provisional_password=True,
        date=dt.date.today().isoformat(),
    )


async def hand_password(
    state, staff: Staff, ticket: dict, event_id: int, identifier: str, password: str
) -> str:
    """The console's reset gives neither mail nor letter (guide 5.4): the school reads the
    password in its lists. From a ticket the family must get it: by mail to the account's
    confirmed address, otherwise on a letter for the school to hand over."""
    try:
        account = await accounts_of(state).get(identifier, staff.academie)
    except AccountError as error:
        return (
            f"Le compte n'a pas pu être relu ({error})\u00a0: utilisez «\u00a0Informer\u00a0» "
            "pour transmettre un mot de passe provisoire à la famille."
        )
    letter = password_letter(account, password)
    mail_ok = account.email_confirmed and "adresse_mail_en_erreur" not in account.flags
    if account.email and mail_ok:
        await queue_mail(
            mail_environment(state.jinja),
            state.settings,
            to=account.email,
            subject=letter.title,
            template="compte_information",
            context={"letter": letter.as_dict(include_secrets=True)},
            kind="compte_information",
            ticket_reference=ticket["reference"],
        )
        sentence = f"Le mot de passe provisoire est envoyé par courriel à {account.email}."
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket["id"], kind="courriel", author="systeme", public=False, body=sentence
            )
        )
        return sentence
    await keep_letter(state, ticket, event_id, letter)
    return (
        "Le compte n'a pas d'adresse mail confirmée\u00a0: le mot de passe provisoire est sur "
        "une feuille à imprimer, jointe à la demande et proposée à l'établissement."
    )


async def require_confirmed_mail(state, staff: Staff, identifier: str) -> None:
    """The help desk acts on a request typed in a web form: unlike the school's console, it
    mails a provisional password only to an address the account's owner has confirmed."""
    account = await accounts_of(state).get(identifier, staff.academie)
    if not (account.email and account.email_confirmed):
        raise AccountRefused(UNCONFIRMED_MAIL, "params.mode")


async def run(
    state,
    staff: Staff,
    ticket: dict,
    version: int,
    action: str,
    identifier: str,
    params: dict,
    idempotency_key: str,
    resolve: bool,
) -> str:
    """Call the port once (idempotent), record the outcome on the ticket, keep the letters."""
    if action not in allowed_actions(ticket["category"]):
        raise agent.ActionRefused("Cette action n'est pas prévue pour la catégorie de la demande.")
    label = ACTION_LABELS[action]
    try:
        if action == "inform" and params.get("mode") == "mail":
            await require_confirmed_mail(state, staff, identifier)
        result = await accounts_of(state).act(
            action,
            identifier,
            {**params, "ticket_reference": ticket["reference"]},
            scope=staff.academie,
            idempotency_key=idempotency_key,
        )
    except AccountError as error:
        ACCOUNT_ACTIONS.labels(action, error.code).inc()
        await TicketEvent.insert(
            TicketEvent(
                ticket=ticket["id"],
                kind="compte",
                author="agent",
                public=False,
                body=f"{label} ({identifier}) : échec, rien n'a changé. {error}",
                data={
                    "action": action,
                    "compte": identifier,
                    "params": params,
                    "erreur": error.as_dict(),
                    "par": staff.id,
                },
            )
        )
        raise agent.ActionRefused(str(error)) from error
    ACCOUNT_ACTIONS.labels(action, "replayed" if result.replayed else "ok").inc()
    event = TicketEvent(
        ticket=ticket["id"],
        kind="compte",
        author="agent",
        public=False,
        body=f"{label} ({identifier}) : {result.message}",
        data={
            "action": action,
            "compte": identifier,
            "params": params,
            "resultat": result.as_dict(),
            "par": staff.id,
        },
    )
    await event.save()
    if not result.replayed:  # the audit log's « Action sur un compte ÉduConnect »
        await audit(
            "action_compte",
            staff.id,
            operation=label,
            compte=identifier,
            demande=ticket["reference"],
        )
    if not result.replayed and result.pending_changes:
        await night_changes.record(ticket["id"], identifier, result.pending_changes)
        if any(change.applied_at for change in result.pending_changes):  # demo: applied at once
            await night_changes.tell_applied(state)
    for letter in result.letters:
        await keep_letter(state, ticket, event.id, letter)
    message = result.message
    password = result.secrets.get("provisional_password", "")
    if action == "reset_password" and password and not result.replayed:
        message += " " + await hand_password(state, staff, ticket, event.id, identifier, password)
    if resolve and ticket["status"] not in ("resolu", "clos"):
        fresh = await Ticket.select().where(Ticket.id == ticket["id"]).first()
        await agent.set_fields(staff, fresh, fresh["version"], status="resolu")
    return message
