"""The FAQ as DSFR accordions, and « Non » offering the same ways on with or without
JavaScript (issue 15)."""

from __future__ import annotations

import re

from tests.helpers import text_of


async def test_every_question_is_a_dsfr_accordion_closed_by_default(client):
    html = text_of(await client.get("/aide"))
    sections = re.findall(r'<section class="fr-accordion faq-question" id="([a-z0-9-]+)">', html)
    assert len(sections) > 30
    controls = re.findall(
        r'<button type="button" class="fr-accordion__btn" aria-expanded="false" '
        r'aria-controls="([a-z0-9-]+)-reponse">',
        html,
    )
    assert controls == sections  # each button opens its own answer
    for slug in sections[:5]:
        assert f'<div class="fr-collapse faq-question__answer" id="{slug}-reponse">' in html
    assert "<details" not in html and "fr-collapse--expanded" not in html
    # The anchor opener runs before the DSFR's script (no defer): see static/js/faq.js.
    assert re.search(r'<script src="/static/\w+/js/faq\.js"></script>', html)


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
    html = text_of(response)
    assert '<a class="fr-btn" href="/assistance?categorie=date_naissance">' in html
    assert '<a class="fr-btn fr-btn--secondary" href="/aide/contact">' in html
