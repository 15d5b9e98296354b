"""Sign-in: only failures count, they slow the account down (a growing delay) and never lock
the real agent out; the per-client-address limit stays."""

import asyncio
import re

import pytest

from helpdesk.auth.throttle import FREE_FAILURES, delay_after
from tests.helpers import STAFF_PASSWORD, login, make_staff, text_of


async def test_successful_sign_ins_do_not_count(client):
    await make_staff("agent@ot.fr")
    for _ in range(FREE_FAILURES + 3):
        response = await login(client, "agent@ot.fr")
        assert response.status_code == 303
        client.cookies.clear()


@pytest.mark.settings(rate_limits={"login_delay_seconds": 0.5})
async def test_failures_slow_down_and_the_agent_signs_in_after_the_delay(client):
    await make_staff("agent@ot.fr")
    for _ in range(FREE_FAILURES):  # someone else guessing: no delay for the first ones
        assert (await login(client, "agent@ot.fr", "devine-2026")).status_code == 401
    early = await login(client, "agent@ot.fr", "devine-2026")
    assert early.status_code == 429
    assert re.search(r"Patientez 1\u00a0seconde avant de réessayer", text_of(early))
    # Attempts during the delay are refused unchecked and do not make it grow.
    for _ in range(5):
        assert (await login(client, "agent@ot.fr", "devine-2026")).status_code == 429
    await asyncio.sleep(delay_after(FREE_FAILURES, 0.5))
    assert (await login(client, "agent@ot.fr", "encore-faux")).status_code == 401  # 6th failure
    refused = await login(client, "agent@ot.fr")  # the agent, too early: told to wait
    assert refused.status_code == 429 and "Patientez" in text_of(refused)
    assert "Adresse électronique ou mot de passe incorrect" not in text_of(refused)
    await asyncio.sleep(delay_after(FREE_FAILURES + 1, 0.5))  # 1 s
    signed_in = await login(client, "agent@ot.fr")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/agent"


@pytest.mark.settings(rate_limits={"login_delay_seconds": 30.0})
async def test_the_api_login_is_slowed_down_the_same_way(client):
    await make_staff("agent@ot.fr")
    statuses = []
    for _ in range(FREE_FAILURES + 1):
        body = {"email": "agent@ot.fr", "password": "mauvais"}
        statuses.append((await client.post("/api/v1/auth/login", json=body)).status_code)
    assert statuses == [401] * FREE_FAILURES + [429]
    body = {"email": "agent@ot.fr", "password": STAFF_PASSWORD}
    waiting = await client.post("/api/v1/auth/login", json=body)
    assert waiting.status_code == 429 and "Patientez" in waiting.json()["errors"]["_"]


@pytest.mark.settings(rate_limits={"login_delay_seconds": 30.0})
async def test_an_unknown_address_is_slowed_down_like_a_known_one(client):
    await make_staff("agent@ot.fr")
    for email in ("agent@ot.fr", "personne@ot.fr"):
        statuses = [(await login(client, email, "mauvais")).status_code for _ in range(6)]
        assert statuses == [401] * 5 + [429], email


async def test_the_per_client_address_limit_stays(client):
    """20 attempts a minute per client address, whatever the account. The minute is a fixed
    window: 41 attempts (well under a minute) put 21 in one window whatever the clock says."""
    statuses = []
    for n in range(41):
        response = await login(client, f"personne{n}@ot.fr", "mauvais")
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    assert statuses[-1] == 429 and len(statuses) > 20
    assert set(statuses[:-1]) == {401}
    assert "Trop de tentatives de connexion" in text_of(response)
