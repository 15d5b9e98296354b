"""HttpAccountService: the port over HTTP (httpx), against the account API `/api/accounts/v1`.

- Timeouts on every call (connect and read).
- Retries, with a short growing pause, of the calls that may safely be repeated: reads (GET)
  and actions carrying an idempotency key (the directory does their work once). An action
  without a key is sent once: a lost answer must not do the work twice.
- Errors come back typed, as the local directory raises them (404 AccountNotFound,
  409 AccountConflict, 422 ActionRefused); a directory that cannot be reached, is too slow or
  fails (5xx) is `AccountServiceUnavailable`, in French for the agent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from helpdesk.accounts.port import (
    ERRORS_BY_CODE,
    Account,
    AccountQuery,
    AccountServiceUnavailable,
    ActionRefused,
    ActionResult,
    NamedActions,
    Page,
    PendingChange,
    Scope,
)

log = logging.getLogger(__name__)

API_PREFIX = "/api/accounts/v1"
RETRYABLE_STATUSES = {500, 502, 503, 504}
BULK_SLICE = 50  # accounts per request of act_many


class HttpAccountService(NamedActions):
    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeout: float = 5.0,
        connect_timeout: float = 2.0,
        retries: int = 2,
        backoff: float = 0.2,
        transport: httpx.AsyncBaseTransport | None = None,
    ):
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.timeout = httpx.Timeout(timeout, connect=connect_timeout)
        self.retries = retries
        self.backoff = backoff
        self.transport = transport

    def _client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.base_url,
            timeout=self.timeout,
            headers={"X-Api-Key": self.api_key, "Accept": "application/json"},
            transport=self.transport,
        )

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: list[tuple[str, str]] | None = None,
        json_body: dict | None = None,
        headers: dict | None = None,
        retry: bool,
    ) -> dict:
        attempts = 1 + (self.retries if retry else 0)
        problem = ""
        async with self._client() as client:
            for attempt in range(attempts):
                if attempt:
                    await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
                try:
                    response = await client.request(
                        method, API_PREFIX + path, params=params, json=json_body, headers=headers
                    )
                except httpx.TransportError as error:  # refused, reset, timeouts
                    problem = f"{type(error).__name__}: {error}"
                    log.warning("account service, %s %s failed: %s", method, path, problem)
                    continue
                if response.status_code in RETRYABLE_STATUSES:
                    problem = f"HTTP {response.status_code}"
                    log.warning("account service, %s %s failed: %s", method, path, problem)
                    continue
                return self._answer(response)
        raise AccountServiceUnavailable(detail=problem)

    @staticmethod
    def _answer(response: httpx.Response) -> dict:
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code == 200 and isinstance(body, dict):
            return body
        if isinstance(body, dict) and isinstance(body.get("errors"), dict) and body["errors"]:
            error_class = ERRORS_BY_CODE.get(str(body.get("code")))
            if error_class is not None:
                field, message = next(iter(body["errors"].items()))
                raise error_class(str(message), str(field))
        # Not an answer of the account API (wrong URL, wrong key, a proxy's page…).
        raise AccountServiceUnavailable(
            detail=f"HTTP {response.status_code}: {response.text[:200]}"
        )

    @staticmethod
    def _scope_params(scope: Scope) -> list[tuple[str, str]]:
        params = []
        if scope.academie:
            params.append(("scope_academie", scope.academie))
        params += [("scope_uai", uai) for uai in scope.uais]
        return params

    @staticmethod
    def _path_identifier(identifier: object, field: str = "identifier") -> str:
        if not isinstance(identifier, str) or not identifier.strip():
            raise ActionRefused("Indiquez l'identifiant ÉduConnect du compte.", field)
        return quote(identifier.strip().lower(), safe="")

    async def search(self, query: AccountQuery) -> Page:
        params = self._scope_params(query.scope)
        for name, value in query.as_dict().items():
            if name != "scope" and value not in ("", None):
                params.append((name, str(value)))
        return Page.from_dict(await self._request("GET", "/accounts", params=params, retry=True))

    async def get(self, identifier: str, scope: Scope | str) -> Account:
        path = f"/accounts/{self._path_identifier(identifier)}"
        body = await self._request(
            "GET", path, params=self._scope_params(Scope.of(scope)), retry=True
        )
        return Account.from_dict(body)

    async def pending_changes(self, ids: Sequence[int]) -> list[PendingChange]:
        if not ids:
            return []
        params = [("id", str(int(i))) for i in ids][:500]
        body = await self._request("GET", "/pending-changes", params=params, retry=True)
        return [PendingChange.from_dict(item) for item in body.get("items") or []]

    async def school_roster(self, uai: str, scope: Scope | str, kind: str = ""):
        from helpdesk.accounts.school_health import Roster

        if not isinstance(uai, str) or not uai.strip():
            raise ActionRefused("Indiquez l'UAI de l'établissement.", "uai")
        path = f"/establishments/{quote(uai.strip().upper(), safe='')}/roster"
        params = self._scope_params(Scope.of(scope)) + ([("kind", kind)] if kind else [])
        body = await self._request("GET", path, params=params, retry=True)
        return Roster.from_dict(body)

    async def school_summary(self, uai: str, scope: Scope | str, since):
        from helpdesk.accounts.school_summary import SchoolSummary

        if not isinstance(uai, str) or not uai.strip():
            raise ActionRefused("Indiquez l'UAI de l'établissement.", "uai")
        path = f"/establishments/{quote(uai.strip().upper(), safe='')}/summary"
        params = self._scope_params(Scope.of(scope)) + [("since", since.isoformat())]
        body = await self._request("GET", path, params=params, retry=True)
        return SchoolSummary.from_dict(body)

    async def act_many(
        self, action, identifiers, params=None, *, scope, idempotency_key=None, params_of=None
    ):
        from helpdesk.accounts.bulk import BulkResult, check_bulk, check_params_of

        unique = check_bulk(action, identifiers)
        params_of = check_params_of(params_of)
        key = (idempotency_key or "").strip()
        results, refused = [], []
        # Sent by slices: each request stays well within the timeout (an action and a letter
        # take ≈ 10 ms in the directory); the per-account keys make a retried slice a replay.
        for start in range(0, len(unique), BULK_SLICE):
            part = unique[start : start + BULK_SLICE]
            body = await self._request(
                "POST",
                f"/bulk-actions/{quote(action, safe='')}",
                json_body={
                    "identifiers": part,
                    "params": dict(params or {}),
                    "params_of": {i: p for i, p in params_of.items() if i in part},
                    "scope": Scope.of(scope).as_dict(),
                },
                headers={"Idempotency-Key": key} if key else None,
                retry=bool(key),
            )
            done = BulkResult.from_dict(body)
            results += done.results
            refused += done.refused
        return BulkResult(action=action, results=results, refused=refused)

    async def activation_stats(self, scope: Scope | str) -> list[dict]:
        params = self._scope_params(Scope.of(scope))
        body = await self._request("GET", "/activation-stats", params=params, retry=True)
        return [dict(row) for row in body.get("items") or []]

    async def activation_timeline(self, scope: Scope | str, since) -> list[dict]:
        params = self._scope_params(Scope.of(scope)) + [("since", since.isoformat())]
        body = await self._request("GET", "/activation-timeline", params=params, retry=True)
        return [dict(row) for row in body.get("items") or []]

    async def ping(self) -> None:
        """A cheap call that reads no account, for /health: raises AccountServiceUnavailable."""
        await self._request("GET", "/pending-changes", retry=False)

    async def act(
        self,
        action: str,
        identifier: str,
        params: Mapping[str, Any] | None = None,
        *,
        scope: Scope | str,
        idempotency_key: str | None = None,
    ) -> ActionResult:
        if params is not None and not isinstance(params, Mapping):
            raise ActionRefused("Les paramètres doivent être un objet JSON.", "params")
        key = (idempotency_key or "").strip()
        path = f"/accounts/{self._path_identifier(identifier)}/actions/{quote(action, safe='')}"
        body = await self._request(
            "POST",
            path,
            json_body={"params": dict(params or {}), "scope": Scope.of(scope).as_dict()},
            headers={"Idempotency-Key": key} if key else None,
            retry=bool(key),
        )
        return ActionResult.from_dict(body)
