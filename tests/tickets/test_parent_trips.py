"""What a parent trips on in the form and the follow-up page (issue 15): a screenshot kept and
said after a mistake, an error summary that takes the focus and links to the fields, the
pupils' answers kept for pupils, « Mon problème est résolu » asked twice, « Clôturée »,
« Vous avez indiqué… », file sizes in Ko."""

from __future__ import annotations

from helpdesk.tickets.tables import Attachment, Ticket
from tests.helpers import (
    VALID_FORM,
    csrf_token,
    form_id,
    form_page,
    stored_files,
    submit_form,
    text_of,
)
from tests.page import buttons, element, element_text, links

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 2000
OTHER_PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 3000


async def test_a_screenshot_is_kept_and_said_after_a_mistake(client, settings):
    page = await form_page(client)
    wrong = await submit_form(
        client,
        {**VALID_FORM, "child_birth_date": "12/05/2099"},
        files={"piece_jointe": ("ecran.png", PNG, "image/png")},
        page=page,
    )
    assert wrong.status_code == 422
    html = text_of(wrong)
    assert "Votre capture d'écran «\u00a0ecran.png\u00a0» (2\u00a0Ko) est gardée" in html
    assert 'name="capture_gardee" value="1"' in html
    assert 'aria-describedby="capture-gardee"' in html
    assert "ce que vous avez saisi est conservé, votre capture d'écran aussi." in html
    assert await Ticket.count() == 0
    # Corrected, sent without choosing the file again (a browser sends an empty file input).
    sent = await submit_form(client, {**VALID_FORM, "capture_gardee": "1"}, page=wrong)
    assert sent.status_code == 303
    attachment = await Attachment.select().first()
    assert attachment["filename"] == "ecran.png" and attachment["size"] == len(PNG)
    assert await stored_files(settings, "attachments-pending") == 0  # nothing left behind


async def test_a_file_chosen_again_replaces_the_kept_one(client, settings):
    page = await form_page(client)
    wrong = await submit_form(
        client,
        {**VALID_FORM, "requester_email": "pas-une-adresse"},
        files={"piece_jointe": ("premiere.png", PNG, "image/png")},
        page=page,
    )
    assert wrong.status_code == 422
    sent = await submit_form(
        client,
        {**VALID_FORM, "capture_gardee": "1"},
        files={"piece_jointe": ("seconde.png", OTHER_PNG, "image/png")},
        page=wrong,
    )
    assert sent.status_code == 303
    assert [a["filename"] for a in await Attachment.select()] == ["seconde.png"]
    assert await stored_files(settings, "attachments-pending") == 0


async def test_a_kept_file_belongs_to_its_form_only(client, settings):
    """Another form (another random id) does not get a file kept for the first one."""
    page = await form_page(client)
    await submit_form(
        client,
        {**VALID_FORM, "child_birth_date": "12/05/2099"},
        files={"piece_jointe": ("ecran.png", PNG, "image/png")},
        page=page,
    )
    other = await form_page(client)
    assert form_id(other.text) != form_id(page.text)
    sent = await submit_form(client, {**VALID_FORM, "capture_gardee": "1"}, page=other)
    assert sent.status_code == 303
    assert await Attachment.count() == 0


async def test_the_error_summary_takes_the_focus_and_links_to_each_field(client):
    response = await submit_form(
        client,
        {**VALID_FORM, "child_birth_date": "12/05/2099", "degre": "", "requester_email": "x"},
    )
    assert response.status_code == 422
    html = text_of(response)
    summary = element(html, role="alert")
    assert summary.id == "erreurs"
    assert summary.attrs["tabindex"] == "-1" and "autofocus" in summary.attrs
    said = {href.removeprefix("#"): text for text, href in links(summary)}
    assert set(said) == {"child_birth_date", "degre-1er", "requester_email"}
    assert said["degre-1er"].startswith("L'élève est\u00a0: ")
    assert "(1er degré)" in said["degre-1er"]
    raised = element(summary, "a", href="#degre-1er").find("sup")  # « 1er », « 2nd »
    assert [sup.text for sup in raised] == ["er", "nd"]
    assert said["requester_email"].startswith("Votre adresse électronique\u00a0: ")
    for anchor in said:  # each link leads to a field of the page
        assert element(html, id=anchor)
    assert "Corrigez les 3 champs signalés" in summary.text


async def suggestions(client, requester_kind: str) -> str:
    page = await form_page(client, categorie="mot_de_passe")
    response = await client.post(
        "/assistance/suggestions",
        data={
            "_csrf_token": csrf_token(page.text),
            "form_id": form_id(page.text),
            "academie": "orleans-tours",
            "category": "mot_de_passe",
            "requester_kind": requester_kind,
            "message": "Mon enfant a perdu son mot de passe, il est élève au collège.",
        },
    )
    assert response.status_code == 200
    return text_of(response)


