"""A school's accounts at a glance: what the console's dashboard, lists and statistics read
(guide §2, 3.1, 5.1, §6), as one plain value crossing the port (`Roster`).

The local directory builds it here, in a few queries for the whole school, rather than in
`local/`; the HTTP adapter moves the same dict. The help desk's establishment pages compute
their figures and filters from it (`helpdesk.establishments`), whichever adapter answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from piccolo.query.functions.aggregate import Count

from helpdesk.accounts.port import (
    FLAGS,
    KINDS,
    STATE_CODES,
    ActionRefused,
    Scope,
    _Data,
)
from helpdesk.accounts.scope_rule import establishment_in, places_in
from helpdesk.accounts.tables import (
    DirectoryAccount,
    DirectoryEstablishment,
    DirectoryLink,
    DirectoryPlace,
)

# Mail state (guide 3.1 "Adr. mail", 5.1 item 9): absent, not confirmed, confirmed, in error.
MAIL_STATES = {
    "confirmee": "Adresse confirmée",
    "non_confirmee": "Adresse non confirmée",
    "en_erreur": "Adresse en erreur",
    "absente": "Pas d'adresse",
}
# Mobile state (guide §2 « ayant confirmé leur téléphone portable »).
MOBILE_STATES = {
    "confirme": "Portable confirmé",
    "non_confirme": "Portable non confirmé",
    "absent": "Pas de portable",
}


def school_year_start(day: dt.date) -> dt.date:
    """The rentrée of the school year holding `day`: 1 September (the console counts the
    accounts « connectés depuis » that day, guide §2)."""
    year = day.year if day.month >= 9 else day.year - 1
    return dt.date(year, 9, 1)


def mail_state(row: dict) -> str:
    if not row["email"]:
        return "absente"
    if row["adresse_mail_en_erreur"]:
        return "en_erreur"
    return "confirmee" if row["email_confirmed"] else "non_confirmee"


def mobile_state(row: dict) -> str:
    if not row["mobile"]:
        return "absent"
    return "confirme" if row["mobile_confirmed"] else "non_confirme"


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass(frozen=True)
class RosterEntry(_Data):
    """One account of the school, with what the lists show and filter on."""

    identifier: str
    kind: str  # responsable | eleve
    first_name: str
    last_name: str
    state_code: str  # STATES codes
    origin: str
    mail_state: str  # MAIL_STATES
    mobile_state: str  # MOBILE_STATES
    flags: list = field(default_factory=list)
    # élève: its class and MEF; responsable: those of its children in this school
    classes: list = field(default_factory=list)
    mefs: list = field(default_factory=list)
    relation: str = ""  # responsable: Représentant légal / Personne en charge
    last_informed_at: str | None = None
    last_login_at: str | None = None


@dataclass(frozen=True)
class Roster(_Data):
    """A school's accounts: its élèves and the responsables of its élèves."""

    uai: str
    name: str
    academie: str
    directory_updated_at: str | None
    entries: list = field(default_factory=list)  # [RosterEntry]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Roster:
        data = dict(data)
        data["entries"] = [RosterEntry.from_dict(x) for x in data.get("entries") or []]
        return super().from_dict(data)


ROSTER_COLUMNS = (
    DirectoryAccount.id,
    DirectoryAccount.identifier,
    DirectoryAccount.kind,
    DirectoryAccount.first_name,
    DirectoryAccount.last_name,
    DirectoryAccount.state,
    DirectoryAccount.origin,
    DirectoryAccount.email,
    DirectoryAccount.email_confirmed,
    DirectoryAccount.mobile,
    DirectoryAccount.mobile_confirmed,
    DirectoryAccount.classe,
    DirectoryAccount.mef,
    DirectoryAccount.uai,
    DirectoryAccount.last_informed_at,
    DirectoryAccount.last_login_at,
    DirectoryAccount.last_folded,
    DirectoryAccount.first_folded,
    *(getattr(DirectoryAccount, flag) for flag in FLAGS),
)


