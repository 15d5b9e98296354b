import datetime as dt

import pytest

from helpdesk.contacts.hours import PARIS
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.sla import add_working_time, working_minutes_between
from helpdesk.tickets.tables import Ticket, TicketEvent
from tests.factories import agent, desk_client, school_staff, supervisor
from tests.helpers import (
    VALID_API,
    api_ticket,
    bearer,
    csrf_token,
    login,
    staff_post,
    text_of,
)


@pytest.fixture
async def agent_client(settings):
    # many tickets are created through the API here
    async with desk_client(settings) as client:
        await agent()
        await agent("agent@lyon.fr", "Inès Garnier", academie="lyon")
        await login(client, "agent@ot.fr")
        yield client


async def test_queue_shows_only_the_agents_academie(agent_client):
    ot = await api_ticket(agent_client)
    lyon = await api_ticket(agent_client, academie="lyon", uai="")
    html = text_of(await agent_client.get("/agent"))
    assert ot in html and lyon not in html
    assert (await agent_client.get(f"/agent/tickets/{lyon}")).status_code == 404
    headers = await bearer(agent_client, "agent@ot.fr")
    assert (await agent_client.get(f"/api/v1/tickets/{lyon}", headers=headers)).status_code == 404
    items = (await agent_client.get("/api/v1/tickets", headers=headers)).json()["items"]
    assert [i["reference"] for i in items] == [ot]


async def test_establishment_and_admin_do_not_see_academy_tickets(client):
    await school_staff("ecole@ot.fr", ["0450782F"], "")
    reference = await api_ticket(client)
    await login(client, "ecole@ot.fr")
    assert (
        await client.get(f"/agent/tickets/{reference}", follow_redirects=False)
    ).status_code == 303
    response = await client.get("/agent", follow_redirects=False)
    assert response.status_code == 303  # not an agent: back to login
    headers = await bearer(client, "ecole@ot.fr")
    assert (await client.get("/api/v1/tickets", headers=headers)).status_code == 401


async def test_filters_search_and_keyset_paging(agent_client):
    for n in range(30):
        await api_ticket(
            agent_client,
            message=f"Message numéro {n} sur la date refusée.",
            child={**VALID_API["child"], "last_name": "Éléonore" if n == 7 else "Martin"},
        )
    await api_ticket(agent_client, category="mot_de_passe")
    headers = await bearer(agent_client, "agent@ot.fr")
    first = (await agent_client.get("/api/v1/tickets", headers=headers)).json()
    assert len(first["items"]) == 25 and first["next_cursor"]
    second = (
        await agent_client.get(
            "/api/v1/tickets", params={"cursor": first["next_cursor"]}, headers=headers
        )
    ).json()
    assert len(second["items"]) == 6 and second["next_cursor"] is None
    refs = [i["reference"] for i in first["items"] + second["items"]]
    assert len(set(refs)) == 31 and refs == sorted(refs, reverse=True)
    by_category = (
        await agent_client.get(
            "/api/v1/tickets", params={"category": "mot_de_passe"}, headers=headers
        )
    ).json()
    assert len(by_category["items"]) == 1
    found = (
        await agent_client.get("/api/v1/tickets", params={"q": "eleonore"}, headers=headers)
    ).json()["items"]
    assert len(found) == 1 and found[0]["child_last_name"] == "Éléonore"
    html = text_of(await agent_client.get("/agent", params={"q": "ÉLÉONORE"}))
    assert found[0]["reference"] in html
    oldest = (
        await agent_client.get("/api/v1/tickets", params={"sort": "ancien"}, headers=headers)
    ).json()
    assert oldest["items"][0]["reference"].endswith("000001")