async def test_the_pupils_answers_are_offered_to_a_pupil_only(client):
    parent = await suggestions(client, "parent")
    assert 'id="suggestion-mot-de-passe-perdu"' in parent
    assert "suggestion-eleve-" not in parent
    pupil = await suggestions(client, "eleve")
    assert 'id="suggestion-eleve-identifiant-mot-de-passe-perdu"' in pupil
    # While typing (the script's fragment), « Je continue ma demande » goes back to the form.
    assert "Je continue ma demande" in parent


async def test_the_verify_step_never_offers_a_pupils_answer_to_a_parent(client):
    check = await submit_form(
        client,
        {
            **VALID_FORM,
            "js": "",
            "category": "mot_de_passe",
            "message": "Mon enfant a perdu son mot de passe, il est élève au collège.",
        },
    )
    assert check.status_code == 200
    html = text_of(check)
    assert 'id="suggestion-mot-de-passe-perdu"' in html
    assert "suggestion-eleve-" not in html
    assert "Je continue ma demande" not in html


async def new_request(client, files=None) -> str:
    response = await submit_form(client, VALID_FORM, files=files)
    return response.headers["location"].split("?")[0]


async def test_solved_asks_to_confirm_then_closes(client):
    url = await new_request(client)
    page = text_of(await client.get(url))
    assert ("Mon problème est résolu", f"{url}/resolu") in links(page)
    confirm = await client.get(f"{url}/resolu")
    assert confirm.status_code == 200
    html = text_of(confirm)
    assert 'name="confirme" value="1"' in html
    assert "Oui, mon problème est résolu" in buttons(html)
    assert ("Non, revenir à ma demande", url) in links(html)
    # A POST that does not confirm (an old page, a double tap) only asks.
    asked = await client.post(
        f"{url}/resolu",
        data={"_csrf_token": csrf_token(confirm.text)},
        follow_redirects=False,
    )
    assert asked.status_code == 303 and asked.headers["location"] == f"{url}/resolu"
    assert (await Ticket.select(Ticket.status).first())["status"] == "nouveau"
    done = await client.post(
        f"{url}/resolu",
        data={"_csrf_token": csrf_token(confirm.text), "confirme": "1"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert (await Ticket.select(Ticket.status).first())["status"] == "clos"
    closed = text_of(await client.get(url))
    assert element_text(closed, id="statut") == "Clôturée"
    assert "Vous avez indiqué que votre problème est résolu." in closed
    assert "Le demandeur indique" not in closed
    assert f"{url}/resolu" not in closed  # nothing left to close


async def test_the_satisfaction_question_closes_in_one_answer(client):
    """« Votre problème est-il résolu ? » (a resolved request) is itself the question: its
    « Oui » carries the confirmation."""
    url = await new_request(client)
    await Ticket.update({Ticket.status: "resolu"}).where(Ticket.id > 0)
    page = await client.get(url)
    satisfaction = text_of(page).split('id="satisfaction"', 1)[1].split("</form>", 1)[0]
    assert 'name="confirme" value="1"' in satisfaction


async def test_follow_up_files_in_ko(client):
    files = {"piece_jointe": ("ecran.png", PNG, "image/png")}
    response = await submit_form(client, VALID_FORM, files=files)
    html = text_of(await client.get(response.headers["location"]))
    assert "ecran.png (2\u00a0Ko)" in html
    assert "Kio" not in html


async def test_the_first_step_summary_takes_the_focus_too(client):
    html = text_of(await client.get("/assistance", params={"etape": "1"}))
    summary = element(html, role="alert")
    assert summary.id == "erreurs"
    assert summary.attrs["tabindex"] == "-1" and "autofocus" in summary.attrs
    assert links(summary) == [
        ("Choisissez votre académie dans la liste.", "#academie"),
        ("Choisissez ce qui ne va pas dans la liste.", "#categories"),
    ]
    assert element(html, id="academie") and element(html, id="categories")


async def test_the_screenshots_of_forms_never_sent_are_forgotten_after_a_day(client, settings):
    import datetime as dt

    from helpdesk.tickets.pending import purge_abandoned_uploads

    await submit_form(
        client,
        {**VALID_FORM, "child_birth_date": "12/05/2099"},
        files={"piece_jointe": ("ecran.png", PNG, "image/png")},
    )
    assert await stored_files(settings, "attachments-pending") == 2  # the bytes, what they are
    now = dt.datetime.now(dt.UTC)
    assert await purge_abandoned_uploads(settings, now) == 0  # kept while the parent may return
    assert await purge_abandoned_uploads(settings, now + dt.timedelta(days=1, minutes=1)) == 2
    assert await stored_files(settings, "attachments-pending") == 0
