"""HTTP of the accounts domain:

- the account API `/api/accounts/v1/…`, served from the local directory to `HttpAccountService`
  (another host's help desk, or this one): resources mirroring the port, `X-Api-Key`;
- the agents' JSON API `GET /api/v1/accounts`, `GET /api/v1/accounts/{identifier}`, scoped to
  the agent's académie, through whichever adapter is configured;
- the link of the confirmation mails, `/comptes/confirmer/<token>`.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
import sqlite3

from litestar import Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from helpdesk.accounts.port import (
    AccountError,
    AccountQuery,
    AccountServiceUnavailable,
    ActionRefused,
    Scope,
)
from helpdesk.accounts.service import account_service, local_directory
from helpdesk.auth.service import require_staff
from helpdesk.inputs import as_integer
from helpdesk.web import page

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


async def guarded(call) -> Response:
    """The directory's answer, its typed errors as JSON, a database that fails as 503."""
    try:
        return Response(await call())
    except AccountError as error:
        return error_response(error)
    except Exception as error:
        if database_down(error):
            log.exception("account directory: database unavailable")
            return error_response(AccountServiceUnavailable())
        raise


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


def api_key_refusal(request: Request) -> Response | None:
    expected = request.app.state.settings.accounts_api_key
    given = request.headers.get("x-api-key", "")
    if not expected:
        message = (
            "L'API des comptes n'est pas ouverte sur ce serveur\u00a0: aucune clé n'est réglée "
            "(HELPDESK_ACCOUNTS_API_KEY)."
        )
    elif not hmac.compare_digest(given.encode(), expected.encode()):
        message = "Clé d'API absente ou invalide (en-tête X-Api-Key)."
    else:
        return None
    return Response({"errors": {"api_key": message}, "code": "unauthorized"}, status_code=401)


def scope_from_params(request: Request) -> Scope:
    params = request.query_params
    return Scope(
        academie=params.get("scope_academie", ""),
        uais=tuple(u.upper() for u in params.getall("scope_uai", [])),
    )


def since_param(request: Request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.query_params.get("since", ""))
    except ValueError:
        raise ActionRefused("since est une date AAAA-MM-JJ.", "since") from None


@get(
    "/api/accounts/v1/accounts",
    tags=["API des comptes"],
    summary="Recherche de comptes dans un périmètre (scope_academie, scope_uai)",
)
async def api_search(request: Request) -> Response:
    refusal = api_key_refusal(request)
    if refusal:
        return refusal
    directory = local_directory(request.app.state.settings, request.app.state)

    async def call():
        page_ = await directory.search(query_from(request, scope_from_params(request)))
        return page_.as_dict(include_secrets=True)

    return await guarded(call)


@get(
    "/api/accounts/v1/accounts/{identifier:str}",
    tags=["API des comptes"],
    summary="Le détail d'un compte",
)
async def api_get(request: Request, identifier: FromPath[str]) -> Response:
    refusal = api_key_refusal(request)
    if refusal:
        return refusal
    directory = local_directory(request.app.state.settings, request.app.state)

    async def call():
        account = await directory.get(identifier, scope_from_params(request))
        return account.as_dict(include_secrets=True)

    return await guarded(call)


@post(
    "/api/accounts/v1/accounts/{identifier:str}/actions/{action:str}",
    tags=["API des comptes"],
    summary='Une action sur un compte ({"params": {…}, "scope": {…}}, en-tête Idempotency-Key)',
    status_code=200,
)
async def api_act(request: Request, identifier: FromPath[str], action: FromPath[str]) -> Response:
    refusal = api_key_refusal(request)
    if refusal:
        return refusal
    directory = local_directory(request.app.state.settings, request.app.state)
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not isinstance(body.get("params", {}), dict):
        return error_response(
            ActionRefused('Envoyez un objet JSON {"params": {…}, "scope": {…}}.', "params")
        )
    scope = body.get("scope") or {}
    if not isinstance(scope, dict):
        return error_response(ActionRefused("scope est un objet JSON.", "scope"))

    async def call():
        result = await directory.act(
            action,
            identifier,
            body.get("params") or {},
            scope=Scope.of(scope),
            idempotency_key=request.headers.get("idempotency-key") or None,
        )
        return result.as_dict(include_secrets=True)

    return await guarded(call)


@get(
    "/api/accounts/v1/pending-changes",
    tags=["API des comptes"],
    summary="Les changements de nuit demandés (id=…, plusieurs fois)\u00a0: appliqués ou non",
)
async def api_pending_changes(request: Request) -> Response:
    refusal = api_key_refusal(request)
    if refusal:
        return refusal
    directory = local_directory(request.app.state.settings, request.app.state)
    ids = [as_integer(i) for i in request.query_params.getall("id", [])]
    if None in ids:
        return error_response(ActionRefused("id est un nombre entier.", "id"))

    async def call():
        return {"items": [c.as_dict() for c in await directory.pending_changes(ids)]}

    return await guarded(call)


