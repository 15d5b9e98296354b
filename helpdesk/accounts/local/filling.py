"""Filling the local directory as the schools' bases feed ÉduConnect (guide 1.2): one school,
account or link at a time, or a bulk import in a few statements (the demo, the tests)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from helpdesk.accounts.local.common import DirectoryBase
from helpdesk.accounts.local.records import AccountRecord, LinkRecord
from helpdesk.accounts.port import KINDS, NON_INFORME, STATES, Scope
from helpdesk.accounts.rules import identifier_base
from helpdesk.accounts.tables import (
    DirectoryAccount,
    DirectoryAction,
    DirectoryEstablishment,
    DirectoryLink,
    DirectoryMailConfirmation,
    DirectoryPendingChange,
    DirectoryPlace,
    DirectoryRetiredIdentifier,
)
from helpdesk.core.db import write_transaction


async def insert_in_batches(rows: list, size: int = 500) -> None:
    """Rows of one table, inserted a few hundred at a time (one statement each)."""
    for start in range(0, len(rows), size):
        await type(rows[0]).insert(*rows[start : start + size])


async def taken_identifiers() -> set[str]:
    """The identifiers in use, and those retired (never given again, guide §8)."""
    taken = {r["identifier"] for r in await DirectoryAccount.select(DirectoryAccount.identifier)}
    return taken | {
        r["identifier"]
        for r in await DirectoryRetiredIdentifier.select(DirectoryRetiredIdentifier.identifier)
    }


def give_identifiers(accounts: list[AccountRecord], taken: set[str]) -> dict[Any, str]:
    """Each record's identifier: its own, or its base followed by the first free number."""
    next_number: dict[str, int] = {}
    identifiers: dict[Any, str] = {}
    for record in accounts:
        ident = record.identifier
        if not ident:
            base = identifier_base(record.first_name, record.birth_name or record.last_name)
            n = next_number.get(base, 1)
            while f"{base}{n}" in taken:
                n += 1
            next_number[base] = n + 1
            ident = f"{base}{n}"
        taken.add(ident)
        identifiers[record.key] = ident
    return identifiers


async def account_ids(identifiers: list[str]) -> dict[str, int]:
    ids: dict[str, int] = {}
    for start in range(0, len(identifiers), 500):
        for r in await DirectoryAccount.select(
            DirectoryAccount.id, DirectoryAccount.identifier
        ).where(DirectoryAccount.identifier.is_in(identifiers[start : start + 500])):
            ids[r["identifier"]] = r["id"]
    return ids


def link_row(link: LinkRecord, by_key: dict[Any, AccountRecord], id_of: dict) -> DirectoryLink:
    parent = by_key[link.responsable]
    first, last = link.names or (parent.first_name, parent.last_name)
    return DirectoryLink(
        responsable=id_of[link.responsable],
        eleve=id_of[link.eleve],
        relation=link.relation,
        status=link.status,
        responsable_first_name=first,
        responsable_last_name=last,
    )


def places_of(record: AccountRecord, children: list[AccountRecord]) -> list[str]:
    """The schools an account is tied to: its own, its children's (what scopes an agent)."""
    return sorted({record.uai.upper(), *(c.uai.upper() for c in children)} - {""})


