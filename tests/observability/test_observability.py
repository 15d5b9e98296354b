"""/health, /metrics and the request log: what the operators read, on real parts."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
import warnings
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from prometheus_client.parser import text_string_to_metric_families

from helpdesk import PROJECT_DIR
from helpdesk.app import create_app
from helpdesk.core.db import postgres_config
from helpdesk.observability.requests_log import LOGGER_NAME, JsonFormatter
from tests.helpers import STAFF_PASSWORD, api_ticket, make_staff

BASE = "http://testserver.local"


@pytest.fixture
def closed_port():
    """A port of 127.0.0.1 bound but never listening: every connection is refused."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    yield sock.getsockname()[1]
    sock.close()


def sample(text: str, name: str, **labels: str) -> float:
    """The sum of the series of a Prometheus exposition that have these labels (0 when none)."""
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


# --- /health ------------------------------------------------------------------------------------


async def test_health_reports_the_database_the_outbox_and_the_accounts(client):
    await api_ticket(client)  # its acknowledgment waits in the outbox
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["label"] == "Service opérationnel"
    checks = body["checks"]
    assert {name: check["status"] for name, check in checks.items()} == {
        "database": "ok",
        "outbox": "ok",
        "accounts": "ok",
    }
    assert checks["database"]["label"].startswith("Base de données")
    assert checks["outbox"]["pending"] == 1
    assert 0 <= checks["outbox"]["oldest_pending_seconds"] < 60
    assert "1 en attente" in checks["outbox"]["label"]
    assert checks["accounts"]["adapter"] == "local"
    assert response.headers["cache-control"] == "no-store"


async def test_health_is_503_when_the_account_service_is_unreachable(settings, closed_port):
    settings = settings.with_changes(accounts={"url": f"http://127.0.0.1:{closed_port}"})
    async with AsyncTestClient(app=create_app(settings), base_url=BASE) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degrade" and body["label"] == "Service dégradé"
    assert body["checks"]["accounts"] == {
        "status": "indisponible",
        "label": "Service des comptes\u00a0: injoignable",
    }
    assert body["checks"]["database"]["status"] == "ok"


async def test_health_is_200_with_a_reachable_account_api(settings, account_api):
    """The HTTP adapter's cheap call, against the account API of another help desk served live."""
    settings = settings.with_changes(accounts={"url": account_api, "api_key": "cle-api"})
    async with AsyncTestClient(app=create_app(settings), base_url=BASE) as client:
        response = await client.get("/health")
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["accounts"]["adapter"] == "http"
    # an answer, but not the account API's
    settings = settings.with_changes(accounts={"api_key": "mauvaise-cle"})
    async with AsyncTestClient(app=create_app(settings), base_url=BASE) as client:
        response = await client.get("/health")
    assert response.status_code == 503
    assert response.json()["checks"]["accounts"]["status"] == "indisponible"


async def test_health_is_503_when_the_database_is_down(client, backend, closed_port, tmp_path):
    state = client.app.state
    working = state.engine
    if backend == "postgres":
        url = f"postgresql://postgres@127.0.0.1:{closed_port}/absente"
        with warnings.catch_warnings():  # Piccolo warns that it cannot read the version
            warnings.simplefilter("ignore")
            state.engine = PostgresEngine(config=postgres_config(url))
    else:
        state.engine = SQLiteEngine(path=str(tmp_path / "dossier-absent" / "base.sqlite3"))
    try:
        response = await client.get("/health")
    finally:
        state.engine = working
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "indisponible"
    assert body["checks"]["database"]["label"] == "Base de données\u00a0: injoignable"
    assert body["checks"]["outbox"]["status"] == "indisponible"
    assert body["checks"]["accounts"]["status"] == "indisponible"  # the local directory
    assert (await client.get("/health")).status_code == 200  # back


# --- /metrics -----------------------------------------------------------------------------------


async def test_metrics_count_requests_by_route_and_tickets_by_channel(client):
    before = (await client.get("/metrics")).text
    await client.get("/health")
    await client.get("/suivi/jeton-secret-123")
    await api_ticket(client)
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text

    def grew(name: str, **labels: str) -> float:
        return sample(text, name, **labels) - sample(before, name, **labels)

    route = {"method": "GET", "path": "/health", "status_code": "200"}
    assert grew("helpdesk_requests_total", **route) == 1
    assert grew("helpdesk_request_duration_seconds_count", **route) == 1
    assert grew("helpdesk_requests_total", method="GET", path="/suivi/{token}") == 1
    assert "jeton-secret-123" not in text
    assert grew("helpdesk_requests_total", method="POST", path="/api/v1/tickets") == 1
    assert grew("helpdesk_tickets_created_total", channel="api") == 1
    assert sample(text, "helpdesk_outbox_pending") == 1
    assert sample(text, "helpdesk_outbox_failed") == 0
    schema = (await client.get("/schema/openapi.json")).json()
    assert "/metrics" not in schema["paths"] and "/health" in schema["paths"]


