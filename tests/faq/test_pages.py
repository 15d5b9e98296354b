from tests.helpers import text_of
from tests.page import find


async def test_aide_lists_every_question_with_an_anchor(client):
    response = await client.get("/aide")
    assert response.status_code == 200
    html = text_of(response)
    assert 'id="date-naissance-incorrecte"' in html
    assert "Cette réponse vous a-t-elle aidé" in html
    assert 'href="/assistance?categorie=date_naissance"' in html
    assert "set-cookie" not in response.headers


async def test_aide_is_cacheable_with_validators(client):
    first = await client.get("/aide")
    etag = first.headers["etag"]
    assert "public" in first.headers["cache-control"]
    assert first.headers["last-modified"]
    again = await client.get("/aide", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    since = await client.get("/aide", headers={"If-Modified-Since": first.headers["last-modified"]})
    assert since.status_code == 304


async def test_aide_is_served_compressed_when_asked(client):
    response = await client.get("/aide", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert "date-naissance-incorrecte" in text_of(response)  # the client inflates it


async def test_search_page_shows_matching_answers_open(client):
    response = await client.get("/aide", params={"q": "Date refusée"})
    assert response.status_code == 200
    html = text_of(response)
    # A DSFR accordion, the best answer served open (with or without JavaScript): its class
    # is what DSFR's script shows open.
    opened = find(html, "button", aria_expanded="true")
    assert [b.attrs["aria-controls"] for b in opened] == ["date-naissance-incorrecte-reponse"]
    [answer] = find(html, class_="fr-collapse--expanded")
    assert answer.id == "date-naissance-incorrecte-reponse" and "fr-collapse" in answer.classes
    assert not find(html, "details")
    assert "pour «\u00a0Date refusée\u00a0»" in text_of(response)


async def test_search_page_without_result_says_so(client):
    response = await client.get("/aide", params={"q": "xylophone"})
    assert "Aucune réponse pour" in text_of(response)


async def test_a_vote_is_counted_per_question(client):
    for answer in ("oui", "oui", "non"):
        response = await client.post(
            "/aide/avis/identifiant-perdu",
            data={"utile": answer},
            headers={"Accept": "application/json"},
        )
        assert response.status_code == 200
        assert response.json()["message"].startswith("Merci pour votre avis.")
    counts = (await client.get("/api/v1/faq/votes")).json()["votes"]
    assert counts["identifiant-perdu"] == {"oui": 2, "non": 1}


async def test_a_vote_without_javascript_gets_a_thank_you_page(client):
    response = await client.post("/aide/avis/identifiant-perdu", data={"utile": "non"})
    assert response.status_code == 200
    assert "Merci pour votre avis" in text_of(response)
    assert "/assistance?categorie=identifiant_perdu" in text_of(response)


async def test_a_bad_vote_changes_nothing(client):
    assert (
        await client.post("/aide/avis/identifiant-perdu", data={"utile": "peut-etre"})
    ).status_code == 400
    assert (await client.post("/aide/avis/inconnue", data={"utile": "oui"})).status_code == 404
    assert (await client.get("/api/v1/faq/votes")).json()["votes"] == {}


async def test_votes_are_rate_limited(client):
    statuses = [
        (await client.post("/aide/avis/identifiant-perdu", data={"utile": "oui"})).status_code
        for _ in range(25)
    ]
    assert statuses[:20] == [200] * 20
    assert statuses[-1] == 429
    page = await client.post("/aide/avis/identifiant-perdu", data={"utile": "oui"})
    assert "Trop de demandes" in text_of(page)


async def test_faq_api_lists_and_searches(client):
    everything = (await client.get("/api/v1/faq")).json()
    assert everything["count"] == len(everything["entries"]) >= 30
    entry = everything["entries"][0]
    assert set(entry) >= {"slug", "theme", "question", "answer"}
    found = (await client.get("/api/v1/faq", params={"q": "mdp"})).json()
    assert found["entries"][0]["slug"] in {"mot-de-passe-perdu", "modifier-mot-de-passe"}
    scores = [e["score"] for e in found["entries"]]
    assert scores == sorted(scores, reverse=True)