async def test_take_reply_and_parent_sees_it(agent_client):
    reference = await api_ticket(agent_client)
    page = await agent_client.get(f"/agent/tickets/{reference}")
    html = text_of(page)
    assert "Comparer la date refusée" in html  # the category's checklist
    version = int(page.text.split('name="version" value="')[1].split('"')[0])
    taken = await agent_client.post(
        f"/agent/tickets/{reference}",
        data={"_csrf_token": csrf_token(page.text), "action": "prendre", "version": version},
        follow_redirects=False,
    )
    assert taken.status_code == 303
    ticket = await Ticket.select().first()
    assert ticket["status"] == "en_cours" and ticket["assignee_id"] is not None
    reply = await staff_post(
        agent_client,
        f"/agent/tickets/{reference}",
        {
            "action": "repondre",
            "version": ticket["version"],
            "status": "en_attente",
            "body": "Pouvez-vous nous indiquer la classe de Léo ?",
        },
    )
    assert reply.status_code == 303
    ticket = await Ticket.select().first()
    assert ticket["status"] == "en_attente" and ticket["first_response_at"] is not None
    mail = await OutboxMail.select().where(OutboxMail.kind == "reponse_agent").first()
    assert "Pouvez-vous nous indiquer la classe de Léo" in mail["text_body"]
    follow = mail["text_body"].split("http://testserver.local", 1)[1].split()[0]
    parent_page = text_of(await agent_client.get(follow))
    assert "Pouvez-vous nous indiquer la classe de Léo" in parent_page
    assert "En attente de votre réponse" in parent_page


async def test_internal_note_stays_internal(agent_client):
    reference = await api_ticket(agent_client)
    ticket = await Ticket.select().first()
    await staff_post(
        agent_client,
        f"/agent/tickets/{reference}",
        {"action": "note", "version": ticket["version"], "body": "Appeler l'école demain."},
    )
    assert await TicketEvent.count().where(TicketEvent.kind == "note") == 1
    assert await OutboxMail.count().where(OutboxMail.kind == "reponse_agent") == 0
    follow = (
        (await OutboxMail.select().first())["text_body"]
        .split("http://testserver.local", 1)[1]
        .split()[0]
    )
    assert "Appeler l'école demain." not in text_of(await agent_client.get(follow))


async def test_a_change_on_a_stale_page_is_refused_not_lost(agent_client):
    reference = await api_ticket(agent_client)
    page = await agent_client.get(f"/agent/tickets/{reference}")
    stale_version = int(page.text.split('name="version" value="')[1].split('"')[0])
    headers = await bearer(agent_client, "agent@ot.fr")
    await agent_client.patch(
        f"/api/v1/tickets/{reference}", json={"priority": "haute"}, headers=headers
    )
    response = await agent_client.post(
        f"/agent/tickets/{reference}",
        data={
            "_csrf_token": csrf_token(page.text),
            "action": "repondre",
            "version": stale_version,
            "body": "Ma réponse écrite sur une page périmée.",
        },
    )
    assert response.status_code == 409
    html = text_of(response)
    assert "modifiée par quelqu'un d'autre" in html
    assert "Ma réponse écrite sur une page périmée." in html  # the draft is given back
    assert await TicketEvent.count().where(TicketEvent.kind == "reponse") == 0
    api = await agent_client.patch(
        f"/api/v1/tickets/{reference}",
        json={"status": "resolu", "version": stale_version},
        headers=headers,
    )
    assert api.status_code == 409


async def test_api_patch_and_messages(agent_client):
    reference = await api_ticket(agent_client)
    headers = await bearer(agent_client, "agent@ot.fr")
    lyon_agent = await agent_client.get(
        "/api/v1/tickets", headers=await bearer(agent_client, "agent@lyon.fr")
    )
    assert lyon_agent.json()["items"] == []
    other = await agent_client.patch(
        f"/api/v1/tickets/{reference}", json={"assignee": 999}, headers=headers
    )
    assert other.status_code == 422
    bad = await agent_client.patch(
        f"/api/v1/tickets/{reference}", json={"status": "perdu"}, headers=headers
    )
    assert bad.status_code == 422 and "Statut inconnu" in bad.json()["errors"]["_"]
    ok = await agent_client.patch(
        f"/api/v1/tickets/{reference}",
        json={"status": "en_cours", "category": "rattachement"},
        headers=headers,
    )
    assert ok.status_code == 200 and ok.json()["category"] == "rattachement"
    message = await agent_client.post(
        f"/api/v1/tickets/{reference}/messages",
        json={"body": "Réponse", "internal": False},
        headers=headers,
    )
    assert message.status_code == 201
    detail = (await agent_client.get(f"/api/v1/tickets/{reference}", headers=headers)).json()
    assert [e["kind"] for e in detail["events"]].count("reponse") == 1
    assert (
        await agent_client.get("/api/v1/tickets/OT-2026-999999", headers=headers)
    ).status_code == 404


