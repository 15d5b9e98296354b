"""FAQ answers before the ticket: while typing (JavaScript) or on a "Vérifier" step."""

from helpdesk.tickets.deflection import statistics
from helpdesk.tickets.tables import DeflectionEvent, Ticket
from tests.helpers import VALID_FORM, csrf_token, form_id, form_page, submit_form, text_of

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def test_without_javascript_a_verify_step_shows_answers_then_sends(client):
    page = await form_page(client)
    check = await submit_form(
        client,
        {**VALID_FORM, "js": ""},
        page=page,
        files={"piece_jointe": ("capture.png", PNG, "image/png")},
    )
    assert check.status_code == 200
    html = text_of(check)
    assert "Ces réponses peuvent régler votre difficulté" in html
    assert 'id="suggestion-date-naissance-incorrecte"' in check.text
    assert 'name="verifie" value="1"' in check.text
    assert "capture.png" in html  # the screenshot is kept for the sending
    assert 'name="capture_gardee" value="1"' in html
    assert "Je continue ma demande" not in html  # a script's button: « Envoyer » goes on here
    assert await Ticket.count() == 0
    sent = await client.post(
        "/assistance",
        data={
            "_csrf_token": csrf_token(check.text),
            "form_id": form_id(page.text),
            "verifie": "1",
            "capture_gardee": "1",
            **VALID_FORM,
        },
        files={"piece_jointe": ("", b"")},
        follow_redirects=False,
    )
    assert sent.status_code == 303
    assert await Ticket.count() == 1
    from helpdesk.tickets.tables import Attachment

    assert (await Attachment.select().first())["filename"] == "capture.png"
    stats = await statistics("orleans-tours")
    assert stats == {"montre": 1, "resolu": 0, "envoye": 1}


async def test_a_form_sent_after_answers_shown_while_typing_counts_as_sent_anyway(client):
    """Answers shown while the parent wrote (the script asked for them): the form sent after
    them counts among the forms the FAQ did not settle; a form without them does not."""
    page = await form_page(client)
    await client.post(
        "/assistance/suggestions",
        data={
            "_csrf_token": csrf_token(page.text),
            "form_id": form_id(page.text),
            "academie": "orleans-tours",
            "category": "date_naissance",
            "message": VALID_FORM["message"],
        },
    )
    sent = await submit_form(client, VALID_FORM, page=page)
    assert sent.status_code == 303
    await submit_form(client, {**VALID_FORM, "requester_email": "autre.parent@example.fr"})
    assert await Ticket.count() == 2
    assert await statistics("orleans-tours") == {"montre": 1, "resolu": 0, "envoye": 1}


async def test_question_resolved_by_the_faq_sends_nothing(client):
    page = await form_page(client)
    response = await client.post(
        "/assistance/resolu",
        data={
            "_csrf_token": csrf_token(page.text),
            "form_id": form_id(page.text),
            **VALID_FORM,
            "slug": "date-naissance-incorrecte",
        },
    )
    assert response.status_code == 200
    assert "Votre demande n'a pas été envoyée" in text_of(response)
    assert await Ticket.count() == 0
    assert await DeflectionEvent.count().where(DeflectionEvent.event == "resolu") == 1


async def test_suggestions_fragment_while_typing_and_category_proposal(client):
    page = await form_page(client, categorie="autre")
    fragment = await client.post(
        "/assistance/suggestions",
        data={
            "_csrf_token": csrf_token(page.text),
            "form_id": form_id(page.text),
            "academie": "orleans-tours",
            "category": "autre",
            "message": "J'ai oublié mon mot de passe et la réinitialisation par SMS ne marche pas",
        },
    )
    assert fragment.status_code == 200
    html = text_of(fragment)
    assert "Ma question est résolue" in html
    assert 'value="mot_de_passe"' in fragment.text  # "Choisir cette catégorie"
    short = await client.post(
        "/assistance/suggestions", data={"_csrf_token": csrf_token(page.text), "message": "aide"}
    )
    assert short.text == ""


async def test_choosing_the_proposed_category_keeps_what_was_typed(client):
    page = await form_page(client, categorie="autre")
    response = await client.post(
        "/assistance",
        data={
            "_csrf_token": csrf_token(page.text),
            "form_id": form_id(page.text),
            **VALID_FORM,
            "category": "autre",
            "changer_categorie": "mail_confirmation",
        },
    )
    html = text_of(response)
    assert 'name="activation_email"' in response.text
    assert 'value="Claire"' in response.text
    assert "Je n'ai pas reçu le courriel de confirmation" in html
    assert await Ticket.count() == 0


async def test_the_ticket_keeps_the_category_the_text_suggests(client):
    body = {
        **VALID_FORM,
        "category": "autre",
        "message": "Mon fils n'apparaît pas dans mon compte, il manque un enfant, comment le rattacher ?",
    }
    await submit_form(client, body)
    ticket = await Ticket.select().first()
    assert ticket["category"] == "autre"
    assert ticket["suggested_category"] == "rattachement"
    assert ticket["suggested_confidence"] > 0.3
