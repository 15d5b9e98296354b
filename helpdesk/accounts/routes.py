"""HTTP of the accounts domain:

- the account API `/api/accounts/v1/…`, served from the local directory to `HttpAccountService`
  (another host's help desk, or this one): resources mirroring the port, `X-Api-Key`;
- the agents' JSON API `GET /api/v1/accounts`, `GET /api/v1/accounts/{identifier}`, scoped to
  the agent's académie, through whichever adapter is configured;
- the link of the confirmation mails, `/comptes/confirmer/<token>`.

The account API is one Litestar router: its guard checks the key before anything else, its
dependencies give each handler the local directory (`directory`), the scope asked for
(`within`) and the day a count starts from (`since`), and its exception handlers answer the
port's typed errors as JSON with their status (a database that fails: 503). The agents' API
answers the port's errors the same way.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from litestar import Request, Response, Router, get, post
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException
from litestar.handlers import BaseRouteHandler
from litestar.params import FromPath
from litestar.response import Template

from helpdesk.accounts.port import (
    AccountError,
    AccountQuery,
    AccountService,
    AccountServiceUnavailable,
    ActionRefused,
    Scope,
)
from helpdesk.accounts.service import LocalDirectory, account_service, local_directory
from helpdesk.auth.service import BEARER_SECURITY, CurrentStaff, staff_guard
from helpdesk.core.inputs import as_integer
from helpdesk.core.web import internal_error_handler, page

log = logging.getLogger(__name__)

QUERY_FIELDS = (
    "q",
    "identifier",
    "first_name",
    "last_name",
    "email",
    "mobile",
    "child_first_name",
    "child_last_name",
    "ine",
    "uai",
    "state",
    "flag",
    "kind",
    "cursor",
)


# --- errors: the port's, as JSON ------------------------------------------------------------


def error_response(error: AccountError) -> Response:
    return Response(error.as_dict(), status_code=error.status)


def database_down(error: BaseException) -> bool:
    try:
        from asyncpg.exceptions import PostgresConnectionError
    except ImportError:  # pragma: no cover
        PostgresConnectionError = OSError  # noqa: N806
    return isinstance(error, OSError | PostgresConnectionError) or (
        isinstance(error, sqlite3.OperationalError) and "locked" not in str(error)
    )


def account_error_handler(_: Request, error: AccountError) -> Response:
    return error_response(error)


def other_error_handler(request: Request, error: Exception) -> Response:
    """A database that fails is the account service unavailable (503, which the HTTP adapter
    retries); anything else is the app's answer to an error."""
    if database_down(error):
        log.exception("account directory: database unavailable", exc_info=error)
        return error_response(AccountServiceUnavailable())
    return internal_error_handler(request, error)


@contextmanager
def directory_errors() -> Iterator[None]:
    """The same, around a call of the directory in a handler that also reads other tables."""
    try:
        yield
    except Exception as error:
        if not database_down(error):
            raise
        log.exception("account directory: database unavailable")
        raise AccountServiceUnavailable() from error


def query_from(request: Request, scope: Scope) -> AccountQuery:
    params = request.query_params
    values = {name: params.get(name, "") for name in QUERY_FIELDS}
    limit = params.get("limit", "")
    try:
        values["limit"] = int(limit) if limit else 50
    except ValueError:
        raise ActionRefused("limit est un nombre entier (1 à 200).", "limit") from None
    return AccountQuery(scope=scope, **values)


# --- the account API (service to service) -----------------------------------------------------


class ApiKeyRefused(NotAuthorizedException):
    """No key, a wrong key, or no key set on this server: 401, said in the API's own terms."""

    def __init__(self, message: str):
        super().__init__(detail=message)
        self.message = message


