"""A school's accounts against the demo directory (a small one, dated on a fixed day)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.accounts.demo import DemoBuilder, dashboard_facts, load_demo_directory
from helpdesk.accounts.http import HttpAccountService
from helpdesk.app import create_app
from helpdesk.core.db import bind
from tests.accounts.conftest import API_KEY, server_thread  # noqa: F401 (a fixture)
from tests.helpers import make_staff

SEED, FAMILIES = 19, 30
# The pages count « connectés depuis la rentrée » from the real day: the demo is dated on it.
TODAY = dt.datetime.now(dt.UTC).replace(microsecond=0)
TILLEULS = "0450782F"


def demo_people() -> DemoBuilder:
    """The same people as the directory loaded below, to count on independently."""
    builder = DemoBuilder(SEED, FAMILIES)
    builder.build()
    dashboard_facts(builder, SEED, TODAY)
    return builder


def of_school(builder: DemoBuilder, uai: str) -> SimpleNamespace:
    """Élèves of the school, and responsables tied to it (their own school or a child's)."""
    eleves = [p for p in builder.people if p.kind == "eleve" and p.uai == uai]
    tied = {link.responsable.key for link in builder.links if link.eleve.uai == uai}
    responsables = [
        p for p in builder.people if p.kind == "responsable" and (p.uai == uai or p.key in tied)
    ]
    return SimpleNamespace(eleves=eleves, responsables=responsables)


@pytest.fixture
async def school(settings):
    settings = settings.with_changes(rate_limits={"disabled": True})
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        await load_demo_directory(app.state.accounts, SEED, FAMILIES, today=TODAY)
        await make_staff("ecole@ot.fr", role="establishment", uais=[TILLEULS], name="Tilleuls")
        await make_staff("autre@ot.fr", role="establishment", uais=["0451042N"], name="Lycée")
        await make_staff("agent@ot.fr", name="Agnès Roux")
        await make_staff("agent@lyon.fr", academie="lyon", name="Louis Lyon")
        client.app_state = app.state
        builder = demo_people()
        client.people = of_school(builder, TILLEULS)
        client.people_links = builder.links
        yield client


@pytest.fixture
async def over_http(school, server_thread):  # noqa: F811
    """The same school, its pages calling the directory through the HTTP account API (the real
    app served on loopback, on the same database) rather than the local directory."""
    state = school.app_state
    state.settings = state.settings.with_changes(accounts={"api_key": API_KEY})
    server_thread.app = create_app(state.settings)
    bind(state.engine)
    state.accounts = HttpAccountService(server_thread.url, API_KEY, timeout=20.0)
    yield school
    server_thread.app = None
