from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import FollowToken, Ticket, TicketEvent
from tests.helpers import VALID_FORM, csrf_token, follow_token, submit_form, text_of


async def new_ticket(client) -> str:
    response = await submit_form(client, VALID_FORM)
    return response.headers["location"].split("?")[0]


async def post_on_follow(client, url: str, action: str, data: dict | None = None):
    page = await client.get(url)
    return await client.post(
        f"{url}/{action}",
        data={"_csrf_token": csrf_token(page.text), **(data or {})},
        files={"piece_jointe": ("", b"")},
        follow_redirects=False,
    )


async def test_follow_page_shows_the_request_and_its_status(client):
    url = await new_ticket(client)
    html = text_of(await client.get(url))
    assert "Reçue, en attente de traitement" in html
    assert "La date de naissance de mon fils est refusée" in html
    assert "Accusé de réception" not in html  # internal events stay internal


async def test_wrong_or_truncated_token_is_a_404(client):
    url = await new_ticket(client)
    assert (await client.get(url[:-1])).status_code == 404
    assert (await client.get("/suivi/" + "a" * 32)).status_code == 404
    assert (await client.get("/suivi/" + "a" * 500)).status_code == 404


async def test_only_the_hash_of_the_token_is_stored(client):
    url = await new_ticket(client)
    token = follow_token(url)
    stored = await FollowToken.select(FollowToken.token_hash).first()
    assert token not in stored["token_hash"]
    assert len(stored["token_hash"]) == 64


async def test_a_reply_is_added_and_reopens_a_waiting_ticket(client):
    url = await new_ticket(client)
    await Ticket.update({Ticket.status: "en_attente"}).where(Ticket.id > 0)
    response = await post_on_follow(client, url, "repondre", {"message": "Voici la classe : CM2."})
    assert response.status_code == 303
    ticket = await Ticket.select().first()
    assert ticket["status"] == "en_cours"
    html = text_of(await client.get(url))
    assert "Voici la classe\u00a0: CM2." in html or "Voici la classe : CM2." in html
    assert "En cours de traitement" in html


async def test_an_empty_reply_is_refused(client):
    url = await new_ticket(client)
    before = await TicketEvent.count()
    response = await post_on_follow(client, url, "repondre", {"message": "   "})
    assert response.status_code == 422
    assert "Écrivez votre réponse." in text_of(response)
    assert await TicketEvent.count() == before


async def test_solved_closes_and_a_later_reply_opens_a_linked_ticket(client):
    url = await new_ticket(client)
    solved = await post_on_follow(client, url, "resolu", {"confirme": "1"})
    assert solved.status_code == 303
    first = await Ticket.select().first()
    assert first["status"] == "clos" and first["closed_at"] is not None
    response = await post_on_follow(client, url, "repondre", {"message": "Le problème revient."})
    assert response.status_code == 303
    assert response.headers["location"].endswith("?nouvelle=1")
    tickets = await Ticket.select().order_by(Ticket.id)
    assert len(tickets) == 2
    assert tickets[1]["parent_ticket"] == tickets[0]["id"]
    assert tickets[1]["status"] == "nouveau"
    assert tickets[1]["reference"] != tickets[0]["reference"]
    assert tickets[1]["message"] == "Le problème revient."


async def test_lost_link_answers_the_same_and_mails_the_open_requests(client):
    await new_ticket(client)
    page = await client.get("/suivi/perdu")
    token = csrf_token(page.text)
    known = await client.post(
        "/suivi/perdu", data={"_csrf_token": token, "email": "Claire.Martin@example.fr"}
    )
    unknown = await client.post(
        "/suivi/perdu", data={"_csrf_token": token, "email": "personne@example.fr"}
    )
    assert known.status_code == unknown.status_code == 200
    assert text_of(known) == text_of(unknown)
    mails = await OutboxMail.select().where(OutboxMail.kind == "liens_de_suivi")
    assert len(mails) == 1
    assert mails[0]["recipient"] == "claire.martin@example.fr"
    link = mails[0]["text_body"].split("http://testserver.local", 1)[1].split()[0]
    assert (await client.get(link)).status_code == 200


async def test_lost_link_is_rate_limited(client):
    await new_ticket(client)
    page = await client.get("/suivi/perdu")
    token = csrf_token(page.text)
    for _ in range(6):
        await client.post(
            "/suivi/perdu", data={"_csrf_token": token, "email": "claire.martin@example.fr"}
        )
    assert await OutboxMail.count().where(OutboxMail.kind == "liens_de_suivi") == 5
    blocked = await client.post(
        "/suivi/perdu", data={"_csrf_token": token, "email": "x@example.fr"}
    )
    assert blocked.status_code == 429


async def test_resolved_requests_close_by_themselves_after_the_delay(client):
    import datetime as dt

    from helpdesk.tickets.service import close_resolved

    await new_ticket(client)
    await new_ticket(client)
    now = dt.datetime.now(dt.UTC)
    ids = [row["id"] for row in await Ticket.select(Ticket.id).order_by(Ticket.id)]
    await Ticket.update(
        {Ticket.status: "resolu", Ticket.resolved_at: now - dt.timedelta(days=8)}
    ).where(Ticket.id == ids[0])
    await Ticket.update(
        {Ticket.status: "resolu", Ticket.resolved_at: now - dt.timedelta(days=2)}
    ).where(Ticket.id == ids[1])
    assert await close_resolved(7) == 1
    statuses = [row["status"] for row in await Ticket.select(Ticket.status).order_by(Ticket.id)]
    assert statuses == ["clos", "resolu"]
    assert await TicketEvent.count().where(TicketEvent.body.like("Close automatiquement%")) == 1