def require_api_key(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """The guard of the account API: the header X-Api-Key is the key set on this server."""
    expected = connection.app.state.settings.accounts.api_key
    given = connection.headers.get("x-api-key", "")
    if not expected:
        raise ApiKeyRefused(
            "L'API des comptes n'est pas ouverte sur ce serveur\u00a0: aucune clé n'est réglée "
            "(HELPDESK_ACCOUNTS_API_KEY)."
        )
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise ApiKeyRefused("Clé d'API absente ou invalide (en-tête X-Api-Key).")


def api_key_refused(_: Request, error: ApiKeyRefused) -> Response:
    return Response({"errors": {"api_key": error.message}, "code": "unauthorized"}, status_code=401)


# What the handlers are given (dependencies named by their parameters: directory, within…).
Directory = NamedDependency[LocalDirectory]
Within = NamedDependency[Scope]
Since = NamedDependency[dt.date]
Service = NamedDependency[AccountService]


def provide_directory(request: Request) -> LocalDirectory:
    return local_directory(request.app.state.settings, request.app.state)


def provide_scope(request: Request) -> Scope:
    """The scope the caller acts in: `scope_academie`, `scope_uai` (several times)."""
    params = request.query_params
    return Scope(
        academie=params.get("scope_academie", ""),
        uais=tuple(u.upper() for u in params.getall("scope_uai", [])),
    )


def provide_since(request: Request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.query_params.get("since", ""))
    except ValueError:
        raise ActionRefused("since est une date AAAA-MM-JJ.", "since") from None


async def json_object(request: Request, names: tuple[str, ...], expected: str) -> dict:
    """The body, a JSON object whose `names` (if there) are objects too; else refused."""
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not all(isinstance(body.get(n, {}), dict) for n in names):
        raise ActionRefused(f"Envoyez un objet JSON {expected}.", "params")
    return body


def idempotency_key(request: Request) -> str | None:
    return request.headers.get("idempotency-key") or None


@get("/accounts", summary="Recherche de comptes dans un périmètre (scope_academie, scope_uai)")
async def api_search(request: Request, directory: Directory, within: Within) -> dict:
    return (await directory.search(query_from(request, within))).as_dict(include_secrets=True)


@get("/accounts/{identifier:str}", summary="Le détail d'un compte")
async def api_get(identifier: FromPath[str], directory: Directory, within: Within) -> dict:
    return (await directory.get(identifier, within)).as_dict(include_secrets=True)


@post(
    "/accounts/{identifier:str}/actions/{action:str}",
    summary='Une action sur un compte ({"params": {…}, "scope": {…}}, en-tête Idempotency-Key)',
    status_code=200,
)
async def api_act(
    request: Request, identifier: FromPath[str], action: FromPath[str], directory: Directory
) -> dict:
    body = await json_object(request, ("params",), '{"params": {…}, "scope": {…}}')
    scope = body.get("scope") or {}
    if not isinstance(scope, dict):
        raise ActionRefused("scope est un objet JSON.", "scope")
    result = await directory.act(
        action,
        identifier,
        body.get("params") or {},
        scope=Scope.of(scope),
        idempotency_key=idempotency_key(request),
    )
    return result.as_dict(include_secrets=True)


@get(
    "/pending-changes",
    summary="Les changements de nuit demandés (id=…, plusieurs fois)\u00a0: appliqués ou non",
)
async def api_pending_changes(request: Request, directory: Directory) -> dict:
    ids = [as_integer(i) for i in request.query_params.getall("id", [])]
    if None in ids:
        raise ActionRefused("id est un nombre entier.", "id")
    return {"items": [c.as_dict() for c in await directory.pending_changes(ids)]}


@get(
    "/establishments/{uai:str}/roster",
    summary="Les comptes d'un établissement (élèves et leurs responsables), dans un périmètre",
)
async def api_school_roster(
    request: Request, uai: FromPath[str], directory: Directory, within: Within
) -> dict:
    kind = request.query_params.get("kind", "")
    return (await directory.school_roster(uai, within, kind)).as_dict()


@get(
    "/establishments/{uai:str}/summary",
    summary="Les comptes d'un établissement comptés pour son tableau de bord, dans un périmètre",
)
async def api_school_summary(
    uai: FromPath[str], directory: Directory, within: Within, since: Since
) -> dict:
    return (await directory.school_summary(uai, within, since)).as_dict()


@get(
    "/activation-stats",
    summary="Comptes par établissement, public, état, MEF et classe, dans un périmètre",
)
async def api_activation_stats(directory: Directory, within: Within) -> dict:
    return {"items": await directory.activation_stats(within)}


@get(
    "/activation-timeline",
    summary="Comptes par établissement, public et mois d'activation depuis une date (since)",
)
async def api_activation_timeline(directory: Directory, within: Within, since: Since) -> dict:
    return {"items": await directory.activation_timeline(within, since)}


@post(
    "/bulk-actions/{action:str}",
    summary='Une action sur plusieurs comptes ({"identifiers": […], "params": {…}, "scope": {…}})',
    status_code=200,
)
async def api_act_many(request: Request, action: FromPath[str], directory: Directory) -> dict:
    body = await json_object(
        request, ("params", "params_of", "scope"), '{"identifiers": […], "params": {…}}'
    )
    result = await directory.act_many(
        action,
        body.get("identifiers"),
        body.get("params") or {},
        scope=Scope.of(body.get("scope") or {}),
        idempotency_key=idempotency_key(request),
        params_of=body.get("params_of") or {},
    )
    return result.as_dict(include_secrets=True)


ACCOUNT_API = Router(
    path="/api/accounts/v1",
    route_handlers=[
        api_search,
        api_get,
        api_act,
        api_pending_changes,
        api_school_roster,
        api_school_summary,
        api_act_many,
        api_activation_stats,
        api_activation_timeline,
    ],
    guards=[require_api_key],
    dependencies={
        "directory": Provide(provide_directory, sync_to_thread=False),
        "within": Provide(provide_scope, sync_to_thread=False),
        "since": Provide(provide_since, sync_to_thread=False),
    },
    # Nothing but the directory reads the database here: any failure of it is the directory's.
    # HTTPException keeps the app's handler (it comes before Exception in its classes' order).
    exception_handlers={
        AccountError: account_error_handler,
        Exception: other_error_handler,
        ApiKeyRefused: api_key_refused,
    },
    tags=["API des comptes"],
)


# --- the agents' API --------------------------------------------------------------------------


def provide_service(request: Request) -> AccountService:
    return account_service(request.app.state.settings, request.app.state)


# The staff's own tables are read too (by the guard, then the `staff` dependency): a database
# failing there keeps the app's answer (a 503 of the help desk, not of the account service); only
# the directory's calls are the account service's (`directory_errors`). Hence no `Exception`
# handler here, unlike the account API's router.
AGENTS = {
    "tags": ["Comptes ÉduConnect"],
    "guards": [staff_guard("agent", "supervisor")],
    "security": BEARER_SECURITY,  # or the agent's session, in the pages' scripts
    "dependencies": {"service": Provide(provide_service, sync_to_thread=False)},
    "exception_handlers": {AccountError: account_error_handler},
}


@get("/api/v1/accounts", summary="Comptes de l'académie (q, state, flag, kind, cursor)", **AGENTS)
async def agents_search(request: Request, service: Service, staff: CurrentStaff) -> dict:
    with directory_errors():
        page_ = await service.search(query_from(request, Scope(academie=staff.academie)))
    return {"items": [a.as_dict() for a in page_.items], "next_cursor": page_.next_cursor}


@get("/api/v1/accounts/{identifier:str}", summary="Un compte de l'académie", **AGENTS)
async def agents_get(identifier: FromPath[str], service: Service, staff: CurrentStaff) -> dict:
    with directory_errors():
        return (await service.get(identifier, Scope(academie=staff.academie))).as_dict()


# --- the confirmation link ----------------------------------------------------------------------


@get("/comptes/confirmer/{token:str}", include_in_schema=False)
async def confirm_email(request: Request, token: FromPath[str]) -> Template:
    directory = local_directory(request.app.state.settings, request.app.state)
    outcome = await directory.confirm_email(token)
    status = {"confirmed": 200, "already": 200, "expired": 410}.get(outcome.status, 404)
    return page("accounts/confirmation.html", status_code=status, outcome=outcome)


ROUTES = [ACCOUNT_API, agents_search, agents_get, confirm_email]
