"""Which accounts and schools a scope holds (DESIGN.md §8), written once: every query of the
local directory takes its condition from `scope_condition`, Piccolo's queries (an account, a
search, a school's roster and summary, the activation counts) and the SQL of the activation
timeline alike (`Where.querystring`), so that their totals agree.

A school is in the scope when its académie is the scope's or its UAI one of the scope's; an
account when one of its places is (its school, its children's: `DirectoryPlace`).
`Scope.everywhere()` holds everything (no condition), an empty scope nothing."""

from __future__ import annotations

from piccolo.columns import Column
from piccolo.columns.combination import WhereRaw
from piccolo.querystring import QueryString

from helpdesk.accounts.port import AccountNotFound, Scope
from helpdesk.accounts.tables import DirectoryAccount, DirectoryEstablishment, DirectoryPlace


def scope_condition(scope: Scope, academie: Column, uai: Column):
    """The rule, on a table's académie and UAI columns; None: every row."""
    if scope.is_everywhere:
        return None
    if scope.is_empty:
        return WhereRaw("1 = 0")
    by_academie = academie == scope.academie if scope.academie else None
    by_uai = uai.is_in(list(scope.uais)) if scope.uais else None
    if by_academie is not None and by_uai is not None:
        return by_academie | by_uai
    return by_academie if by_academie is not None else by_uai


def places_in(scope: Scope):
    """The places (DirectoryPlace) in the scope; None: all of them."""
    return scope_condition(scope, DirectoryPlace.academie, DirectoryPlace.uai)


def places_in_sql(scope: Scope) -> QueryString:
    """`WHERE …` on `directory_place` for a raw query (nothing for every place)."""
    condition = places_in(scope)
    return QueryString("") if condition is None else QueryString("WHERE {}", condition.querystring)


def accounts_in(scope: Scope):
    """The accounts (DirectoryAccount) with a place in the scope; None: all of them."""
    condition = places_in(scope)
    if condition is None:
        return None
    return DirectoryAccount.id.is_in(DirectoryPlace.select(DirectoryPlace.account).where(condition))


async def establishment_in(uai: str, scope: Scope) -> dict:
    """The school of `uai`, if in the scope; AccountNotFound otherwise (as for accounts,
    another académie's school is simply not found: DESIGN.md §8)."""
    query = DirectoryEstablishment.select().where(DirectoryEstablishment.uai == uai)
    condition = scope_condition(scope, DirectoryEstablishment.academie, DirectoryEstablishment.uai)
    if condition is not None:
        query = query.where(condition)
    establishment = await query.first()
    if establishment is None:
        raise AccountNotFound(f"L'établissement {uai} n'est pas dans votre périmètre.", "uai")
    return establishment