class Filling(DirectoryBase):
    async def add_establishment(
        self, uai: str, name: str, *, commune: str = "", academie: str = "", degre: str = "2nd"
    ) -> None:
        if not academie:
            from helpdesk.contacts.academies import load_academies
            from helpdesk.contacts.service import academie_of_uai

            found = academie_of_uai(load_academies(), uai)
            academie = found.slug if found else ""
        await DirectoryEstablishment.insert(
            DirectoryEstablishment(
                uai=uai, name=name, commune=commune, academie=academie, degre=degre
            )
        )

    async def add_account(
        self,
        kind: str,
        first_name: str,
        last_name: str,
        *,
        uai: str,
        birth_name: str = "",
        state: str = NON_INFORME,
        origin: str = "",
        email: str = "",
        email_confirmed: bool | None = None,
        mobile: str = "",
        birth_date: str | dt.date | None = None,
        ine: str = "",
        classe: str = "",
        password: str = "",
        provisional: str = "",
        flags: Iterable[str] = (),
        identifier: str = "",
    ) -> str:
        """An account as the school's base creates it; activated ones with `password` chosen."""
        if kind not in KINDS or state not in STATES.values():
            raise ValueError((kind, state))
        record = AccountRecord(
            key=None,
            kind=kind,
            first_name=first_name,
            last_name=last_name,
            uai=uai,
            birth_name=birth_name or last_name,
            state=state,
            origin=origin,
            email=email,
            email_confirmed=email_confirmed,
            mobile=mobile,
            birth_date=birth_date,
            ine=ine,
            classe=classe,
            flags=flags,
            password=password,
            provisional=provisional,
        )
        async with write_transaction(self.engine()):
            ident = identifier or await self.new_identifier(first_name, record.birth_name)
            account = DirectoryAccount(**record.values(ident))
            await account.save()
            await self.refresh([account.id])
        return ident

    async def add_link(
        self,
        responsable: str,
        eleve: str,
        *,
        relation: str = "Représentant légal",
        status: str = "confirme",
        names: tuple[str, str] | None = None,
    ) -> None:
        """A link of the élève's school base; `names`: the responsable's (first, last) names
        as that school has them, when they differ from the account's."""
        everywhere = Scope.everywhere()
        async with write_transaction(self.engine()):
            parent = await self._row(responsable, everywhere)
            child = await self._row(eleve, everywhere)
            first, last = names or (parent["first_name"], parent["last_name"])
            await DirectoryLink.insert(
                DirectoryLink(
                    responsable=parent["id"],
                    eleve=child["id"],
                    relation=relation,
                    status=status,
                    responsable_first_name=first,
                    responsable_last_name=last,
                )
            )
            if status == "signale_errone":
                await self._update(parent["id"], rattachement_signale_errone=True)
            await self.refresh([parent["id"]])

    async def import_records(
        self,
        accounts: Iterable[AccountRecord],
        links: Iterable[LinkRecord] = (),
        establishments: Iterable[tuple[str, str, str, str]] = (),
    ) -> dict[Any, str]:
        """A bulk import, as the schools' bases feed ÉduConnect: establishments (UAI, name,
        commune, académie), accounts and their links, in one transaction and a few statements.
        Returns the identifier given to each record's key."""
        accounts, links = list(accounts), list(links)
        async with write_transaction(self.engine()):
            academie_of = await self._import_establishments(list(establishments))
            identifiers = give_identifiers(accounts, await taken_identifiers())
            by_key = {record.key: record for record in accounts}
            children: dict[Any, list[AccountRecord]] = {record.key: [] for record in accounts}
            for link in links:
                children[link.responsable].append(by_key[link.eleve])
            rows = [
                DirectoryAccount(**record.values(identifiers[record.key], children[record.key]))
                for record in accounts
            ]
            await insert_in_batches(rows, 250)
            ids = await account_ids(list(identifiers.values()))
            id_of = {key: ids[ident] for key, ident in identifiers.items()}
            await insert_in_batches([link_row(link, by_key, id_of) for link in links])
            await insert_in_batches(
                [
                    DirectoryPlace(
                        account=id_of[record.key], uai=uai, academie=academie_of.get(uai, "")
                    )
                    for record in accounts
                    for uai in places_of(record, children[record.key])
                ]
            )
        return identifiers

    async def _import_establishments(
        self, establishments: list[tuple[str, str, str, str]]
    ) -> dict[str, str]:
        """The schools not yet known are added, all are marked as just fed (guide 1.2).
        Returns the académie of every school known."""
        known = {r["uai"] for r in await DirectoryEstablishment.select(DirectoryEstablishment.uai)}
        await insert_in_batches(
            [
                DirectoryEstablishment(uai=uai, name=name, commune=commune, academie=academie)
                for uai, name, commune, academie in establishments
                if uai not in known
            ]
        )
        fed = [uai for uai, *_rest in establishments]
        if fed:
            await DirectoryEstablishment.update(
                {DirectoryEstablishment.directory_updated_at: self.now()}
            ).where(DirectoryEstablishment.uai.is_in(fed))
        return {
            r["uai"]: r["academie"]
            for r in await DirectoryEstablishment.select(
                DirectoryEstablishment.uai, DirectoryEstablishment.academie
            )
        }

    async def delete_everything(self) -> None:
        """Empty the directory (`helpdesk accounts demo` starts again from nothing)."""
        async with write_transaction(self.engine()):
            for table in (
                DirectoryAction,
                DirectoryMailConfirmation,
                DirectoryPendingChange,
                DirectoryRetiredIdentifier,
                DirectoryPlace,
                DirectoryLink,
                DirectoryAccount,
                DirectoryEstablishment,
            ):
                await table.delete(force=True)
