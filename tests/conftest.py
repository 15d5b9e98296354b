"""One app per test, on a fresh SQLite file and, when HELPDESK_TEST_POSTGRES_URL is set, on
PostgreSQL too (a database of its own, emptied between tests)."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.core.db import all_tables, postgres_config
from helpdesk.core.settings import Settings, load_settings

POSTGRES_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL", "")
BACKENDS = ["sqlite", "postgres"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database created for this test run, dropped at its end."""
    if not POSTGRES_URL:
        pytest.skip("HELPDESK_TEST_POSTGRES_URL n'est pas défini")
    name = f"helpdesk_test_{uuid.uuid4().hex[:8]}"
    admin = postgres_config(POSTGRES_URL)

    async def run(sql: str) -> None:
        connection = await asyncpg.connect(**admin)
        try:
            await connection.execute(sql)
        finally:
            await connection.close()

    asyncio.run(run(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    asyncio.run(run(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def empty_postgres(url: str) -> None:
    connection = await asyncpg.connect(**postgres_config(url))
    try:
        existing = {
            row["tablename"]
            for row in await connection.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname='public'"
            )
        }
        names = [t._meta.tablename for t in all_tables() if t._meta.tablename in existing]
        if names:
            await connection.execute(f"TRUNCATE {', '.join(names)} RESTART IDENTITY CASCADE")
    finally:
        await connection.close()


def make_settings(tmp_path: Path, database_url: str = "", **overrides: object) -> Settings:
    data_dir = tmp_path / "data"
    return load_settings(
        data_dir=data_dir,
        database_url=database_url or f"sqlite:///{data_dir / 'test.sqlite3'}",
        secret_key="cle-de-test",
        base_url="http://testserver.local",
        # The test client runs the app in a loop of its own: a pool would be tied to it.
        database_pool_size=0,
        **overrides,
    )


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """The test's settings, built once: `@pytest.mark.settings(name=value)` gives some of them,
    a concern's by a mapping (`rate_limits={"disabled": True}`); settings are frozen, a fixture
    wanting others makes them with `settings.with_changes(…)`."""
    overrides: dict[str, object] = {}
    for marker in reversed(list(request.node.iter_markers("settings"))):
        for name, value in marker.kwargs.items():  # the closest marker (the test's) wins
            earlier = overrides.get(name)
            if isinstance(value, dict) and isinstance(earlier, dict):
                value = {**earlier, **value}  # a concern's fields: each marker gives some
            overrides[name] = value
    if backend == "postgres":
        url = request.getfixturevalue("postgres_url")
        asyncio.run(empty_postgres(url))
        return make_settings(tmp_path, url, **overrides)
    return make_settings(tmp_path, **overrides)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client