async def test_metrics_count_account_actions_by_outcome(client):
    directory = client.app.state.accounts
    await directory.add_establishment("0450782F", "Collège des Tilleuls", academie="orleans-tours")
    luc = await directory.add_account("responsable", "Luc", "Bernard", uai="0450782F")
    await make_staff("agent@ot.fr")
    login = {"email": "agent@ot.fr", "password": STAFF_PASSWORD}
    token = (await client.post("/api/v1/auth/login", json=login)).json()["token"]
    reference = await api_ticket(client, category="auto_inscription")
    url = f"/api/v1/tickets/{reference}/actions"
    body = {"action": "update_mobile", "account": luc, "params": {"mobile": "06 33 44 55 66"}}
    before = (await client.get("/metrics")).text
    for key in ("action-1", "action-1"):  # the second is the same action, sent again
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        assert (await client.post(url, json=body, headers=headers)).status_code == 201
    unknown = {**body, "account": "personne.inconnue"}
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "action-2"}
    assert (await client.post(url, json=unknown, headers=headers)).status_code >= 400
    text = (await client.get("/metrics")).text

    def grew(outcome: str) -> float:
        labels = {"action": "update_mobile", "outcome": outcome}
        name = "helpdesk_account_actions_total"
        return sample(text, name, **labels) - sample(before, name, **labels)

    assert (grew("ok"), grew("replayed"), grew("account_not_found")) == (1, 1, 1)


async def test_metrics_may_ask_for_a_token(settings):
    settings = replace(settings, metrics_token="jeton-des-mesures")
    async with AsyncTestClient(app=create_app(settings), base_url=BASE) as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer autre"})
        right = await client.get("/metrics", headers={"Authorization": "Bearer jeton-des-mesures"})
    assert missing.status_code == wrong.status_code == 401
    assert "Jeton d'accès aux mesures" in missing.text
    assert missing.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200 and "helpdesk_requests_total" in right.text


SERVED = """
import sys
from pathlib import Path

from litestar.testing import TestClient

from helpdesk.app import create_app
from tests.conftest import make_settings
from tests.helpers import VALID_API

mode, folder = sys.argv[1], Path(sys.argv[2])
app = create_app(make_settings(folder, rate_limits={"disabled": True}))
with TestClient(app, base_url="http://testserver.local") as client:
    if mode == "write":
        for _ in range(int(sys.argv[3])):
            assert client.get("/health").status_code == 200
        assert client.post("/api/v1/tickets", json=VALID_API).status_code == 201
    else:
        print(client.get("/metrics").text)
"""


def run_python(code: str, *args: str, env: dict) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_multiprocess_metrics_are_summed_across_processes(tmp_path):
    """Two processes count into one PROMETHEUS_MULTIPROC_DIR; a third one answers the sum."""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")},
        "PROMETHEUS_MULTIPROC_DIR": str(folder),
        "PYTHONPATH": str(PROJECT_DIR),
    }
    run_python(SERVED, "write", str(tmp_path), "2", env=env)
    run_python(SERVED, "write", str(tmp_path), "3", env=env)
    assert len(list(folder.glob("counter_*.db"))) == 2  # one file per process
    text = run_python(SERVED, "read", str(tmp_path), env=env)
    route = {"method": "GET", "path": "/health", "status_code": "200"}
    assert sample(text, "helpdesk_requests_total", **route) == 5
    assert sample(text, "helpdesk_tickets_created_total", channel="api") == 2
    assert sample(text, "helpdesk_outbox_pending") == 2  # read from the database, not summed


# --- the request log ----------------------------------------------------------------------------


@pytest.fixture
def request_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logging.getLogger(LOGGER_NAME).addHandler(handler)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    logging.getLogger(LOGGER_NAME).removeHandler(handler)


async def test_one_json_line_per_request_with_its_request_id(client, request_lines):
    given = await client.get("/health", headers={"X-Request-Id": "proxy-42.a"})
    assert given.headers["x-request-id"] == "proxy-42.a"
    made = await client.get("/suivi/jeton-secret?lien=prive")
    assert made.status_code == 404
    odd = await client.get("/aide", headers={"X-Request-Id": "pas un identifiant"})
    missing = await client.get("/nulle-part")
    lines = request_lines()
    assert len(lines) == 4
    first, follow, faq, unknown = lines
    assert first["request_id"] == "proxy-42.a"
    assert first["logger"] == LOGGER_NAME and first["level"] == "info"
    assert (first["method"], first["path"], first["status"]) == ("GET", "/health", 200)
    assert isinstance(first["duration_ms"], float)
    assert follow["path"] == "/suivi/{token}" and follow["status"] == 404
    assert follow["request_id"] == made.headers["x-request-id"]
    assert len(follow["request_id"]) == 32
    assert "jeton-secret" not in json.dumps(lines) and "prive" not in json.dumps(lines)
    assert faq["request_id"] == odd.headers["x-request-id"] != "pas un identifiant"
    assert unknown["status"] == 404 and unknown["path"] == "(aucune route)"
    assert unknown["request_id"] == missing.headers["x-request-id"]


async def test_demo_mode_has_no_request_log(settings, request_lines):
    settings = settings.with_changes(demo=True, smtp={"host": "127.0.0.1"})  # no local mail catcher
    async with AsyncTestClient(app=create_app(settings), base_url=BASE) as client:
        response = await client.get("/health")
    assert response.status_code == 200
    assert "x-request-id" not in response.headers
    assert request_lines() == []


# --- a live help desk, for the account API --------------------------------------------------------


@pytest.fixture(scope="module")
def account_api(tmp_path_factory):
    """`helpdesk serve` on a database of its own, answering the account API (key "cle-api")."""
    import time
    import urllib.request

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")},
        "PYTHONPATH": str(PROJECT_DIR),
        "HELPDESK_DATA_DIR": str(tmp_path_factory.mktemp("annuaire")),
        "HELPDESK_SECRET_KEY": "cle-de-test",
        "HELPDESK_ACCOUNTS_API_KEY": "cle-api",
        "HELPDESK_DATABASE_POOL_SIZE": "0",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "helpdesk.cli", "serve", "--port", str(port), "--no-access-log"],
        cwd=PROJECT_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("le service des comptes de test ne démarre pas") from None
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
