"""Staff sessions are written (and their cookie sent) only when they change or must be renewed;
logging out still ends them."""

from helpdesk.auth import sessions
from tests.helpers import csrf_token, login, make_staff


def session_files(settings) -> dict[str, int]:
    folder = settings.data_dir / "sessions"
    return {path.name: path.stat().st_mtime_ns for path in folder.iterdir()}


def session_cookie_set(response) -> bool:
    return any(
        value.startswith("helpdesk_session=") for value in response.headers.get_list("set-cookie")
    )


async def test_an_unchanged_session_is_not_written_again_but_logout_works(client, settings):
    await make_staff("agent@ot.fr")
    login_page = await client.get("/connexion")
    assert not session_cookie_set(login_page) and session_files(settings) == {}  # no visitor file
    opened = await login(client, "agent@ot.fr")
    assert session_cookie_set(opened)
    written = session_files(settings)
    assert len(written) == 1
    for _ in range(3):
        page = await client.get("/agent")
        assert page.status_code == 200 and not session_cookie_set(page)
    assert session_files(settings) == written  # neither rewritten nor re-sent
    logout = await client.post(
        "/deconnexion", data={"_csrf_token": csrf_token(page.text)}, follow_redirects=False
    )
    assert logout.status_code == 303
    expired = [v for v in logout.headers.get_list("set-cookie") if "helpdesk_session=" in v]
    assert expired and expired[0].startswith("helpdesk_session=null;")
    assert session_files(settings) == {}  # deleted on the server too
    assert (await client.get("/agent", follow_redirects=False)).status_code == 303


async def test_a_session_is_renewed_once_its_last_write_is_old(client, settings, monkeypatch):
    await make_staff("agent@ot.fr")
    await login(client, "agent@ot.fr")
    assert not session_cookie_set(await client.get("/agent"))
    monkeypatch.setattr(sessions, "RENEW_AFTER_SECONDS", -1)  # every write is now "old"
    renewed = await client.get("/agent")
    assert renewed.status_code == 200 and session_cookie_set(renewed)
    assert "Max-Age=36000" in next(
        v for v in renewed.headers.get_list("set-cookie") if v.startswith("helpdesk_session=")
    )


async def test_a_changed_session_is_written(client):
    """The TOTP enrolment changes the session in place: the change is kept between pages."""
    await make_staff("chef@ot.fr", role="supervisor", totp_required=True)
    await login(client, "chef@ot.fr")
    first = (await client.get("/connexion/code")).text
    second = (await client.get("/connexion/code")).text
    secret = first.split('id="cle-totp">')[1].split("<")[0]
    assert secret in second  # the secret put in the session was written, then read back


async def test_logging_in_gives_a_new_session_id(client, settings):
    """A session id planted in the browser before login never becomes a logged-in session."""
    await make_staff("agent@ot.fr")
    client.cookies.set("helpdesk_session", "plante-par-un-tiers")
    opened = await login(client, "agent@ot.fr")
    [given] = [
        v.split(";")[0].split("=", 1)[1]
        for v in opened.headers.get_list("set-cookie")
        if v.startswith("helpdesk_session=")
    ]
    assert given and given != "plante-par-un-tiers"
    client.cookies.clear()
    client.cookies.set("helpdesk_session", given)
    assert (await client.get("/agent", follow_redirects=False)).status_code == 200
    assert list(session_files(settings)) != [] and all(
        "plante" not in name for name in session_files(settings)
    )
