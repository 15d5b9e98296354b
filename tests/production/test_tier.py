"""The production shape, for real: two app processes (two hosts, each with its data folder) and
`helpdesk worker`s on PostgreSQL and Redis, a real SMTP server, all on loopback.

It runs whenever PostgreSQL is configured (HELPDESK_TEST_POSTGRES_URL, as `.ci/run` does) and
Redis answers; in CI a missing one is a failure, not a skip.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import asyncpg
import httpx
import pytest

from helpdesk import PROJECT_DIR
from helpdesk.core.db import postgres_config
from tests.helpers import STAFF_PASSWORD, VALID_API, csrf_token
from tests.mail.conftest import SmtpServer, free_port
from tests.production.conftest import redis_url_or_fail


class Tier:
    """The processes of one production tier; each stopped at the end."""

    def __init__(self, tmp_path: Path, database_url: str, redis_url: str):
        self.tmp_path = tmp_path
        self.database_url = database_url
        self.redis_url = redis_url
        self.processes: list[subprocess.Popen] = []
        self.ports: list[int] = []

    def env(self, host: str, **extra: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith("HELPDESK_")}
        return base | {
            "HELPDESK_DATABASE_URL": self.database_url,
            "HELPDESK_REDIS_URL": self.redis_url,
            "HELPDESK_DATA_DIR": str(self.tmp_path / host),
            "HELPDESK_SECRET_KEY": "cle-de-production-de-test",
            "HELPDESK_BASE_URL": "http://127.0.0.1:8000",
            "HELPDESK_MAIL_SENDER": "worker",
            "HELPDESK_MAIL_POLL_SECONDS": "0.2",
            "HELPDESK_DATABASE_POOL_SIZE": "5",
            **extra,
        }

    def command(self, *args: str, host: str = "admin", **extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "helpdesk.cli", *args],
            cwd=PROJECT_DIR,
            env=self.env(host, **extra),
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def start(self, *args: str, host: str, **extra: str) -> subprocess.Popen:
        log = open(self.tmp_path / f"{host}-{len(self.processes)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "helpdesk.cli", *args],
            cwd=PROJECT_DIR,
            env=self.env(host, **extra),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        return process

    async def serve(self, host: str, **extra: str) -> str:
        port = free_port()
        self.start("serve", "--host", "127.0.0.1", "--port", str(port), host=host, **extra)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        async with httpx.AsyncClient() as client:
            while True:
                try:
                    if (await client.get(f"{url}/aide")).status_code == 200:
                        return url
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, self.logs()
                await asyncio.sleep(0.2)

    def worker(self, smtp_port: int, host: str = "worker", **extra: str) -> subprocess.Popen:
        return self.start(
            "worker",
            host=host,
            HELPDESK_SMTP_HOST="127.0.0.1",
            HELPDESK_SMTP_PORT=str(smtp_port),
            **extra,
        )

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")[-3000:] for p in self.tmp_path.glob("*.log"))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@pytest.fixture
def tier(tmp_path, postgres_url, settings):
    # `settings` empties the PostgreSQL test database and leaves it migrated by a first app.
    tier = Tier(tmp_path, postgres_url, redis_url_or_fail())
    tier.command("migrate")
    yield tier
    tier.stop()


async def sql(url: str, statement: str, *args):
    connection = await asyncpg.connect(**postgres_config(url))
    try:
        return await connection.fetch(statement, *args)
    finally:
        await connection.close()


@pytest.fixture
def backend():
    return "postgres"


async def test_a_staff_session_and_the_rate_limits_are_shared_by_every_process(tier):
    tier.command(
        "create-user",
        "--email",
        "agent@ac-orleans-tours.fr",
        "--password",
        STAFF_PASSWORD,
        "--role",
        "agent",
        "--academie",
        "orleans-tours",
    )
    one = await tier.serve("hote-a", HELPDESK_RATE_LIMIT_TRIAGE="6")
    two = await tier.serve("hote-b", HELPDESK_RATE_LIMIT_TRIAGE="6")

    async with httpx.AsyncClient() as browser:
        page = await browser.get(f"{one}/connexion")
        response = await browser.post(
            f"{one}/connexion",
            data={
                "_csrf_token": csrf_token(page.text),
                "email": "agent@ac-orleans-tours.fr",
                "password": STAFF_PASSWORD,
            },
        )
        assert response.status_code in (302, 303), response.text
        queue = await browser.get(f"{two}/agent")  # the other host, the same cookies
        assert queue.status_code == 200
        assert "connexion" not in str(queue.url)

    statuses = []
    async with httpx.AsyncClient() as client:
        for n in range(8):
            url = one if n % 2 == 0 else two
            response = await client.post(
                f"{url}/api/v1/triage", json={"text": "mot de passe oublié"}
            )
            statuses.append(response.status_code)
    assert statuses[:6] == [200] * 6
    assert statuses[6:] == [429, 429]


async def test_two_workers_send_each_mail_once_and_a_killed_one_loses_none(tier):
    smtp = SmtpServer()
    smtp.start()
    try:
        await sql(
            tier.database_url,
            "INSERT INTO outbox_mail (recipient, subject, text_body, message_id, kind) "
            "SELECT 'parent' || n || '@example.org', 'Essai ' || n, 'Bonjour', "
            "'<lot-a-' || n || '@assistance.test>', 'essai' FROM generate_series(1, 5000) n",
        )
        # A lease of a few seconds: the killed worker's batch goes out again without a long wait.
        workers = [tier.worker(smtp.port, HELPDESK_MAIL_LEASE_SECONDS="8") for _ in range(2)]
        await wait_until_sent(tier, 5000, timeout=240)
        ids = [m["Message-ID"] for m in smtp.recorder.messages]
        assert len(ids) == 5000 and len(set(ids)) == 5000  # none twice, none lost

        # A worker killed in the middle of a batch: what it had claimed goes out all the same.
        await sql(
            tier.database_url,
            "INSERT INTO outbox_mail (recipient, subject, text_body, message_id, kind) "
            "SELECT 'parent' || n || '@example.org', 'Essai ' || n, 'Bonjour', "
            "'<lot-b-' || n || '@assistance.test>', 'essai' FROM generate_series(1, 2000) n",
        )
        while len(smtp.recorder.messages) < 5200:
            await asyncio.sleep(0.01)
        workers[0].send_signal(signal.SIGKILL)
        await wait_until_sent(tier, 7000, timeout=240)
        second = {m["Message-ID"] for m in smtp.recorder.messages[5000:]}
        assert second == {f"<lot-b-{n}@assistance.test>" for n in range(1, 2001)}
        assert workers[1].poll() is None
    finally:
        smtp.stop()


async def wait_until_sent(tier: Tier, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        rows = await sql(tier.database_url, "SELECT count(*) FROM outbox_mail WHERE status='sent'")
        if rows[0][0] >= count:
            return
        assert time.monotonic() < deadline, f"{rows[0][0]} envoyés sur {count}\n{tier.logs()}"
        await asyncio.sleep(0.5)


async def test_connections_cut_under_traffic_give_brief_503s_never_a_500(tier):
    one = await tier.serve("hote-a", HELPDESK_RATE_LIMIT_DISABLED="1")
    two = await tier.serve("hote-b", HELPDESK_RATE_LIMIT_DISABLED="1")
    seen: list[tuple[float, int]] = []
    cut_at = 0.0

    async def traffic(client: httpx.AsyncClient, url: str) -> None:
        end = time.monotonic() + 4
        while time.monotonic() < end:
            response = await client.post(f"{url}/api/v1/tickets", json={**VALID_API, "uai": ""})
            seen.append((time.monotonic(), response.status_code))

    async def cut() -> None:
        nonlocal cut_at
        await asyncio.sleep(1.5)
        cut_at = time.monotonic()
        name = tier.database_url.rsplit("/", 1)[1]
        await sql(
            tier.database_url,
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )

    async with httpx.AsyncClient(timeout=30) as client:
        await asyncio.gather(cut(), *(traffic(client, url) for url in (one, two) * 4))

    statuses = {status for _, status in seen}
    assert statuses <= {201, 503}, statuses
    unavailable = [at for at, status in seen if status == 503]
    if unavailable:
        assert max(unavailable) - cut_at <= 1.0
    assert [status for at, status in seen if at > cut_at + 1.0].count(201) > 0


async def test_with_the_mail_server_down_tickets_are_still_accepted(tier):
    one = await tier.serve("hote-a", HELPDESK_RATE_LIMIT_DISABLED="1")
    worker = tier.worker(free_port())  # nothing listens there
    async with httpx.AsyncClient() as client:
        for _ in range(20):
            response = await client.post(f"{one}/api/v1/tickets", json={**VALID_API, "uai": ""})
            assert response.status_code == 201
    await asyncio.sleep(2)
    rows = await sql(
        tier.database_url,
        "SELECT status, attempts, last_error FROM outbox_mail ORDER BY id",
    )
    assert len(rows) == 20
    assert all(row["status"] == "pending" for row in rows)
    assert any(row["attempts"] >= 1 and row["last_error"] for row in rows)
    assert worker.poll() is None
