"""`GET /metrics`, in Prometheus' text format.

- Requests and their durations by route template: Litestar's Prometheus middleware
  (`PrometheusConfig(group_path=True)`: `/suivi/{token:str}`, never a token).
- Tickets created by channel and account actions by outcome: counters of this module, counted
  where the work is done (tickets.service, tickets.account_panel).
- The outbox (pending, failed, age of the oldest pending mail) and the mails received by
  `helpdesk mail-in` (by outcome, and those waiting in quarantine): read from the database at
  each scrape, so every process gives the same numbers, whichever process did the work.

Several processes (`helpdesk serve --workers N`): with PROMETHEUS_MULTIPROC_DIR set in their
environment before they start, each writes its counters into files of that folder and any of
them answers the sum. The folder must exist and be empty at each start (the systemd unit of
deploy/ empties it): files left by an earlier run would be added to the new counts.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import os

from litestar import Request, get
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.response import Response
from piccolo.querystring import QueryString
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

log = logging.getLogger("helpdesk.metrics")

PREFIX = "helpdesk"

TICKETS_CREATED = Counter(
    f"{PREFIX}_tickets_created",
    "Demandes créées, par canal (web, api, escalation, annuaire…)",
    ["channel"],
)
ACCOUNT_ACTIONS = Counter(
    f"{PREFIX}_account_actions",
    "Actions sur les comptes ÉduConnect depuis une demande, par action et résultat",
    ["action", "outcome"],
)


def prometheus_config() -> PrometheusConfig:
    return PrometheusConfig(
        app_name=PREFIX,
        prefix=PREFIX,
        group_path=True,  # the route's template as label: one series per route, not per URL
    )


def multiprocess_mode() -> bool:
    return bool(
        os.environ.get("PROMETHEUS_MULTIPROC_DIR") or os.environ.get("prometheus_multiproc_dir")
    )


async def outbox_counts(engine) -> dict:
    """Mails waiting (pending or being sent), failed for good, and the oldest waiting one."""
    rows = await engine.run_querystring(
        QueryString(
            "SELECT status, count(*) AS n FROM outbox_mail "
            "WHERE status IN ('pending', 'sending', 'failed') GROUP BY status"
        )
    )
    counts = {row["status"]: row["n"] for row in rows}
    oldest = await engine.run_querystring(
        QueryString(
            "SELECT created_at FROM outbox_mail WHERE status IN ('pending', 'sending') "
            "ORDER BY id LIMIT 1"
        )
    )
    return {
        "pending": counts.get("pending", 0) + counts.get("sending", 0),
        "failed": counts.get("failed", 0),
        "oldest_pending_at": oldest[0]["created_at"] if oldest else None,
    }


def age_seconds(moment) -> float | None:
    if moment is None:
        return None
    if isinstance(moment, str):  # SQLite without the column's declared type
        moment = dt.datetime.fromisoformat(moment)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return max(0.0, round((dt.datetime.now(dt.UTC) - moment).total_seconds(), 1))


async def mailin_counts(engine) -> dict:
    """Mails received by outcome (réponse, nouvelle, rebond…), and those kept in quarantine."""
    rows = await engine.run_querystring(
        QueryString("SELECT outcome, count(*) AS n FROM received_mail GROUP BY outcome")
    )
    kept = await engine.run_querystring(QueryString("SELECT count(*) AS n FROM quarantined_mail"))
    return {"received": {row["outcome"]: row["n"] for row in rows}, "quarantined": kept[0]["n"]}


def outbox_families(counts: dict) -> list:
    return [
        GaugeMetricFamily(
            f"{PREFIX}_outbox_pending", "Courriels en attente d'envoi", value=counts["pending"]
        ),
        GaugeMetricFamily(
            f"{PREFIX}_outbox_failed",
            "Courriels abandonnés après le dernier essai",
            value=counts["failed"],
        ),
        GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_pending_seconds",
            "Âge du plus ancien courriel en attente, en secondes (0\u00a0: aucun)",
            value=age_seconds(counts["oldest_pending_at"]) or 0.0,
        ),
    ]


def mailin_families(counts: dict) -> list:
    received = CounterMetricFamily(
        f"{PREFIX}_mailin_received",
        "Courriels reçus par la réception, par suite donnée (reponse, nouvelle, rebond…)",
        labels=["outcome"],
    )
    for outcome, number in sorted(counts["received"].items()):
        received.add_metric([outcome], number)
    quarantined = GaugeMetricFamily(
        f"{PREFIX}_mailin_quarantined",
        "Courriels reçus gardés en quarantaine pour les administrateurs",
        value=counts["quarantined"],
    )
    return [received, quarantined]


def exposition(families: list) -> bytes:
    registry = CollectorRegistry(auto_describe=False)

    class FromDatabase:
        def collect(self):
            return families

    registry.register(FromDatabase())
    return generate_latest(registry)


async def database_exposition(engine) -> bytes:
    """The figures read from the database; empty when it cannot be read."""
    try:
        families = outbox_families(await outbox_counts(engine))
        families += mailin_families(await mailin_counts(engine))
    except Exception:  # the database is down: the request counters are still worth reading
        log.warning("Base illisible pour /metrics", exc_info=True)
        return b""
    return exposition(families)


def token_refusal(request: Request) -> Response | None:
    """With HELPDESK_METRICS_TOKEN set, /metrics asks for `Authorization: Bearer <jeton>`."""
    expected = request.app.state.settings.metrics_token
    if not expected:
        return None
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    ):
        return None
    return Response(
        "Jeton d'accès aux mesures absent ou invalide (en-tête Authorization: Bearer).\n",
        status_code=401,
        media_type="text/plain; charset=utf-8",
        headers={"WWW-Authenticate": "Bearer"},
    )


class MetricsController(PrometheusController):
    """Litestar's controller, with the outbox's gauges, the token, and out of the schema."""

    path = "/metrics"
    include_in_schema = False

    @get(cache=False)
    async def get(self, request: Request) -> Response:  # type: ignore[override]
        refusal = token_refusal(request)
        if refusal:
            return refusal
        registry = REGISTRY
        if multiprocess_mode():
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry) + await database_exposition(request.app.state.engine)
        return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST})
