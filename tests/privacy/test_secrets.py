"""Provisional passwords and letters in the directory's action history: encrypted, returned
by a replay only while the first answer may have been lost, never after."""

from __future__ import annotations

import datetime as dt

import pytest

from helpdesk.accounts.local import LocalDirectory
from helpdesk.accounts.tables import DirectoryAction
from helpdesk.privacy.nightly import privacy_chores
from helpdesk.state import worker_state
from tests.accounts.conftest import API_KEY, OT, seed


async def history_text() -> str:
    rows = await DirectoryAction.raw("SELECT CAST(result AS TEXT) AS t FROM directory_action")
    return " ".join(row["t"] for row in rows)


async def act(client, identifier: str, action: str, key: str, **params):
    response = await client.post(
        f"/api/accounts/v1/accounts/{identifier}/actions/{action}",
        json={"params": params, "scope": {"academie": OT}},
        headers={"X-Api-Key": API_KEY, "Idempotency-Key": key},
    )
    assert response.status_code == 200, response.text
    return response


@pytest.mark.settings(accounts={"api_key": API_KEY})
async def test_no_secret_returned_after_delivery(client, settings):
    family = await seed(LocalDirectory(settings, client.app.state.jinja))
    reset = (await act(client, family.paul, "reset_password", "cle-reset")).json()
    password = reset["secrets"]["provisional_password"]
    letter = (await act(client, family.nadia, "inform", "cle-informer", mode="courrier")).json()
    letter_password = letter["letters"][0]["provisional_password"]
    assert password and letter_password
    history = await history_text()
    for secret in (password, letter_password, "Nadia", family.nadia):
        assert secret not in history  # encrypted

    # An answer lost on the way: the same key, soon after, gives the same secrets.
    again = (await act(client, family.paul, "reset_password", "cle-reset")).json()
    assert again["replayed"] and again["secrets"]["provisional_password"] == password

    # Once delivered (the worker's round after the delivery window): never again.
    state = worker_state(settings)
    await privacy_chores(state)  # the worker's first round: too early, they stay
    assert (await act(client, family.paul, "reset_password", "cle-reset")).json()["secrets"]
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)
    await privacy_chores(state, later)
    replay = await act(client, family.paul, "reset_password", "cle-reset")
    assert replay.json()["replayed"] and replay.json()["secrets"] == {}
    assert password not in replay.text
    replay = await act(client, family.nadia, "inform", "cle-informer", mode="courrier")
    assert replay.json()["letters"] == [] and letter_password not in replay.text
    assert password not in await history_text()


async def test_history_written_in_clear_before_is_cleaned(client, settings):
    """Entries of a release that kept them in clear lose their secrets at the next round."""
    import json

    await DirectoryAction.insert(
        DirectoryAction(
            idempotency_key="ancienne",
            action="reset_password",
            identifier="p.martin1",
            result=json.dumps(
                {
                    "action": "reset_password",
                    "identifier": "p.martin1",
                    "message": "Fait.",
                    "changed": True,
                    "secrets": {"provisional_password": "Vieux1secret"},
                }
            ),
            created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3),
        )
    )
    await privacy_chores(worker_state(settings))
    assert "Vieux1secret" not in await history_text()
