import re

from tests.helpers import text_of


async def test_contact_page_lists_every_academie_and_the_map(client):
    response = await client.get("/aide/contact")
    assert response.status_code == 200
    html = text_of(response)
    assert len(re.findall(r'<option value="[a-z-]+"', html)) == 30
    assert 'id="carte-orleans-tours"' in html
    assert "0\u00a0809\u00a054\u00a006\u00a006" in html
    assert "Victor Cazanave / MapSVG" in html
    for overseas in ("la-reunion", "guadeloupe", "martinique", "guyane", "mayotte"):
        assert f"/aide/contact?academie={overseas}#academie" in html


async def test_orleans_tours_shows_its_modalities_and_the_form(client):
    html = text_of(await client.get("/aide/contact", params={"academie": "orleans-tours"}))
    assert "Académie d'Orléans-Tours" in html
    assert "https://www.ac-orleans-tours.fr/assistance_parents" in html
    assert "0801 901 0181" in html
    assert "assistance@ac-orleans-tours.fr" in html
    assert 'href="/assistance?academie=orleans-tours"' in html


async def test_an_academie_without_known_modality_says_so_honestly(client):
    html = text_of(await client.get("/aide/contact", params={"academie": "lyon"}))
    assert "Adressez-vous au secrétariat de l'établissement" in html
    assert 'href="/assistance?academie=lyon"' in html


async def test_unknown_academie_is_a_french_404(client):
    response = await client.get("/aide/contact", params={"academie": "atlantide"})
    assert response.status_code == 404
    assert "Cette académie n'existe pas" in text_of(response)
    assert 'lang="fr"' in text_of(response)


async def test_find_my_academie_on_the_page(client):
    html = text_of(await client.get("/aide/contact", params={"recherche": "0450782F"}))
    assert "Académie d'Orléans-Tours" in html
    wrong = text_of(await client.get("/aide/contact", params={"recherche": "0450782G"}))
    assert "lettre de contrôle" in wrong
    outside = text_of(await client.get("/aide/contact", params={"recherche": "9830557N"}))
    assert "Hors périmètre" in outside and "Nouvelle-Calédonie" in outside


async def test_academies_api(client):
    data = (await client.get("/api/v1/academies")).json()
    assert data["count"] == 30
    by_slug = {a["slug"]: a for a in data["academies"]}
    assert by_slug["corse"]["departements"] == ["2A", "2B"]
    assert by_slug["la-reunion"]["departements"] == ["974"]
    assert by_slug["orleans-tours"]["modalities"]["second_degre"]["formulaire"]
    assert set(by_slug["lyon"]) >= {"slug", "name", "region", "departements", "site", "modalities"}


async def test_find_api(client):
    ok = await client.get("/api/v1/academies/trouver", params={"code": "2A"})
    assert ok.json()["academie"]["slug"] == "corse"
    outside = await client.get("/api/v1/academies/trouver", params={"code": "9870026P"})
    assert outside.json()["hors_perimetre"] is True
    bad = await client.get("/api/v1/academies/trouver", params={"code": "0750655F"})
    assert bad.status_code == 422
    assert "lettre de contrôle" in bad.json()["errors"]["code"]
