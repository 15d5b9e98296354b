"""The FAQ as DSFR accordions, and « Non » offering the same ways on with or without
JavaScript (issue 15)."""

from __future__ import annotations

import re

from tests.helpers import text_of
from tests.page import element, find, links


async def test_every_question_is_a_dsfr_accordion_closed_by_default(client):
    html = text_of(await client.get("/aide"))
    # DSFR's script makes an accordion of these classes: they are the behaviour itself.
    questions = find(html, "section", class_="fr-accordion")
    assert len(questions) > 30
    closed = find(html, "button", type="button", aria_expanded="false")
    controls = [button.attrs["aria-controls"] for button in closed]
    assert controls == [f"{q.id}-reponse" for q in questions]  # each opens its own answer
    for question in questions[:5]:
        answer = element(question, id=f"{question.id}-reponse")
        assert "fr-collapse" in answer.classes
    assert not find(html, "details") and not find(html, class_="fr-collapse--expanded")
    # The anchor opener runs before the DSFR's script (no defer): see static/js/faq.js.
    [opener] = [s for s in find(html, "script") if s.attrs.get("src", "").endswith("/js/faq.js")]
    assert re.fullmatch(r"/static/\w+/js/faq\.js", opener.attrs["src"])
    assert set(opener.attrs) == {"src"}


async def test_no_offers_the_form_and_the_contacts_to_the_script(client):
    response = await client.post(
        "/aide/avis/date-naissance-incorrecte",
        data={"utile": "non"},
        headers={"Accept": "application/json"},
    )
    body = response.json()
    assert body["message"].startswith("Merci pour votre avis. Si votre difficulté demeure")
    assert body["links"] == [
        {
            "href": "/assistance?categorie=date_naissance",
            "label": "Remplir le formulaire d'assistance",
        },
        {"href": "/aide/contact", "label": "Contacter mon académie"},
    ]
    yes = await client.post(
        "/aide/avis/date-naissance-incorrecte",
        data={"utile": "oui"},
        headers={"Accept": "application/json"},
    )
    assert yes.json() == {"message": "Merci pour votre avis.", "links": []}


async def test_no_without_javascript_offers_the_same_links(client):
    response = await client.post("/aide/avis/date-naissance-incorrecte", data={"utile": "non"})
    offered = links(element(text_of(response), "main"))
    assert offered[:2] == [
        ("Remplir le formulaire d'assistance", "/assistance?categorie=date_naissance"),
        ("Contacter mon académie", "/aide/contact"),
    ]
