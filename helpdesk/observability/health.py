"""`GET /health`: the database, the outbox and the account service, each with a French label.

200 when every part answers, 503 when one does not (the load balancer takes the process out).
Each check has a few seconds at most: a part that hangs is reported down, not waited for.
"""

from __future__ import annotations

import asyncio
import time

from piccolo.querystring import QueryString

from helpdesk.accounts.http import HttpAccountService
from helpdesk.core.db import is_postgres
from helpdesk.observability.metrics import age_seconds, outbox_counts

CHECK_TIMEOUT = 3.0
ACCOUNTS_TIMEOUT = 2.0  # the account API: connect and read, one attempt


def up(label: str, **fields) -> dict:
    return {"status": "ok", "label": label, **fields}


def down(label: str, **fields) -> dict:
    return {"status": "indisponible", "label": label, **fields}


async def timed(check, timeout: float = CHECK_TIMEOUT) -> dict:
    start = time.perf_counter()
    try:
        result = await asyncio.wait_for(check, timeout)
    except Exception as error:  # /health answers whatever happens
        result = error
    elapsed = round((time.perf_counter() - start) * 1000, 1)
    return result if isinstance(result, BaseException) else {**result, "ms": elapsed}


async def database_check(engine) -> dict:
    name = "PostgreSQL" if is_postgres(engine) else "SQLite"
    await engine.run_querystring(QueryString("SELECT 1"))
    return up(f"Base de données ({name})\u00a0: disponible")


async def outbox_check(engine) -> dict:
    counts = await outbox_counts(engine)
    age = age_seconds(counts["oldest_pending_at"])
    label = f"File d'envoi des courriels\u00a0: {counts['pending']} en attente"
    if age is not None:
        label += f", le plus ancien depuis {age:.0f}\u00a0s"
    if counts["failed"]:
        label += f", {counts['failed']} abandonné(s)"
    return up(label, pending=counts["pending"], oldest_pending_seconds=age, failed=counts["failed"])


async def accounts_check(settings) -> dict:
    if not settings.accounts.url:  # the local directory: tables of the same database
        return up("Service des comptes (annuaire local)\u00a0: disponible", adapter="local")
    service = HttpAccountService(
        settings.accounts.url,
        settings.accounts.api_key,
        timeout=ACCOUNTS_TIMEOUT,
        connect_timeout=ACCOUNTS_TIMEOUT,
        retries=0,
    )
    await service.ping()
    return up("Service des comptes (API distante)\u00a0: disponible", adapter="http")


DOWN_LABELS = {
    "database": "Base de données\u00a0: injoignable",
    "outbox": "File d'envoi des courriels\u00a0: illisible (base de données injoignable)",
    "accounts": "Service des comptes\u00a0: injoignable",
}


async def report(state) -> tuple[dict, int]:
    """The checks, run at the same time; the body and its status code."""
    engine, settings = state.engine, state.settings
    names = ("database", "outbox", "accounts")
    results = await asyncio.gather(
        timed(database_check(engine)),
        timed(outbox_check(engine)),
        timed(accounts_check(settings), ACCOUNTS_TIMEOUT + 1),
    )
    checks = {}
    for name, result in zip(names, results, strict=True):
        checks[name] = down(DOWN_LABELS[name]) if isinstance(result, BaseException) else result
    if not settings.accounts.url and checks["database"]["status"] != "ok":
        checks["accounts"] = down(DOWN_LABELS["accounts"], adapter="local")
    healthy = all(check["status"] == "ok" for check in checks.values())
    body = {
        "status": "ok" if healthy else "degrade",
        "label": "Service opérationnel" if healthy else "Service dégradé",
        "database": checks["database"]["status"],
        "engine": "postgresql" if is_postgres(engine) else "sqlite",
        "checks": checks,
    }
    return body, 200 if healthy else 503
