"""What every part of the local directory shares: the clock, the settings, reading an account
row within a scope, writing its columns, and the derived data (places, search text) to keep up
to date after a change."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import ChoiceLoader, Environment, FileSystemLoader

from helpdesk.accounts.local.search import search_text
from helpdesk.accounts.port import (
    AccountNotFound,
    ActionRefused,
    Letter,
    PendingChange,
    QueuedMail,
    Scope,
)
from helpdesk.accounts.rules import normalise_identifier
from helpdesk.accounts.scope_rule import accounts_in
from helpdesk.accounts.tables import (
    DirectoryAccount,
    DirectoryEstablishment,
    DirectoryLink,
    DirectoryPlace,
    DirectoryRetiredIdentifier,
)
from helpdesk.core.db import is_postgres
from helpdesk.core.settings import Settings
from helpdesk.core.web import TEMPLATES_DIR, make_environment

CONFIRMATION_LIFETIME = dt.timedelta(days=7)  # an assumption: the sources give no lifetime
STARS = "*****"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(value: dt.datetime | dt.date | None) -> str | None:
    return value.isoformat() if value else None


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def mail_environment(jinja: Environment) -> Environment:
    """The app's Jinja environment, where `mail/compte_….txt` are found in templates/accounts/
    (this domain's templates) and everything else (layouts, filters) as usual."""
    return jinja.overlay(
        loader=ChoiceLoader([FileSystemLoader(TEMPLATES_DIR / "accounts"), jinja.loader])
    )


def json_value(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value or "{}")
    return value or {}


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n > 1 else ''}"


@dataclass
class Outcome:
    """What an action handler did, before it becomes an ActionResult."""

    message: str
    before: dict = field(default_factory=dict)
    after: dict = field(default_factory=dict)
    pending_ids: list[int] = field(default_factory=list)
    letters: list[Letter] = field(default_factory=list)
    mails: list[QueuedMail] = field(default_factory=list)
    secrets: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Confirmation:
    """What following a confirmation link did."""

    status: str  # confirmed | already | expired | invalid
    email: str = ""
    activated: bool = False
    identifier: str = ""


def pending_change(row: dict) -> PendingChange:
    return PendingChange(
        id=row["id"],
        kind=row["kind"],
        value=json_value(row["value"]),
        requested_at=iso(row["requested_at"]) or "",
        applied_at=iso(row["applied_at"]),
        outcome=json_value(row["outcome"]),
    )


class DirectoryBase:
    """The plumbing of `LocalDirectory`, which the other parts (mixins) build on."""

    def __init__(
        self,
        settings: Settings,
        jinja: Environment | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ):
        self.settings = settings
        self.jinja = mail_environment(jinja or make_environment(settings=settings))
        self.clock = clock or utcnow

    @staticmethod
    def engine():
        return DirectoryAccount._meta.db

    def now(self) -> dt.datetime:
        return self.clock()

    def today(self) -> dt.date:
        return self.now().date()

    async def _establishments(self) -> dict[str, dict]:
        rows = await DirectoryEstablishment.select()
        return {row["uai"]: row for row in rows}

    async def _row(
        self, identifier: object, scope: Scope, *, field: str = "identifier", lock: bool = False
    ) -> dict:
        """The account row, within the scope; AccountNotFound otherwise (another académie's
        account is simply not found: DESIGN.md §8)."""
        if not isinstance(identifier, str) or not identifier.strip():
            raise ActionRefused("Indiquez l'identifiant ÉduConnect du compte.", field)
        ident = normalise_identifier(identifier)
        query = DirectoryAccount.select().where(DirectoryAccount.identifier == ident)
        condition = accounts_in(scope)
        if condition is not None:
            query = query.where(condition)
        if lock and is_postgres(self.engine()):
            query = query.lock_rows("UPDATE")
        row = await query.first()
        if row is None:
            raise await self._not_found(ident, scope, field)
        return row

    async def _not_found(self, ident: str, scope: Scope, field: str) -> AccountNotFound:
        retired = (
            await DirectoryRetiredIdentifier.select(
                DirectoryRetiredIdentifier.account.identifier.as_alias("current"),
                DirectoryRetiredIdentifier.account.id.as_alias("account_id"),
            )
            .where(DirectoryRetiredIdentifier.identifier == ident)
            .first()
        )
        if retired and await self._in_scope(retired["account_id"], scope):
            # Guide §8: after the night, « l'ancien identifiant ne pourra plus être utilisé ».
            return AccountNotFound(
                f"L'identifiant {ident} n'est plus utilisable\u00a0: il a été remplacé par "
                f"{retired['current']}.",
                field,
            )
        return AccountNotFound(
            f"Aucun compte ÉduConnect n'a l'identifiant {ident} dans votre périmètre.", field
        )

    async def _in_scope(self, account_id: int, scope: Scope) -> bool:
        condition = accounts_in(scope)
        query = DirectoryAccount.exists().where(DirectoryAccount.id == account_id)
        if condition is not None:
            query = query.where(condition)
        return await query

    async def _update(self, account_id: int, **values: Any) -> None:
        values["updated_at"] = self.now()
        await DirectoryAccount.update(
            {getattr(DirectoryAccount, k): v for k, v in values.items()}
        ).where(DirectoryAccount.id == account_id)

    async def _reload(self, account_id: int) -> dict:
        return await DirectoryAccount.select().where(DirectoryAccount.id == account_id).first()

    @staticmethod
    def _require_kind(row: dict, kind: str, message: str) -> None:
        if row["kind"] != kind:
            raise ActionRefused(message)

    # --- derived data: places (scope) and search text ---------------------------------------

    async def refresh(self, account_ids: Iterable[int]) -> None:
        """Recompute the places (which schools an account is tied to) and the search text of
        these accounts, after their links, names, identifier, mail or mobile changed."""
        ids = sorted(set(account_ids))
        if not ids:
            return
        establishments = await self._establishments()
        rows = await DirectoryAccount.select().where(DirectoryAccount.id.is_in(ids))
        children = await self._children_of(ids)
        await DirectoryPlace.delete().where(DirectoryPlace.account.is_in(ids))
        places = []
        for row in rows:
            uais = {row["uai"], *(c["uai"] for c in children[row["id"]])} - {""}
            places += [
                DirectoryPlace(
                    account=row["id"],
                    uai=uai,
                    academie=(establishments.get(uai) or {}).get("academie", ""),
                )
                for uai in sorted(uais)
            ]
            await DirectoryAccount.update(
                {DirectoryAccount.search_text: search_text(row, children[row["id"]])}
            ).where(DirectoryAccount.id == row["id"])
        if places:
            await DirectoryPlace.insert(*places)

    @staticmethod
    async def _children_of(ids: list[int]) -> dict[int, list[dict]]:
        """The names and school of each responsable's children (none for an élève)."""
        children: dict[int, list[dict]] = {i: [] for i in ids}
        for link in await DirectoryLink.select(
            DirectoryLink.responsable,
            DirectoryLink.eleve.first_name.as_alias("first_name"),
            DirectoryLink.eleve.last_name.as_alias("last_name"),
            DirectoryLink.eleve.uai.as_alias("uai"),
        ).where(DirectoryLink.responsable.is_in(ids)):
            children[link["responsable"]].append(link)
        return children
