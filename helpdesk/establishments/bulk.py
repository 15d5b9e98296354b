"""« Informer » and « Réinitialiser les mots de passe » for the accounts ticked in a school's
list (guide 3.2, 3.4, 5.2, 5.4), through the account port's `act_many`.

- « Informer » by mail goes only to an address the account's holder confirmed (DESIGN.md §8);
  the other accounts get the printable letter, in one PDF with a page per account.
- A reset gives provisional passwords without letters or mails (guide 5.4): the school prints
  the list of identifiers and provisional passwords to hand over.
- Each request is rate-limited per staff member and recorded in the audit log.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from helpdesk.accounts.bulk import MAX_ACCOUNTS, BulkResult
from helpdesk.accounts.school_health import Roster
from helpdesk.auth.service import audit
from helpdesk.core.french import count_fr, date_fr
from helpdesk.core.ratelimit import Limit
from helpdesk.establishments.letters import letters_pdf
from helpdesk.tickets.attachments import delete_bytes, load_bytes, save_bytes

BULK_LIMIT = Limit("comptes_en_lot", 20, 3600)  # requests per staff member and hour
FOLDER = "comptes-en-lot"
ACTION_LABELS = {"inform": "Informer", "reset_password": "Réinitialiser les mots de passe"}


def action_label(action: str, count: int) -> str:
    """« Réinitialiser le mot de passe » for one account, never « 1 compte » after a plural."""
    if action == "reset_password" and count < 2:
        return "Réinitialiser le mot de passe"
    return ACTION_LABELS[action]


MODES = {"courrier": "Feuilles individuelles imprimables", "mail": "Mail"}


@dataclass
class Plan:
    """What a confirmed request will do, shown before it is done."""

    action: str
    mode: str
    identifiers: list
    by_mail: list = field(default_factory=list)  # « Informer » by mail: confirmed addresses
    by_letter: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.identifiers)


def plan(roster: Roster, public_kind: str, action: str, mode: str, wanted: list[str]) -> Plan:
    """Only accounts of this school's list (never another school's, even in the scope)."""
    chosen = set(wanted)
    entries = [e for e in roster.entries if e.kind == public_kind and e.identifier in chosen]
    result = Plan(action, mode, [e.identifier for e in entries])
    if action == "inform":
        for e in entries:
            by_mail = mode == "mail" and e.mail_state == "confirmee"
            (result.by_mail if by_mail else result.by_letter).append(e.identifier)
    return result


async def within_limit(limiter, staff_id: int, count: int) -> bool:
    """A request counts once per MAX_ACCOUNTS accounts: a whole list of 2 000 accounts costs
    what four requests of 500 ticked accounts cost."""
    for _slice in range(max(1, -(-count // MAX_ACCOUNTS))):
        if not await limiter.hit(BULK_LIMIT, f"staff:{staff_id}"):
            return False
    return True


async def act(service, chosen: Plan, params: dict, scope, key: str | None) -> BulkResult:
    """The port's `act_many`, MAX_ACCOUNTS accounts at a time (a whole list may hold more);
    « Informer » by mail for the accounts whose address is confirmed."""
    results, refused, mailed = [], [], set(chosen.by_mail)
    for start in range(0, chosen.count, MAX_ACCOUNTS):
        part = chosen.identifiers[start : start + MAX_ACCOUNTS]
        done = await service.act_many(
            chosen.action,
            part,
            params,
            scope=scope,
            idempotency_key=key,
            params_of={i: {**params, "mode": "mail"} for i in part if i in mailed},
        )
        results += done.results
        refused += done.refused
    return BulkResult(action=chosen.action, results=results, refused=refused)


def printed(done: BulkResult) -> list:
    """What the document prints, one item an account: the letters of « Informer », the results
    of a reset that gave a provisional password."""
    if done.action == "inform":
        return [letter for r in done.results for letter in r.letters]
    return [r for r in done.results if r.secrets.get("provisional_password")]


def document_accounts(done: BulkResult, roster: Roster) -> list[tuple[str, str]]:
    """(identifier, name) of each account of the document, in its order."""
    names = {e.identifier: f"{e.first_name} {e.last_name}" for e in roster.entries}
    return [(item.identifier, names.get(item.identifier, "")) for item in printed(done)]


def letters_document(done: BulkResult, roster: Roster, layout) -> bytes | None:
    """The single letters' own pages (`helpdesk.establishments.letters`), one a letter, in one PDF."""
    from helpdesk.establishments.pdf import table_pdf  # fpdf2: loaded by the few who print

    today = date_fr(dt.datetime.now(dt.UTC).date())
    items = printed(done)
    if not items:
        return None
    if done.action == "inform":
        return letters_pdf(items, layout, place=roster.name)
    rows = [[r.identifier, r.secrets["provisional_password"]] for r in items]
    return table_pdf(
        f"Mots de passe provisoires - {roster.name} ({roster.uai})",
        f"{count_fr(len(rows), 'compte réinitialisé', 'comptes réinitialisés')} le {today}"
        "\u00a0: chaque mot de passe est à "
        "changer à la première connexion.",
        ("Identifiant", "Mot de passe provisoire"),
        rows,
        layout.font,
    )


async def keep_document(settings, uai: str, data: bytes) -> str:
    name = uuid.uuid4().hex
    await save_bytes(settings, f"{FOLDER}/{uai}", f"{name}.pdf", data)
    return name


async def load_document(settings, uai: str, name: str) -> bytes | None:
    if not (len(name) == 32 and all(c in "0123456789abcdef" for c in name)):
        return None
    return await load_bytes(settings, f"{FOLDER}/{uai}", f"{name}.pdf")


async def forget_document(settings, uai: str, name: str) -> None:
    await delete_bytes(settings, f"{FOLDER}/{uai}", f"{name}.pdf")


async def record(staff, ip: str, roster: Roster, chosen: Plan, done, batch_id=None) -> None:
    """The audit log's line; `lot`: the batch of its document, to hand over."""
    await audit(
        "comptes_en_lot",
        staff.id,
        ip,
        uai=roster.uai,
        operation=chosen.action,
        mode=chosen.mode,
        done=[r.identifier for r in done.results],
        refused=[r["identifier"] for r in done.refused],
        **({"lot": batch_id} if batch_id else {}),
    )
