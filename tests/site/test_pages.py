import pytest

from tests.helpers import text_of


async def test_health(client):
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["database"] == "ok"


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/", "Assistance ÉduConnect"),
        ("/accessibilite", "partiellement conforme"),
        ("/mentions-legales", "Directeur de la publication"),
        ("/donnees-personnelles", "anonymisées 365\u00a0jours après sa clôture"),
    ],
)
async def test_footer_pages_are_real_pages(client, path, text):
    response = await client.get(path)
    assert response.status_code == 200
    assert text in text_of(response)
    for link in ("/aide", "/accessibilite", "/mentions-legales", "/donnees-personnelles"):
        assert f'href="{link}"' in text_of(response)


async def test_personal_data_page_follows_the_settings(tmp_path):
    from litestar.testing import AsyncTestClient

    from helpdesk.app import create_app
    from tests.conftest import make_settings

    app = create_app(make_settings(tmp_path, privacy={"retention_days": 90}))
    async with AsyncTestClient(app=app) as client:
        html = text_of(await client.get("/donnees-personnelles"))
    assert "anonymisées 90\u00a0jours après sa clôture" in html


async def test_unknown_page_and_wrong_method_are_french(client):
    missing = await client.get("/nulle-part")
    assert missing.status_code == 404
    assert "Page introuvable" in text_of(missing)
    api_missing = await client.get("/api/v1/nulle-part")
    assert api_missing.status_code == 404
    assert "errors" in api_missing.json()
    wrong = await client.delete("/aide")
    assert wrong.status_code == 405
    assert "Méthode non autorisée" in text_of(wrong)


async def test_openapi_schema_is_served(client):
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/academies" in response.json()["paths"]
