import asyncio

from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import Attachment, Ticket
from tests.helpers import (
    VALID_FORM,
    csrf_token,
    follow_token,
    form_id,
    form_page,
    submit_form,
    text_of,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_step_one_asks_academie_and_problem_in_plain_words(client):
    response = await client.get("/assistance")
    html = text_of(response)
    assert "Qu'est-ce qui ne va pas\u00a0?" in html
    assert "La date de naissance de mon enfant est refusée" in html
    assert 'name="categorie"' in html
    step = text_of(await client.get("/assistance", params={"etape": "1", "academie": "lyon"}))
    assert "Choisissez ce qui ne va pas dans la liste." in step


async def test_each_category_asks_what_an_agent_needs(client):
    birth = text_of(await form_page(client, categorie="date_naissance"))
    assert 'name="refused_birth_date"' in birth and 'name="activation_email"' not in birth
    mail = text_of(await form_page(client, categorie="mail_confirmation"))
    assert 'name="activation_email"' in mail and 'name="refused_birth_date"' not in mail
    online = text_of(await form_page(client, categorie="demarche_en_ligne"))
    assert "plateforme nationale d'assistance" in online


async def test_each_parent_gets_a_form_of_its_own(client):
    """Each opening of the form has an id of its own (its idempotency key) and the cookie's
    CSRF token; both are sent back with it."""
    first, second = await form_page(client), await form_page(client)
    assert form_id(first.text) != form_id(second.text)
    assert csrf_token(first.text) == csrf_token(second.text)  # the cookie's token
    assert first.headers["content-type"].startswith("text/html")
    sent = await submit_form(client, VALID_FORM, page=second)
    assert sent.status_code == 303


async def test_a_valid_request_becomes_a_ticket_with_a_follow_link(client):
    response = await submit_form(client, VALID_FORM)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/suivi/") and location.endswith("?nouvelle=1")
    assert len(follow_token(location)) >= 32
    ticket = await Ticket.select().first()
    assert ticket["reference"].startswith("OT-")
    assert ticket["child_birth_date_typed"] == "04/03/2016"
    assert ticket["refused_birth_date_typed"] == "03/04/2016"
    assert str(ticket["refused_birth_date"]) == "2016-04-03"
    assert ticket["requester_phone"] == "06 12 34 56 78"
    page = text_of(await client.get(location))
    assert f"Votre demande est enregistrée sous la référence {ticket['reference']}" in page
    assert "http://testserver.local/suivi/" in page
    mail = await OutboxMail.select().first()
    assert mail["recipient"] == "claire.martin@example.fr"
    assert ticket["reference"] in mail["subject"]
    assert "http://testserver.local/suivi/" + follow_token(location) in mail["text_body"]
    assert "utilisez votre lien de suivi" in mail["text_body"]


async def test_mistakes_are_explained_field_by_field_and_nothing_is_kept(client):
    wrong = {
        **VALID_FORM,
        "child_birth_date": "04/03/2099",
        "refused_birth_date": "12/12/1985",
        "uai": "0450782G",
        "requester_email": "claire@",
        "message": "",
    }
    response = await submit_form(client, wrong)
    assert response.status_code == 422
    html = text_of(response)
    assert "Une date de naissance ne peut pas être dans le futur." in html
    assert "antérieure au 1er janvier 1990" in html
    assert "lettre de contrôle" in html
    assert "Saisissez une adresse électronique valide" in html
    assert "Décrivez votre difficulté" in html
    assert 'value="Claire"' in html  # what was typed is kept
    assert await Ticket.count() == 0
    assert await OutboxMail.count() == 0


async def test_unknown_academie_and_uai_of_another_academie(client):
    unknown = await submit_form(client, {**VALID_FORM, "academie": "atlantide"})
    assert unknown.status_code == 422
    assert "Choisissez votre académie" in text_of(unknown)
    elsewhere = await submit_form(client, {**VALID_FORM, "uai": "0750655E"})
    assert "académie de Paris" in text_of(elsewhere)
    outside = await submit_form(client, {**VALID_FORM, "uai": "9830557N"})
    assert "Nouvelle-Calédonie" in text_of(outside)
    assert await Ticket.count() == 0


async def test_overlong_message_is_refused(client):
    response = await submit_form(client, {**VALID_FORM, "message": "x" * 5001})
    assert response.status_code == 422
    assert "trop long" in text_of(response)
    assert await Ticket.count() == 0


async def test_mail_typo_gets_a_suggestion_then_passes_when_confirmed(client):
    first = await submit_form(client, {**VALID_FORM, "requester_email": "claire@gmial.com"})
    assert first.status_code == 422
    assert "vouliez-vous dire claire@gmail.com" in text_of(first)
    assert 'name="email_confirme" value="claire@gmial.com"' in first.text
    again = await submit_form(
        client,
        {**VALID_FORM, "requester_email": "claire@gmial.com", "email_confirme": "claire@gmial.com"},
    )
    assert again.status_code == 303


async def test_without_csrf_token_nothing_is_created(client):
    await form_page(client)
    response = await client.post("/assistance", data=VALID_FORM)
    assert response.status_code == 403
    assert "Action refusée" in text_of(response)
    assert await Ticket.count() == 0


async def test_honeypot_keeps_nothing(client):
    response = await submit_form(client, {**VALID_FORM, "site_web": "http://spam.example"})
    assert response.status_code == 200
    assert await Ticket.count() == 0


async def test_double_click_creates_one_ticket(client):
    page = await form_page(client)
    first, second = await asyncio.gather(
        submit_form(client, VALID_FORM, page=page), submit_form(client, VALID_FORM, page=page)
    )
    assert first.status_code == second.status_code == 303
    assert await Ticket.count() == 1
    # both links lead to the same request
    a = text_of(await client.get(first.headers["location"]))
    b = text_of(await client.get(second.headers["location"]))
    reference = (await Ticket.select(Ticket.reference).first())["reference"]
    assert reference in a and reference in b


async def test_screenshot_is_attached_and_only_images_or_pdf_are_accepted(client):
    refused = await submit_form(
        client, VALID_FORM, files={"piece_jointe": ("virus.exe", b"MZ\x90\x00" * 10, "image/png")}
    )
    assert refused.status_code == 422
    assert "PNG ou JPEG" in text_of(refused)
    assert await Ticket.count() == 0
    accepted = await submit_form(
        client, VALID_FORM, files={"piece_jointe": ("erreur écran.png", PNG, "image/png")}
    )
    assert accepted.status_code == 303
    attachment = await Attachment.select().first()
    assert attachment["content_type"] == "image/png"
    assert attachment["filename"] == "erreur_écran.png"
    page = await client.get(accepted.headers["location"])
    link = f"/suivi/{follow_token(accepted.headers['location'])}/pieces/{attachment['id']}"
    assert link in page.text
    download = await client.get(link)
    assert download.content == PNG
    assert download.headers["x-content-type-options"] == "nosniff"


async def test_form_is_rate_limited_per_address(client):
    page = await form_page(client)
    token = csrf_token(page.text)
    statuses = []
    for _ in range(12):
        response = await client.post(
            "/assistance", data={"_csrf_token": token, **VALID_FORM, "message": ""}
        )
        statuses.append(response.status_code)
    assert statuses[:10] == [422] * 10
    assert statuses[-1] == 429
