"""Staff sessions (Litestar's ServerSideSessionConfig and FileStore): login opens one under a
new id, it lasts across pages, logout ends it, expired ones are purged from the file store."""

import asyncio
from dataclasses import replace
from http.cookies import SimpleCookie

from litestar.stores.file import FileStore
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.housekeeping import run_chores
from helpdesk.state import worker_state
from tests.helpers import csrf_token, login, make_staff

COOKIE = "helpdesk_session"


def session_cookie(response) -> SimpleCookie | None:
    """The helpdesk_session cookie this response sets (None: it sets none)."""
    for value in response.headers.get_list("set-cookie"):
        if value.startswith(f"{COOKIE}="):
            cookie = SimpleCookie()
            cookie.load(value)
            return cookie[COOKIE]
    return None


def store_of(settings) -> FileStore:
    return FileStore(settings.data_dir / "sessions")


def session_files(settings) -> list:
    folder = settings.data_dir / "sessions"
    return sorted(folder.iterdir()) if folder.exists() else []


def set_cookie(client, value: str) -> None:
    """The session cookie as a browser would hold it (replacing the one the server set)."""
    client.cookies.set(COOKIE, value, domain="testserver.local")


async def logged_in(client) -> bool:
    response = await client.get("/agent", follow_redirects=False)
    assert response.status_code in (200, 303)
    return response.status_code == 200


async def test_login_opens_a_session_that_lasts_across_pages(client, settings):
    await make_staff("agent@ot.fr")
    opened = await login(client, "agent@ot.fr")
    assert opened.status_code == 303 and opened.headers["location"] == "/agent"
    cookie = session_cookie(opened)
    assert cookie["httponly"] and cookie["samesite"] == "lax" and not cookie["secure"]
    assert cookie["max-age"] == "36000" and cookie["path"] == "/"  # 10 h
    assert await store_of(settings).exists(cookie.value)
    for _ in range(3):
        assert await logged_in(client)
    assert client.cookies[COOKIE] == cookie.value  # the same session all along


async def test_behind_https_the_session_cookie_is_secure(settings):
    settings = replace(settings, behind_https=True)
    await make_staff_on(settings, "agent@ot.fr")
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        opened = await login(client, "agent@ot.fr")
        assert opened.status_code == 303 and session_cookie(opened)["secure"]
        assert await logged_in(client)


async def make_staff_on(settings, email: str) -> None:
    async with AsyncTestClient(app=create_app(settings), base_url="http://testserver.local"):
        await make_staff(email)


async def test_a_visit_without_login_leaves_no_session_behind(client, settings):
    assert (await client.get("/agent", follow_redirects=False)).status_code == 303
    page = await client.get("/connexion")
    assert page.status_code == 200
    # No session: no file, and no cookie but Litestar's "null" (the value that means none).
    assert client.cookies.get(COOKIE) in (None, "null") and session_files(settings) == []


async def test_a_session_id_planted_before_login_never_becomes_a_logged_in_session(
    client, settings
):
    await make_staff("agent@ot.fr")
    page = await client.get("/connexion")
    set_cookie(client, "plante-par-un-tiers")
    data = {"_csrf_token": csrf_token(page.text), "email": "agent@ot.fr", "password": "x"}
    again = await client.post("/connexion", data=data, follow_redirects=False)
    assert again.status_code == 307 and again.headers["location"] == "/connexion"
    assert session_cookie(again).value == "null"  # the planted cookie is expired
    opened = await login(client, "agent@ot.fr")
    given = session_cookie(opened).value
    assert given and given != "plante-par-un-tiers"
    assert not await store_of(settings).exists("plante-par-un-tiers")
    set_cookie(client, given)
    assert await logged_in(client)


async def test_each_login_gets_a_new_id_and_the_previous_one_ends(client, settings):
    """A session the server gave before login (the code step, a previous login) is not the
    logged-in one: the id the browser had before is not the one it has after."""
    await make_staff("chef@ot.fr", role="supervisor", totp_required=True)
    await make_staff("agent@ot.fr")
    pending = session_cookie(await login(client, "chef@ot.fr")).value  # waits for the code
    assert pending and await store_of(settings).exists(pending)
    first = session_cookie(await login(client, "agent@ot.fr")).value
    assert first not in ("", "null", pending)
    assert not await store_of(settings).exists(pending)
    second = session_cookie(await login(client, "agent@ot.fr")).value
    assert second not in ("", "null", first)
    assert not await store_of(settings).exists(first)
    set_cookie(client, first)
    assert not await logged_in(client)
    set_cookie(client, second)
    assert await logged_in(client)


async def test_a_changed_session_is_kept_between_pages(client):
    """The TOTP enrolment puts its secret in the session: it is read back on the next page."""
    await make_staff("chef@ot.fr", role="supervisor", totp_required=True)
    await login(client, "chef@ot.fr")
    first = (await client.get("/connexion/code")).text
    second = (await client.get("/connexion/code")).text
    secret = first.split('id="cle-totp">')[1].split("<")[0]
    assert secret in second


async def test_logout_ends_the_session_in_the_browser_and_on_the_server(client, settings):
    await make_staff("agent@ot.fr")
    given = session_cookie(await login(client, "agent@ot.fr")).value
    page = await client.get("/agent")
    logout = await client.post(
        "/deconnexion", data={"_csrf_token": csrf_token(page.text)}, follow_redirects=False
    )
    assert logout.status_code == 303
    assert session_cookie(logout).value == "null"
    assert not await store_of(settings).exists(given)
    assert not await logged_in(client)
    set_cookie(client, given)  # the old cookie, kept by someone
    assert not await logged_in(client)


async def test_expired_sessions_are_purged_from_the_file_store(client, settings):
    await make_staff("agent@ot.fr")
    await make_staff("autre@ot.fr")
    old = session_cookie(await login(client, "agent@ot.fr")).value
    client.cookies.clear()
    live = session_cookie(await login(client, "autre@ot.fr")).value
    store = store_of(settings)
    await store.set(old, await store.get(old), expires_in=1)  # as if its 10 h were over
    assert len(session_files(settings)) == 2
    await asyncio.sleep(1.1)
    await run_chores(worker_state(settings))  # the housekeeping loop's round
    assert len(session_files(settings)) == 1
    assert await store.exists(live) and not await store.exists(old)
    assert await logged_in(client)
