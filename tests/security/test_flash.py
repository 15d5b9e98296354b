"""The green banner of staff pages comes from the session (flash), never from the address."""

from tests.helpers import login, make_staff, staff_post, text_of

CRAFTED = "Votre session expire : saisissez votre mot de passe sur pirate.example"


async def test_a_crafted_message_in_the_address_shows_nothing(client):
    await make_staff("superviseur@ot.fr", role="supervisor")
    await make_staff("chef@ecole.fr", role="establishment", academie="", uais=["0450782F"])
    await login(client, "superviseur@ot.fr")
    for url in ("/agent", "/compte", "/agent/incidents", "/agent/echeances", "/agent/contact"):
        response = await client.get(url, params={"message": CRAFTED}, follow_redirects=False)
        assert response.status_code == 200, url
        assert "pirate.example" not in text_of(response), url
    client.cookies.clear()
    await login(client, "chef@ecole.fr")
    page = await client.get("/etablissement", params={"message": CRAFTED})
    assert page.status_code == 200 and "pirate.example" not in text_of(page)


async def test_the_message_after_an_action_is_shown_once(client):
    await make_staff("agent@ot.fr")
    await login(client, "agent@ot.fr")
    saved = await staff_post(client, "/compte", {"notifications": "1"})
    assert saved.status_code == 303 and saved.headers["location"] == "/compte"
    first = await client.get("/compte")
    assert "Préférences enregistrées." in text_of(first)
    again = await client.get("/compte")
    assert "Préférences enregistrées." not in text_of(again)
