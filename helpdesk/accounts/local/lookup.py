"""Reading accounts: one by its identifier, or a page of a search, as the port's `Account`
values (with their links and the changes waiting for the night)."""

from __future__ import annotations

from helpdesk.accounts.local.common import STARS, DirectoryBase, iso, pending_change
from helpdesk.accounts.local.search import after_cursor, encode_cursor, search_conditions
from helpdesk.accounts.port import (
    FLAGS,
    STATE_CODES,
    Account,
    AccountQuery,
    Link,
    Page,
    PendingChange,
    Scope,
)
from helpdesk.accounts.scope_rule import accounts_in
from helpdesk.accounts.tables import DirectoryAccount, DirectoryLink, DirectoryPendingChange


class Lookup(DirectoryBase):
    """`get` and `search` of the port."""

    async def get(self, identifier: str, scope: Scope | str) -> Account:
        # One transaction: a consistent view, and one connection for the few queries.
        async with self.engine().transaction():
            row = await self._row(identifier, Scope.of(scope))
            return (await self._accounts([row]))[0]

    async def search(self, query: AccountQuery) -> Page:
        async with self.engine().transaction():
            return await self._search(query)

    async def _search(self, query: AccountQuery) -> Page:
        conditions = search_conditions(query)
        scope_condition = accounts_in(query.scope)
        if scope_condition is not None:
            conditions.append(scope_condition)
        limit = max(1, min(int(query.limit or 50), AccountQuery.MAX_LIMIT))
        if query.cursor:
            conditions.append(after_cursor(query.cursor))
        select = DirectoryAccount.select()
        if conditions:
            select = select.where(*conditions)
        rows = await select.order_by(
            DirectoryAccount.last_folded, DirectoryAccount.first_folded, DirectoryAccount.id
        ).limit(limit + 1)
        next_cursor = None
        if len(rows) > limit:
            rows = rows[:limit]
            tail = rows[-1]
            next_cursor = encode_cursor(tail["last_folded"], tail["first_folded"], tail["id"])
        return Page(items=await self._accounts(rows), next_cursor=next_cursor)

    # --- rows to Account values ------------------------------------------------------------

    async def _links_of(self, ids: list[int]) -> dict[int, list[Link]]:
        result: dict[int, list[Link]] = {i: [] for i in ids}
        if not ids:
            return result
        for own, other in (("responsable", "eleve"), ("eleve", "responsable")):
            own_col = getattr(DirectoryLink, own)
            other_col = getattr(DirectoryLink, other)
            rows = (
                await DirectoryLink.select(
                    own_col.as_alias("own"),
                    DirectoryLink.status,
                    DirectoryLink.relation,
                    other_col.identifier.as_alias("identifier"),
                    other_col.kind.as_alias("kind"),
                    other_col.first_name.as_alias("first_name"),
                    other_col.last_name.as_alias("last_name"),
                    other_col.uai.as_alias("uai"),
                    other_col.classe.as_alias("classe"),
                )
                .where(own_col.is_in(ids))
                .order_by(DirectoryLink.id)
            )
            for row in rows:
                result[row["own"]].append(
                    Link(
                        identifier=row["identifier"],
                        kind=row["kind"],
                        first_name=row["first_name"],
                        last_name=row["last_name"],
                        uai=row["uai"],
                        status=row["status"],
                        relation=row["relation"],
                        classe=row["classe"],
                    )
                )
        return result

    async def _pending_of(self, ids: list[int]) -> dict[int, list[PendingChange]]:
        result: dict[int, list[PendingChange]] = {i: [] for i in ids}
        if not ids:
            return result
        rows = (
            await DirectoryPendingChange.select()
            .where(
                DirectoryPendingChange.account.is_in(ids),
                DirectoryPendingChange.applied_at.is_null(),
            )
            .order_by(DirectoryPendingChange.id)
        )
        for row in rows:
            result[row["account"]].append(pending_change(row))
        return result

    async def _accounts(self, rows: list[dict]) -> list[Account]:
        ids = [row["id"] for row in rows]
        establishments = await self._establishments()
        links = await self._links_of(ids)
        pending = await self._pending_of(ids)
        return [
            self._account(row, establishments, links[row["id"]], pending[row["id"]]) for row in rows
        ]

    @staticmethod
    def _account(
        row: dict, establishments: dict, links: list[Link], pending: list[PendingChange]
    ) -> Account:
        establishment = establishments.get(row["uai"]) or {}
        kind = row["password_kind"]
        # The "Mot de passe" column of the lists (guide 3.3, 5.3): nothing before « Informer »,
        # the provisional password while it is the one to use (also after a reset, « jusqu'à ce
        # que l'élève choisisse un nouveau mot de passe »), asterisks once the user chose one.
        display = {"provisoire": row["provisional_password"], "choisi": STARS}.get(kind, "")
        return Account(
            identifier=row["identifier"],
            kind=row["kind"],
            first_name=row["first_name"],
            last_name=row["last_name"],
            birth_name=row["birth_name"],
            state=row["state"],
            state_code=STATE_CODES.get(row["state"], ""),
            origin=row["origin"],
            email=row["email"],
            email_confirmed=bool(row["email_confirmed"]),
            pending_email=row["pending_email"],
            mobile=row["mobile"],
            birth_date=iso(row["birth_date"]),
            ine=row["ine"],
            classe=row["classe"],
            uai=row["uai"],
            establishment=establishment.get("name", ""),
            academie=establishment.get("academie", ""),
            flags=[flag for flag in FLAGS if row[flag]],
            links=links,
            pending_changes=pending,
            password=kind,
            password_reset_pending=bool(row["password_reset_pending"]),
            provisional_password=row["provisional_password"] if kind == "provisoire" else "",
            password_display=display,
            last_informed_at=iso(row["last_informed_at"]),
            last_login_at=iso(row["last_login_at"]),
            mef=row["mef"],
            mobile_confirmed=bool(row["mobile_confirmed"]),
        )
