"""Security headers on every kind of page; Secure cookies and HSTS when the site is HTTPS."""

from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.core.settings import load_settings
from tests.helpers import VALID_FORM, bearer, login, make_staff, submit_form
from tests.page import find


def assert_protected(response) -> None:
    headers = response.headers
    csp = headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self';" in csp and "unsafe-inline" not in csp
    assert headers["referrer-policy"] == "same-origin"
    assert headers["x-content-type-options"] == "nosniff"


async def test_public_pages_static_files_and_errors_carry_the_headers(client):
    for url in ("/", "/aide", "/assistance", "/schema", "/page-inconnue", "/static/js/helpdesk.js"):
        response = await client.get(url)
        assert_protected(response)
        assert "no-store" not in response.headers.get("cache-control", ""), url
    assert "strict-transport-security" not in (await client.get("/")).headers


async def test_follow_up_pages_are_never_stored(client):
    follow = (await submit_form(client, VALID_FORM)).headers["location"]
    response = await client.get(follow)
    assert response.status_code == 200
    assert_protected(response)
    assert response.headers["cache-control"] == "no-store"
    unknown = await client.get("/suivi/" + "a" * 43)
    assert unknown.headers["cache-control"] == "no-store"


async def test_staff_pages_and_api_are_never_stored(client):
    await make_staff("agent@ot.fr")
    login_page = await client.get("/connexion")
    assert login_page.headers["cache-control"] == "no-store"
    await login(client, "agent@ot.fr")
    api = await bearer(client, "agent@ot.fr")
    for url, headers in (("/agent", {}), ("/compte", {}), ("/api/v1/tickets", api)):
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, url
        assert_protected(response)
        assert response.headers["cache-control"] == "no-store", url


async def test_schema_page_runs_no_inline_script(client):
    html = (await client.get("/schema")).text
    scripts = find(html, "script")
    assert scripts and all(script.attrs.get("src") and not script.text for script in scripts)
    assert "/static/" in html and "swagger.js" in html


async def test_https_base_url_gives_secure_cookies_and_hsts(settings):
    https = load_settings(
        data_dir=settings.data_dir,
        database_url=settings.database_url,
        secret_key="cle-de-test",
        base_url="https://assistance.example.fr",
        database_pool_size=0,
    )
    assert https.behind_https  # the address alone is enough, HELPDESK_BEHIND_HTTPS is not set
    app = create_app(https)
    async with AsyncTestClient(app=app, base_url="https://testserver.local") as client:
        page = await client.get("/connexion")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert "Secure" in page.headers["set-cookie"]  # the CSRF cookie
        await make_staff("agent@ot.fr")
        response = await login(client, "agent@ot.fr")
        assert response.status_code == 303
        session = [c for c in response.headers.get_list("set-cookie") if "helpdesk_session=" in c]
        assert session and "Secure" in session[0]