@get(
    "/api/accounts/v1/establishments/{uai:str}/roster",
    tags=["API des comptes"],
    summary="Les comptes d'un établissement (élèves et leurs responsables), dans un périmètre",
)
async def api_school_roster(request: Request, uai: FromPath[str]) -> Response:
    refusal = api_key_refusal(request)
    if refusal:
        return refusal
    directory = local_directory(request.app.state.settings, request.app.state)

    async def call():
        kind = request.query_params.get("kind", "")
        return (await directory.school_roster(uai, scope_from_params(request), kind)).as_dict()

    return await guarded(call)


@get(
    "/api/accounts/v1/establishments/{uai:str}/summary",
    tags=["API des comptes"],
    summary="Les comptes d'un établissement comptés pour son tableau de bord, dans un périmètre",
)
async def api_school_summary(request: Request, uai: FromPath[str]) -> Response:
    refusal = api_key_refusal(request)
    if refusal:
        return refusal
    directory = local_directory(request.app.state.settings, request.app.state)

    async def call():
        since = since_param(request)
        return (await directory.school_summary(uai, scope_from_params(request), since)).as_dict()

    return await guarded(call)


@get(
    "/api/accounts/v1/activation-stats",
    tags=["API des comptes"],
    summary="Comptes par établissement, public, état, MEF et classe, dans un périmètre",
)
async def api_activation_stats(request: Request) -> Response:
    refusal = api_key_refusal(request)
    if refusal:
        return refusal
    directory = local_directory(request.app.state.settings, request.app.state)

    async def call():
        return {"items": await directory.activation_stats(scope_from_params(request))}

    return await guarded(call)


@get(
    "/api/accounts/v1/activation-timeline",
    tags=["API des comptes"],
    summary="Comptes par établissement, public et mois d'activation depuis une date (since)",
)
async def api_activation_timeline(request: Request) -> Response:
    refusal = api_key_refusal(request)
    if refusal:
        return refusal
    directory = local_directory(request.app.state.settings, request.app.state)

    async def call():
        since = since_param(request)
        return {"items": await directory.activation_timeline(scope_from_params(request), since)}

    return await guarded(call)


@post(
    "/api/accounts/v1/bulk-actions/{action:str}",
    tags=["API des comptes"],
    summary='Une action sur plusieurs comptes ({"identifiers": […], "params": {…}, "scope": {…}})',
    status_code=200,
)
async def api_act_many(request: Request, action: FromPath[str]) -> Response:
    refusal = api_key_refusal(request)
    if refusal:
        return refusal
    directory = local_directory(request.app.state.settings, request.app.state)
    try:
        body = json.loads(await request.body() or b"{}")
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not all(
        isinstance(body.get(name, {}), dict) for name in ("params", "params_of", "scope")
    ):
        return error_response(
            ActionRefused('Envoyez un objet JSON {"identifiers": […], "params": {…}}.', "params")
        )

    async def call():
        result = await directory.act_many(
            action,
            body.get("identifiers"),
            body.get("params") or {},
            scope=Scope.of(body.get("scope") or {}),
            idempotency_key=request.headers.get("idempotency-key") or None,
            params_of=body.get("params_of") or {},
        )
        return result.as_dict(include_secrets=True)

    return await guarded(call)


# --- the agents' API --------------------------------------------------------------------------


@get(
    "/api/v1/accounts",
    tags=["Comptes ÉduConnect"],
    summary="Comptes de l'académie (q, state, flag, kind, cursor)",
)
async def agents_search(request: Request) -> Response:
    staff = await require_staff(request, "agent", "supervisor")
    service = account_service(request.app.state.settings, request.app.state)

    async def call():
        page_ = await service.search(query_from(request, Scope(academie=staff.academie)))
        return {"items": [a.as_dict() for a in page_.items], "next_cursor": page_.next_cursor}

    return await guarded(call)


@get(
    "/api/v1/accounts/{identifier:str}",
    tags=["Comptes ÉduConnect"],
    summary="Un compte de l'académie",
)
async def agents_get(request: Request, identifier: FromPath[str]) -> Response:
    staff = await require_staff(request, "agent", "supervisor")
    service = account_service(request.app.state.settings, request.app.state)

    async def call():
        return (await service.get(identifier, Scope(academie=staff.academie))).as_dict()

    return await guarded(call)


# --- the confirmation link ----------------------------------------------------------------------


@get("/comptes/confirmer/{token:str}", include_in_schema=False)
async def confirm_email(request: Request, token: FromPath[str]) -> Template:
    directory = local_directory(request.app.state.settings, request.app.state)
    outcome = await directory.confirm_email(token)
    status = {"confirmed": 200, "already": 200, "expired": 410}.get(outcome.status, 404)
    return page("accounts/confirmation.html", status_code=status, outcome=outcome)


ROUTES = [
    api_search,
    api_get,
    api_act,
    api_pending_changes,
    api_school_roster,
    api_school_summary,
    api_act_many,
    api_activation_stats,
    api_activation_timeline,
    agents_search,
    agents_get,
    confirm_email,
]
