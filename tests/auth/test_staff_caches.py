"""Who a session or a token is, and the académie's agents, are remembered a few seconds in each
process, and forgotten at once in this process when an account is deactivated or logged out
everywhere; another process's change is seen within the bound."""

import asyncio

from helpdesk.auth import service
from helpdesk.auth.tables import User
from tests.helpers import bearer, csrf_token, login, make_staff, staff_post, text_of


async def test_logout_everywhere_ends_every_session_at_once(two_browsers):
    one, two = two_browsers
    await make_staff("agent@ot.fr")
    await login(one, "agent@ot.fr")
    await login(two, "agent@ot.fr")
    page = await one.get("/agent")
    assert (await two.get("/agent")).status_code == 200  # now remembered in this process
    await one.post("/deconnexion/partout", data={"_csrf_token": csrf_token(page.text)})
    assert (await two.get("/agent", follow_redirects=False)).status_code == 303


async def test_deactivation_ends_access_at_once_in_this_process(two_browsers):
    chef, agent = two_browsers
    await make_staff("chef@ot.fr", role="supervisor", name="Chef")
    agent_id = await make_staff("agent@ot.fr", name="Zoé Agent")
    await login(chef, "chef@ot.fr")
    await login(agent, "agent@ot.fr")
    token = await bearer(agent, "agent@ot.fr")
    assert (await agent.get("/agent")).status_code == 200
    assert (await agent.get("/api/v1/tickets", headers=token)).status_code == 200
    assert "Zoé Agent" in text_of(await chef.get("/agent"))  # in the lists of agents
    await staff_post(
        chef, f"/admin/utilisateurs/{agent_id}", {"action": "desactiver"}, "/admin/utilisateurs"
    )
    assert (await agent.get("/agent", follow_redirects=False)).status_code == 303
    assert (await agent.get("/api/v1/tickets", headers=token)).status_code == 401
    assert "Zoé Agent" not in text_of(await chef.get("/agent"))
    await staff_post(
        chef, f"/admin/utilisateurs/{agent_id}", {"action": "activer"}, "/admin/utilisateurs"
    )
    assert "Zoé Agent" in text_of(await chef.get("/agent"))


async def test_a_change_made_by_another_process_is_seen_within_the_bound(client, monkeypatch):
    """Another process deactivates the account (here: straight in the database): this process
    lets the session through for at most STAFF_CACHE_SECONDS, then refuses it."""
    monkeypatch.setattr(service, "STAFF_CACHE_SECONDS", 0.5)
    agent_id = await make_staff("agent@ot.fr")
    await login(client, "agent@ot.fr")
    assert (await client.get("/agent")).status_code == 200
    await User.update({User.active: False}).where(User.id == agent_id)
    await asyncio.sleep(0.6)
    assert (await client.get("/agent", follow_redirects=False)).status_code == 303


async def test_a_session_opened_in_another_process_is_not_refused(client):
    """A newer epoch than the one remembered (logout everywhere then login elsewhere) is
    checked in the database, not refused from the memory of this process."""
    agent_id = await make_staff("agent@ot.fr")
    await login(client, "agent@ot.fr")
    assert (await client.get("/agent")).status_code == 200  # epoch 1 remembered
    await User.update({User.session_epoch: 2}).where(User.id == agent_id)
    assert await service.staff_by_id(agent_id, 2) is not None
    assert await service.staff_by_id(agent_id, 1) is None
