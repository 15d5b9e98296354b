"""The directory's "À traiter": what parents reported in ÉduConnect itself, as tickets.

In ÉduConnect a responsable can say "Je ne suis pas le représentant légal de cet élève" or
that a child's birth date is wrong; the console lists these accounts as "Représentants légaux
à traiter" (guide §5.1 item 8). Here an agent turns them into tickets of the académie, one by
one from /agent/signalements, or all at once by `helpdesk accounts anomalies` (scheduled). One
open ticket per account and flag: a flag still raised after its ticket closed opens a new one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from helpdesk.accounts.port import Account, AccountQuery, Scope
from helpdesk.core.web import date_fr
from helpdesk.desk.tables import AnomalyTicket
from helpdesk.tickets.records import body_fingerprint
from helpdesk.tickets.service import TicketService
from helpdesk.tickets.tables import OPEN_STATUSES
from helpdesk.tickets.validation import CleanRequest

# The flags a parent raises in ÉduConnect, and the category of the ticket they become.
PARENT_FLAGS = {
    "date_naissance_signalee_incorrecte": "date_naissance",
    "rattachement_signale_errone": "rattachement",
}
FLAG_SENTENCES = {
    "date_naissance_signalee_incorrecte": "la date de naissance de l'élève est incorrecte",
    "rattachement_signale_errone": "«\u00a0Je ne suis pas le représentant légal de cet élève\u00a0»",
}


@dataclass
class Anomaly:
    account: Account
    flag: str
    child: dict  # identifier, first_name, last_name, uai, birth_date (when known)
    reference: str = ""  # the open ticket already made of it


async def _all(service, query: AccountQuery) -> list[Account]:
    found, cursor = [], ""
    while True:
        page = await service.search(
            AccountQuery(**{**query.as_dict(), "scope": query.scope, "cursor": cursor})
        )
        found += page.items
        cursor = page.next_cursor
        if not cursor:
            return found


async def to_treat(state, academie: str) -> list[Anomaly]:
    """The académie's responsables with a flag raised in ÉduConnect, newest tickets first."""
    service = state.accounts
    scope = Scope(academie=academie)
    children = {
        child.identifier: child
        for child in await _all(
            service,
            AccountQuery(
                scope=scope, kind="eleve", flag="date_naissance_signalee_incorrecte", limit=200
            ),
        )
    }
    anomalies = []
    for flag in PARENT_FLAGS:
        query = AccountQuery(scope=scope, kind="responsable", flag=flag, limit=200)
        for account in await _all(service, query):
            anomalies.append(Anomaly(account, flag, _child_of(account, flag, children)))
    opened = await _open_tickets(academie)
    for anomaly in anomalies:
        anomaly.reference = opened.get((anomaly.account.identifier, anomaly.flag), "")
    return anomalies


def _child_of(account: Account, flag: str, flagged_children: dict) -> dict:
    for link in account.links:
        if flag == "rattachement_signale_errone" and link.status == "signale_errone":
            return link.as_dict()
        if flag == "date_naissance_signalee_incorrecte" and link.identifier in flagged_children:
            return {**link.as_dict(), "birth_date": flagged_children[link.identifier].birth_date}
    return {}


async def _open_tickets(academie: str) -> dict[tuple[str, str], str]:
    rows = await AnomalyTicket.select(
        AnomalyTicket.account, AnomalyTicket.flag, AnomalyTicket.ticket.reference
    ).where((AnomalyTicket.academie == academie) & AnomalyTicket.ticket.status.is_in(OPEN_STATUSES))
    return {(r["account"], r["flag"]): r["ticket.reference"] for r in rows}


def _request(academie: str, anomaly: Anomaly) -> CleanRequest:
    account, child = anomaly.account, anomaly.child
    child_name = " ".join(p for p in (child.get("first_name"), child.get("last_name")) if p)
    born = child.get("birth_date") or ""
    in_base = (
        f", né(e) le {date_fr(dt.date.fromisoformat(born))} dans la base de l'établissement"
        if born
        else ""
    )
    message = (
        f"Signalement fait dans ÉduConnect par {account.first_name} {account.last_name} "
        f"(compte {account.identifier})\u00a0: {FLAG_SENTENCES[anomaly.flag]}"
        f"{f' ({child_name}{in_base})' if child_name else ''}. "
        "Demande ouverte depuis la liste «\u00a0À traiter\u00a0» de l'annuaire."
    )
    return CleanRequest(
        academie=academie,
        category=PARENT_FLAGS[anomaly.flag],
        degre="",
        message=message,
        requester_kind="parent",
        requester_first_name=account.first_name,
        requester_last_name=account.last_name,
        requester_email=account.email if account.email_confirmed else "",
        requester_phone=account.mobile,
        uai=child.get("uai") or account.uai,
        etablissement=account.establishment,
        identifier=account.identifier,
        child_first_name=child.get("first_name", ""),
        child_last_name=child.get("last_name", ""),
        details={"anomalie": {"signalement": anomaly.flag, "compte": account.identifier}},
    )


async def open_ticket(state, academie: str, anomaly: Anomaly) -> str:
    """The ticket of this anomaly: the open one if there is one, else a new one.

    Two agents clicking at the same instant make one ticket: the request carries an idempotency
    key named after the account, the flag and how many tickets it already had (all closed), so
    that the second click gets the first one's ticket."""
    if anomaly.reference:
        return anomaly.reference
    account = anomaly.account.identifier
    before = await AnomalyTicket.count().where(
        (AnomalyTicket.account == account) & (AnomalyTicket.flag == anomaly.flag)
    )
    key = f"annuaire:{account}:{anomaly.flag}:{before}"
    created = await TicketService(state).create(
        _request(academie, anomaly),
        channel="annuaire",
        idempotency_key=key,
        fingerprint=body_fingerprint({"cle": key}),
    )
    # The second click's replay finds the row written by the first, or writes it if the first
    # did not live to (one row per ticket: a unique index).
    await AnomalyTicket.insert(
        AnomalyTicket(
            academie=academie, account=account, flag=anomaly.flag, ticket=created.ticket_id
        )
    ).on_conflict(action="DO NOTHING")
    anomaly.reference = created.reference
    return created.reference


async def open_all(state, academie: str) -> list[str]:
    """Tickets for every anomaly of the académie that has none open. Returns the new ones."""
    made = []
    for anomaly in await to_treat(state, academie):
        if not anomaly.reference:
            made.append(await open_ticket(state, academie, anomaly))
    return made
