"""The « Compte ÉduConnect » panel of a ticket: find the account, act on it through the port,
record what happened on the ticket (DESIGN.md §5: the port is the only way to the accounts)."""

from __future__ import annotations

import datetime as dt

from helpdesk.accounts.port import (
    ACTION_LABELS,
    FLAG_LABELS,
    Account,
    AccountError,
    AccountQuery,
    Letter,
)
from helpdesk.accounts.service import mail_environment
from helpdesk.accounts.web_addresses import where_to_go
from helpdesk.auth.service import Staff, audit
from helpdesk.desk import account_safety, agent, night_changes
from helpdesk.desk.staff_words import LINK_STATUS_WORDS
from helpdesk.establishments import letter_deliveries
from helpdesk.establishments.addresses import layout_for
from helpdesk.establishments.letters import links_of
from helpdesk.mail.service import queue_mail
from helpdesk.observability.metrics import ACCOUNT_ACTIONS
from helpdesk.tickets.tables import Ticket, TicketEvent

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
    "clear_link_report": [
        ("eleve", "Identifiant de l'élève signalé", "text"),
        ("reason", "Motif de la levée du signalement", "text"),
    ],
}


# How the choices of a select read (the values are the port's).
OPTION_LABELS = {
    "courrier": "feuille individuelle à imprimer (PDF)",
    "mail": "courriel à l'adresse du compte",
}


def default_search(ticket: dict) -> str:
    return ticket["identifier"] or ticket["child_last_name"] or ticket["requester_last_name"]


def read_params(action: str, form) -> dict:
    params = {}
    for name, _label, kind in PARAMS.get(action, []):
        value = form.get(f"p_{name}", "")
        params[name] = (value == "1") if kind == "checkbox" else str(value).strip()[:320]
    return params


async def panel(state, staff: Staff, ticket: dict, query: str, identifier: str) -> dict:
    """What the panel shows: the accounts found, or the one chosen, or why it can't."""
    service = state.accounts
    events = await account_safety.account_events(ticket["id"])
    tie = account_safety.tie_of(events)
    view: dict = {
        "query": query,
        "flag_labels": FLAG_LABELS,
        "labels": ACTION_LABELS,
        "actions": account_safety.allowed_actions(ticket, tie),
        "tie": tie,
        "link_words": LINK_STATUS_WORDS,
        "identity": None,
        "withheld": {},
        "params": PARAMS,
        "option_labels": OPTION_LABELS,
        "results": [],
        "account": None,
        "error": "",
        "night_changes": await night_changes.of_ticket(ticket["id"]),
    }
    try:
        if identifier:
            account = view["account"] = await service.get(identifier, staff.academie)
            who = view["identity"] = account_safety.identity(ticket, account, events)
            view["withheld"] = account_safety.withheld(who, view["actions"])
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
    state, staff: Staff, ticket: dict, event_id: int, identifier: str, password: str, who
) -> str:
    """The console's reset gives neither mail nor letter (guide 5.4): the school reads the
    password in its lists. From a ticket the family must get it: by mail to a verified
    requester (the account's confirmed address), otherwise on a letter the school hands over."""
    try:
        account = await state.accounts.get(identifier, staff.academie)
    except AccountError as error:
        return (
            f"Le compte n'a pas pu être relu ({error})\u00a0: utilisez «\u00a0Informer\u00a0» "
            "pour transmettre un mot de passe provisoire à la famille."
        )
    letter = password_letter(account, password)
    if who.verified:
        layout = await layout_for(state, ticket["academie"], account.uai)
        await queue_mail(
            mail_environment(state.jinja),
            state.settings,
            to=account.email,
            subject=letter.title,
            template="compte_information",
            context={
                "letter": letter.as_dict(include_secrets=True),
                "where": where_to_go(account.kind, layout.link, layout.ent),
            },
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
    await letter_deliveries.keep_letter(state, ticket, event_id, letter)
    return (
        f"{who.label}\u00a0: le mot de passe provisoire est sur une feuille à imprimer, jointe "
        "à la demande et proposée à l'établissement, qui la remettra en main propre."
    )


async def action_events(ticket_id: int) -> list[dict]:
    """The account actions recorded on a ticket, oldest first."""
    return (
        await TicketEvent.select()
        .where((TicketEvent.ticket == ticket_id) & (TicketEvent.kind == "compte"))
        .order_by(TicketEvent.id)
        .output(load_json=True)
    )


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
    reason: str = "",
) -> str:
    """Check who may get what (account_safety), call the port once (idempotent), record the
    outcome on the ticket, keep the letters. A replayed key records nothing new."""
    if action not in ACTION_LABELS:
        raise agent.ActionRefused("Action inconnue.")
    events = await account_safety.account_events(ticket["id"])
    tie = account_safety.tie_of(events)
    label = ACTION_LABELS[action]
    try:
        account = await state.accounts.get(identifier, staff.academie)
        who = account_safety.identity(ticket, account, events)
        account_safety.check(ticket, tie, who, action, account.identifier, params, reason)
        sent = {**params, "ticket_reference": ticket["reference"]}
        if action == "inform":  # its mail gives the school's addresses, as its letter does
            sent["links"] = links_of(await layout_for(state, ticket["academie"], account.uai))
        result = await state.accounts.act(
            action,
            identifier,
            sent,
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
                body=f"{label} ({identifier})\u00a0: échec, rien n'a changé. {error}",
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
    if result.replayed:  # done once already, and recorded then
        return result.message
    await account_safety.record_tie(staff, ticket, tie, account.identifier, reason)
    event = TicketEvent(
        ticket=ticket["id"],
        kind="compte",
        author="agent",
        public=False,
        body=f"{label} ({account.identifier})\u00a0: {result.message}",
        data={
            "action": action,
            "compte": account.identifier,
            "params": params,
            "resultat": result.as_dict(),
            "verifie": who.verified,
            "cle": idempotency_key or "",
            "par": staff.id,
        },
    )
    await event.save()
    # The audit log's « Action sur un compte ÉduConnect »
    await audit(
        "action_compte",
        staff.id,
        operation=label,
        compte=account.identifier,
        demande=ticket["reference"],
    )
    if result.pending_changes:
        await night_changes.record(ticket["id"], account.identifier, result.pending_changes)
        if any(change.applied_at for change in result.pending_changes):  # demo: applied at once
            await night_changes.tell_applied(state)
    for letter in result.letters:
        await letter_deliveries.keep_letter(state, ticket, event.id, letter)
    message = result.message
    password = result.secrets.get("provisional_password", "")
    if action == "reset_password" and password:
        message += " " + await hand_password(
            state, staff, ticket, event.id, account.identifier, password, who
        )
    if resolve and ticket["status"] not in ("resolu", "clos"):
        fresh = await Ticket.select().where(Ticket.id == ticket["id"]).first()
        await agent.set_fields(staff, fresh, fresh["version"], status="resolu")
    return message


async def school_of(state, staff: Staff, ticket: dict) -> str:
    """« Lycée des Coteaux, UAI 0450782F »: the name typed on the ticket, else the
    directory's name for that UAI (within the académie)."""
    uai, name = ticket["uai"], ticket["etablissement"]
    if uai and not name:
        try:
            found = await state.accounts.search(
                AccountQuery(scope=staff.academie, uai=uai, limit=1)
            )
            name = found.items[0].establishment if found.items else ""
        except AccountError:
            name = ""
    if not uai:
        return name
    return f"{name}, UAI {uai}" if name else f"UAI {uai}"