async def school_roster(uai: str, scope: Scope, kind: str = "") -> Roster:
    """The roster of `uai` (only its élèves or responsables with `kind`); AccountNotFound when
    it is outside the scope (as for accounts, another académie's school is simply not found:
    DESIGN.md §8)."""
    uai = (uai or "").strip().upper()
    if kind not in ("", *KINDS):
        raise ActionRefused("kind vaut «\u00a0responsable\u00a0» ou «\u00a0eleve\u00a0».", "kind")
    if not uai:
        raise ActionRefused("Indiquez l'UAI de l'établissement.", "uai")
    establishment = await establishment_in(uai, scope)
    rows, links = await _school_rows(uai, kind)
    # The lists' order (by name), sorted here rather than by PostgreSQL's collation.
    rows.sort(key=lambda r: (r["last_folded"], r["first_folded"], r["id"]))
    children: dict[int, list[dict]] = {}
    for link in links:
        children.setdefault(link["responsable"], []).append(link)
    return Roster(
        uai=uai,
        name=establishment["name"],
        academie=establishment["academie"],
        directory_updated_at=_iso(establishment["directory_updated_at"]),
        entries=[
            roster_entry(row, children.get(row["id"], []))
            for row in rows
            # not an élève of another school, listed here by a responsable's place
            if row["kind"] != "eleve" or row["uai"] == uai
        ],
    )


async def _school_rows(uai: str, kind: str) -> tuple[list[dict], list[dict]]:
    """The accounts with a place in the school, and the links of its élèves."""
    engine = DirectoryAccount._meta.db
    async with engine.transaction():  # one consistent view, one connection
        rows = await DirectoryAccount.select(*ROSTER_COLUMNS).where(
            DirectoryAccount.id.is_in(
                DirectoryPlace.select(DirectoryPlace.account).where(DirectoryPlace.uai == uai)
            ),
            *([DirectoryAccount.kind == kind] if kind else []),
        )
        # A responsable's children in this school (a link reported wrong is not one); a list
        # of élèves alone needs none: reading them was most of its time (bench/README.md).
        if kind == "eleve":
            return rows, []
        links = (
            await DirectoryLink.select(
                DirectoryLink.responsable,
                DirectoryLink.relation,
                DirectoryLink.eleve.classe.as_alias("classe"),
                DirectoryLink.eleve.mef.as_alias("mef"),
            )
            .where((DirectoryLink.eleve.uai == uai) & (DirectoryLink.status != "signale_errone"))
            .order_by(DirectoryLink.id)
        )
    return rows, links


def roster_entry(row: dict, children: list[dict]) -> RosterEntry:
    """An account as the lists show it; a responsable's classes, MEF and relation are those of
    his `children` in the school."""
    if row["kind"] == "eleve":
        classes, mefs, relation = [row["classe"]], [row["mef"]], ""
    else:
        classes = sorted({c["classe"] for c in children} - {""})
        mefs = sorted({c["mef"] for c in children} - {""})
        relation = children[0]["relation"] if children else ""
    return RosterEntry(
        identifier=row["identifier"],
        kind=row["kind"],
        first_name=row["first_name"],
        last_name=row["last_name"],
        state_code=STATE_CODES.get(row["state"], ""),
        origin=row["origin"],
        mail_state=mail_state(row),
        mobile_state=mobile_state(row),
        flags=[flag for flag in FLAGS if row[flag]],
        classes=[c for c in classes if c],
        mefs=[m for m in mefs if m],
        relation=relation,
        last_informed_at=_iso(row["last_informed_at"]),
        last_login_at=_iso(row["last_login_at"]),
    )


async def activation_rows(scope: Scope) -> list[dict]:
    """Accounts counted by school, kind, state, MEF and class, within the scope (guide §6): the
    statistics of activation. A responsable counts in each school of his children; his MEF and
    class are empty."""
    condition = places_in(scope)
    account = DirectoryPlace.account
    query = DirectoryPlace.select(
        DirectoryPlace.uai,
        account.kind.as_alias("kind"),
        account.state.as_alias("state"),
        account.mef.as_alias("mef"),
        account.classe.as_alias("classe"),
        Count(DirectoryPlace.id, alias="count"),
    ).group_by(DirectoryPlace.uai, account.kind, account.state, account.mef, account.classe)
    if condition is not None:
        query = query.where(condition)
    names = {
        r["uai"]: r["name"]
        for r in await DirectoryEstablishment.select(
            DirectoryEstablishment.uai, DirectoryEstablishment.name
        )
    }
    rows = []
    for r in await query:
        eleve = r["kind"] == "eleve"
        rows.append(
            {
                "uai": r["uai"],
                "name": names.get(r["uai"], ""),
                "kind": r["kind"],
                "state_code": STATE_CODES.get(r["state"], ""),
                "mef": r["mef"] if eleve else "",
                "classe": r["classe"] if eleve else "",
                "count": int(r["count"]),
            }
        )
    rows.sort(key=lambda r: (r["uai"], r["kind"], r["mef"], r["classe"], r["state_code"]))
    return rows
