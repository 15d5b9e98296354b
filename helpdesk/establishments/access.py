"""Who may look at which school's accounts: its own staff (their UAIs), and the agents of its
académie. Anything else is « not found » (DESIGN.md §8), never « forbidden ».

The same pages answer under two spaces: the space's guard lets in its roles only (a 401
otherwise, which sends a page to the login), and the `who` dependency gives the handler the
viewer, their scope and the space's address."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.handlers import BaseRouteHandler

from helpdesk.accounts.port import (
    AccountNotFound,
    AccountServiceUnavailable,
    ActionRefused,
    Scope,
)
from helpdesk.accounts.school_health import Roster
from helpdesk.accounts.school_summary import SchoolSummary
from helpdesk.auth.service import CurrentStaff, Staff, staff_guard
from helpdesk.contacts.service import academie_of_uai
from helpdesk.contacts.uai import UaiError
from helpdesk.core.web import PageNotFound

# Each space has its own address for the same pages, and its own roles.
SPACES = {"establishment": "/etablissement/comptes", "agent": "/agent/etablissements"}
SPACE_GUARDS = {
    "establishment": staff_guard("establishment"),
    "agent": staff_guard("agent", "supervisor"),
}


@dataclass(frozen=True)
class Viewer:
    staff: Staff
    scope: Scope
    base: str  # /etablissement/comptes or /agent/etablissements

    def url(self, uai: str, rest: str = "") -> str:
        return f"{self.base}/{uai}{rest}"


# How a handler asks for it: `who: CurrentViewer` (given by provide_viewer).
CurrentViewer = NamedDependency[Viewer]


def space_of(connection: ASGIConnection) -> str:
    return "establishment" if connection.url.path.startswith("/etablissement") else "agent"


async def space_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The guard of the pages of both spaces: the roles of the space the address names."""
    await SPACE_GUARDS[space_of(connection)](connection, handler)


async def provide_viewer(request: Request, staff: CurrentStaff) -> Viewer:
    """The `who` dependency: the staff member the space's guard let in, and their scope (a
    school's staff their UAIs, an agent their académie)."""
    space = space_of(request)
    if space == "establishment":
        return Viewer(staff, Scope(uais=staff.uais), SPACES[space])
    return Viewer(staff, Scope(academie=staff.academie), SPACES[space])


def school_uai(request: Request, who: Viewer, uai: str) -> str:
    """The UAI, when the viewer may see its school's files (without reading the directory): a
    school's staff their UAIs, an agent those of their académie; a French 404 otherwise."""
    uai = uai.strip().upper()
    if who.staff.role == "establishment":
        allowed = uai in who.staff.uais
    else:
        try:
            academie = academie_of_uai(request.app.state.academies, uai)
        except UaiError:  # not a UAI: no school's file
            academie = None
        allowed = academie is not None and academie.slug == who.staff.academie
    if not allowed:
        raise PageNotFound("Cet établissement n'est pas dans votre périmètre.")
    return uai


async def roster_of(request: Request, who: Viewer, uai: str, kind: str = "") -> Roster:
    """The school's roster (one `kind` of accounts if given) through the account port, or a
    French 404."""
    return await _school(request, who, uai, "school_roster", kind)


async def summary_of(request: Request, who: Viewer, uai: str, since: dt.date) -> SchoolSummary:
    """The school's accounts counted for its dashboard (connected since `since`), or a 404."""
    return await _school(request, who, uai, "school_summary", since)


async def _school(request: Request, who: Viewer, uai: str, method: str, arg):
    uai = uai.strip().upper()
    if who.staff.role == "establishment" and uai not in who.staff.uais:
        raise PageNotFound("Cet établissement n'est pas l'un des vôtres.")
    try:
        read = getattr(request.app.state.accounts, method)
        return await read(uai, who.scope, arg)
    except (AccountNotFound, ActionRefused):
        raise PageNotFound("Cet établissement n'est pas dans votre périmètre.") from None
    except AccountServiceUnavailable:
        raise HTTPException(status_code=503) from None