async def test_bulk_take(agent_client):
    refs = [await api_ticket(agent_client) for _ in range(3)]
    page = await agent_client.get("/agent")
    response = await agent_client.post(
        "/agent/lot",
        data={"_csrf_token": csrf_token(page.text), "action": "prendre", "ref": refs},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert await Ticket.count().where(Ticket.status == "en_cours") == 3


def paris(*args):
    return dt.datetime(*args, tzinfo=PARIS)


def test_sla_over_a_night_and_a_weekend():
    friday_evening = paris(2026, 11, 27, 17, 0)
    assert add_working_time(friday_evening, 8 * 60) == paris(2026, 11, 30, 15, 0).astimezone(dt.UTC)
    night = paris(2026, 11, 25, 22, 0)  # Wednesday night: starts Thursday 8 h
    assert add_working_time(night, 60) == paris(2026, 11, 26, 9, 0).astimezone(dt.UTC)
    assert working_minutes_between(friday_evening, paris(2026, 11, 30, 9, 0)) == 120
    # 11 novembre (public holiday) is skipped
    assert add_working_time(paris(2026, 11, 10, 17, 0), 120) == paris(
        2026, 11, 12, 9, 0
    ).astimezone(dt.UTC)


async def test_waiting_for_the_requester_pauses_the_clock(agent_client):
    reference = await api_ticket(agent_client)
    headers = await bearer(agent_client, "agent@ot.fr")
    before = (await Ticket.select().first())["resolution_due_at"]
    await agent_client.patch(
        f"/api/v1/tickets/{reference}", json={"status": "en_attente"}, headers=headers
    )
    paused = dt.datetime.now(dt.UTC) - dt.timedelta(days=7)
    await Ticket.update({Ticket.sla_paused_at: paused}).where(Ticket.reference == reference)
    await agent_client.patch(
        f"/api/v1/tickets/{reference}", json={"status": "en_cours"}, headers=headers
    )
    after = (await Ticket.select().first())["resolution_due_at"]
    assert after > before  # the week spent waiting was given back


async def test_supervisor_statistics_and_csv(agent_client):
    await supervisor(name="")
    await api_ticket(agent_client)
    await api_ticket(agent_client, category="mot_de_passe")
    assert (
        await agent_client.get("/agent/statistiques", follow_redirects=False)
    ).status_code == 303  # agents: no
    await login(agent_client, "chef@ot.fr")
    html = text_of(await agent_client.get("/agent/statistiques"))
    assert "Date de naissance" in html and "Mot de passe" in html
    assert "Formulaires où des réponses ont été proposées" in html
    csv = await agent_client.get("/agent/statistiques.csv")
    assert csv.headers["content-type"].startswith("text/csv")
    assert "date_naissance;nouveau;1" in csv.text


async def test_ticket_page_proposes_the_suggested_category(agent_client):
    reference = await api_ticket(
        agent_client,
        category="autre",
        message="Mon deuxième enfant n'apparaît pas dans mon compte, il manque, comment le rattacher ?",
    )
    page = await agent_client.get(f"/agent/tickets/{reference}")
    assert 'id="categorie-suggeree"' in page.text
    version = int(page.text.split('name="version" value="')[1].split('"')[0])
    await agent_client.post(
        f"/agent/tickets/{reference}",
        data={
            "_csrf_token": csrf_token(page.text),
            "action": "modifier",
            "version": version,
            "category": "rattachement",
        },
    )
    assert (await Ticket.select(Ticket.category).first())["category"] == "rattachement"


async def test_merge_a_duplicate_into_another_ticket(agent_client):
    first = await api_ticket(agent_client)
    duplicate = await api_ticket(agent_client)
    ticket = await Ticket.select().where(Ticket.reference == duplicate).first()
    await staff_post(
        agent_client,
        f"/agent/tickets/{duplicate}",
        {"action": "fusionner", "version": ticket["version"], "target": first},
    )
    merged = await Ticket.select().where(Ticket.reference == duplicate).first()
    assert merged["status"] == "clos"
    assert await TicketEvent.count().where(TicketEvent.kind == "fusion") == 2
    refused = await staff_post(
        agent_client,
        f"/agent/tickets/{first}",
        {
            "action": "fusionner",
            "version": (await Ticket.select().where(Ticket.reference == first).first())["version"],
            "target": "OT-0000-000000",
        },
    )
    assert refused.status_code == 422


async def test_transfer_flags_a_uai_of_another_academie(agent_client):
    reference = await api_ticket(agent_client)  # UAI 0450782F: Orléans-Tours
    ticket = await Ticket.select().first()
    await staff_post(
        agent_client,
        f"/agent/tickets/{reference}",
        {"action": "transferer", "version": ticket["version"], "academie": "lyon"},
    )
    moved = await Ticket.select().first()
    assert moved["academie"] == "lyon"
    event = await TicketEvent.select().where(TicketEvent.kind == "transfert").first()
    assert "n'appartient pas à l'académie Lyon" in event["body"]
    assert "Orléans-Tours → Lyon" in event["body"]
    assert (
        await agent_client.get(f"/agent/tickets/{reference}")
    ).status_code == 404  # gone from OT
    await login(agent_client, "agent@lyon.fr")
    page = text_of(await agent_client.get(f"/agent/tickets/{reference}"))
    assert "cette demande est peut-être mal orientée" in page


async def test_canned_answers_and_faq_answers_are_insertable(agent_client):
    await supervisor(name="")
    await login(agent_client, "chef@ot.fr")
    await staff_post(
        agent_client,
        "/agent/reponses-types",
        {"title": "Date corrigée", "body": "La date est corrigée : reprenez l'activation demain."},
    )
    reference = await api_ticket(agent_client)
    from helpdesk.desk.tables import CannedAnswer

    canned = await CannedAnswer.select().first()
    filled = text_of(
        await agent_client.get(f"/agent/tickets/{reference}", params={"modele": canned["id"]})
    )
    assert "reprenez l'activation demain" in filled
    faq = text_of(
        await agent_client.get(f"/agent/tickets/{reference}", params={"faq": "identifiant-perdu"})
    )
    box = faq.split('name="body"', 1)[1].split("</textarea>", 1)[0]
    assert "identifiant" in box and len(box) > 100


async def test_mark_spam(agent_client):
    reference = await api_ticket(agent_client)
    ticket = await Ticket.select().first()
    await staff_post(
        agent_client,
        f"/agent/tickets/{reference}",
        {"action": "spam", "version": ticket["version"]},
    )
    assert (await Ticket.select().first())["status"] == "spam"


async def test_supervisor_sets_the_targets_that_new_tickets_follow(agent_client):
    await supervisor(name="")
    await login(agent_client, "chef@ot.fr")
    form = {
        f"{c}_premiere": "8"
        for c in (
            "date_naissance",
            "rattachement",
            "mail_confirmation",
            "identifiant_perdu",
            "mot_de_passe",
            "auto_inscription",
            "compte_compromis",
            "demarche_en_ligne",
            "etablissement_console",
            "autre",
        )
    }
    form |= {k.replace("_premiere", "_resolution"): "40" for k in list(form)}
    bad = await staff_post(agent_client, "/agent/echeances", {**form, "autre_premiere": "50"})
    assert bad.status_code == 422 and "avant la résolution" in text_of(bad)
    await staff_post(
        agent_client,
        "/agent/echeances",
        {**form, "date_naissance_premiere": "1", "date_naissance_resolution": "2"},
    )
    await api_ticket(agent_client)
    ticket = await Ticket.select().first()
    span = working_minutes_between(ticket["created_at"], ticket["first_response_due_at"])
    assert abs(span - 60) < 1


async def test_a_reference_is_found_directly_whatever_its_status(agent_client):
    first = await api_ticket(agent_client)
    await api_ticket(agent_client)
    await Ticket.update({Ticket.status: "clos"}).where(Ticket.reference == first)
    headers = await bearer(agent_client, "agent@ot.fr")
    found = (
        await agent_client.get(
            "/api/v1/tickets", params={"q": first.lower(), "status": "clos"}, headers=headers
        )
    ).json()
    assert [i["reference"] for i in found["items"]] == [first]
