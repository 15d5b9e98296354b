"""The « Compte ÉduConnect » panel: an agent resolves a ticket through the account port."""

import io
import json

import pypdf
import pytest
from litestar.testing import AsyncTestClient

from helpdesk.accounts.port import ACTIVE
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import Attachment, Ticket, TicketEvent
from tests.factories import (
    BASE,
    LYONNAIS,
    TILLEULS,
    accounts,
    desk_client,
    school,
    school_staff,
    signed_in_agent,
)
from tests.helpers import (
    VALID_API,
    account_action,
    api_ticket,
    csrf_token,
    login,
    text_of,
)


@pytest.fixture
async def desk(settings):
    async with desk_client(settings) as client:
        directory = client.app.state.accounts
        await school(directory)
        await school(directory, LYONNAIS, "Collège Lyonnais", academie="lyon")
        ids = await accounts(directory, luc={"mobile": "0622222222"}, emma={})
        await directory.add_link(ids["luc"], ids["emma"])
        ids |= await accounts(directory, LYONNAIS, jean={})
        ids |= await accounts(directory, nadia={})
        await signed_in_agent(client)
        client.ids = ids
        yield client


async def step(client, reference: str, data: dict):
    page = await client.get(f"/agent/tickets/{reference}")
    return await client.post(
        f"/agent/tickets/{reference}",
        data={"_csrf_token": csrf_token(page.text), **data},
        follow_redirects=False,
    )


async def test_agent_fixes_the_address_and_the_confirmation_link_activates_the_account(desk):
    luc = desk.ids["luc"]
    reference = await api_ticket(
        desk,
        category="mail_confirmation",
        activation_email="luc.bernard@exemple.fr",
        requester={**VALID_API["requester"], "first_name": "Luc", "last_name": "Bernard"},
        child={**VALID_API["child"], "first_name": "Emma", "last_name": "Bernard"},
    )
    page = text_of(await desk.get(f"/agent/tickets/{reference}"))
    assert luc in page and desk.ids["jean"] not in page  # Lyon's Bernard is not found
    detail = text_of(await desk.get(f"/agent/tickets/{reference}", params={"compte": luc}))
    assert "En cours d'activation" in detail and "Modifier l'adresse mail" in detail
    ticket = await Ticket.select().first()
    confirm = await step(
        desk,
        reference,
        {
            "action": "compte_verifier",
            "version": ticket["version"],
            "compte": luc,
            "compte_action": "update_email",
            "p_email": "luc.bernard@example.fr",
        },
    )
    html = text_of(confirm)
    assert "Confirmer" in html and "luc.bernard@example.fr" in html
    assert await TicketEvent.count().where(TicketEvent.kind == "compte") == 0  # nothing done yet
    key = confirm.text.split('name="cle" value="')[1].split('"')[0]
    data = {
        "action": "compte_executer",
        "version": ticket["version"],
        "compte": luc,
        "compte_action": "update_email",
        "p_email": "luc.bernard@example.fr",
        "cle": key,
        "resoudre": "1",
    }
    done = await step(desk, reference, data)
    assert done.status_code == 303
    again = await step(
        desk, reference, data
    )  # a repeated call with the same key does the work once
    assert again.status_code == 303
    mails = await OutboxMail.select().where(OutboxMail.recipient == "luc.bernard@example.fr")
    assert len(mails) == 1
    link = mails[0]["text_body"].split("http://testserver.local", 1)[1].split()[0]
    assert link.startswith("/comptes/confirmer/")
    assert (await desk.get(link)).status_code == 200
    account = await desk.app.state.accounts.get(luc, "orleans-tours")
    assert account.state == ACTIVE and account.email_confirmed
    events = await TicketEvent.select().where(TicketEvent.kind == "compte")
    # the replay with the same key wrote no second entry
    assert len(events) == 1 and "luc.bernard@example.fr" in str(events[0]["data"])
    assert (await Ticket.select().first())["status"] == "resolu"


async def test_an_action_outside_the_playbook_or_refused_changes_nothing(desk):
    reference = await api_ticket(
        desk, category="mail_confirmation", activation_email="x@example.fr"
    )
    ticket = await Ticket.select().first()
    refused = await step(
        desk,
        reference,
        {
            "action": "compte_executer",
            "version": ticket["version"],
            "compte": desk.ids["luc"],
            "compte_action": "reset_password",
            "cle": "k1",
        },
    )
    assert refused.status_code == 422
    assert "pas prévue pour la catégorie" in text_of(refused)
    other = await step(
        desk,
        reference,
        {
            "action": "compte_executer",
            "version": ticket["version"],
            "compte": desk.ids["jean"],
            "compte_action": "resend_confirmation_mail",
            "cle": "k2",
        },
    )
    assert other.status_code == 422  # Lyon's account: not found for an Orléans-Tours agent
    failed = await TicketEvent.select().where(TicketEvent.kind == "compte").first()
    assert "échec, rien n'a changé" in failed["body"]


async def test_inform_makes_a_printable_letter_attached_to_the_ticket(desk):
    nadia = desk.ids["nadia"]
    reference = await api_ticket(desk, category="mot_de_passe")
    ticket = await Ticket.select().first()
    done = await step(
        desk,
        reference,
        {
            "action": "compte_executer",
            "version": ticket["version"],
            "compte": nadia,
            "compte_action": "inform",
            "p_mode": "courrier",
            "p_reset_password": "1",
            "cle": "k3",
        },
    )
    assert done.status_code == 303, text_of(done)
    letter = await Attachment.select().where(Attachment.content_type == "application/pdf").first()
    assert letter is not None
    pdf = await desk.get(f"/agent/tickets/{reference}/pieces/{letter['id']}")
    text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Nadia Haddad" in text and nadia in text and "Mot de passe provisoire" in text
    # the parent's follow-up page never offers the letter
    follow = (
        (await OutboxMail.select().first())["text_body"]
        .split("http://testserver.local", 1)[1]
        .split()[0]
    )
    token = follow.split("/suivi/")[1]
    assert (await desk.get(f"/suivi/{token}/pieces/{letter['id']}")).status_code == 404


async def test_api_action_with_an_idempotency_key(desk):
    from tests.helpers import STAFF_PASSWORD

    token = (
        await desk.post(
            "/api/v1/auth/login", json={"email": "agent@ot.fr", "password": STAFF_PASSWORD}
        )
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "action-1"}
    reference = await api_ticket(desk, category="auto_inscription")
    body = {
        "action": "update_mobile",
        "account": desk.ids["luc"],
        "params": {"mobile": "06 33 44 55 66"},
    }
    first = await desk.post(f"/api/v1/tickets/{reference}/actions", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert first.json()["data"]["action"] == "update_mobile"
    again = await desk.post(f"/api/v1/tickets/{reference}/actions", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json()["data"]["resultat"]["replayed"] is True
    refused = await desk.post(
        f"/api/v1/tickets/{reference}/actions",
        json={**body, "action": "inform"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert refused.status_code == 409


async def test_the_letter_is_offered_to_the_accounts_school_to_hand_over(desk):
    from helpdesk.establishments.tables import LetterDelivery

    nadia = desk.ids["nadia"]
    reference = await api_ticket(desk, category="mot_de_passe")
    done = await account_action(desk, reference, nadia, "inform", "k-lettre", mode="courrier")
    assert done.status_code == 303, text_of(done)
    [delivery] = await LetterDelivery.select()
    assert delivery["uai"] == TILLEULS and delivery["account"] == nadia

    await school_staff("ce@tilleuls.fr", [TILLEULS], "Inès Garnier", academie="")
    await school_staff("ce@lyon.fr", [LYONNAIS], "Paul Rey", academie="")
    tilleuls = AsyncTestClient(app=desk.app, base_url=BASE)
    async with tilleuls:
        await login(tilleuls, "ce@tilleuls.fr")
        home = await tilleuls.get("/etablissement")
        assert nadia in text_of(home) and "Marquer comme remis" in text_of(home)
        pdf = await tilleuls.get(f"/etablissement/courriers/{delivery['id']}")
        assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
        text = pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
        assert "Nadia Haddad" in text and nadia in text
        handed = await tilleuls.post(
            f"/etablissement/courriers/{delivery['id']}/remis",
            data={"_csrf_token": csrf_token(home.text)},
            follow_redirects=False,
        )
        assert handed.status_code == 303
        assert "Remis le" in text_of(await tilleuls.get("/etablissement"))
    event = await TicketEvent.select().where(TicketEvent.kind == "courrier").first()
    assert "remis à la famille" in event["body"] and not event["public"]
    # In the audit log too, as the letters of an action on many accounts
    from helpdesk.auth.tables import AuditLog

    [entry] = await AuditLog.select().where(AuditLog.action == "courriers_remis")
    detail = entry["detail"] if isinstance(entry["detail"], dict) else json.loads(entry["detail"])
    assert detail["uai"] == TILLEULS and detail["comptes"] == [nadia]
    other = AsyncTestClient(app=desk.app, base_url=BASE)
    async with other:
        await login(other, "ce@lyon.fr")
        assert nadia not in text_of(await other.get("/etablissement"))
        assert (await other.get(f"/etablissement/courriers/{delivery['id']}")).status_code == 404
        assert (
            await other.post(f"/etablissement/courriers/{delivery['id']}/remis")
        ).status_code in (403, 404)
    # an agent (still logged in here) is not the school's staff: sent to the login page
    refused = await desk.get(f"/etablissement/courriers/{delivery['id']}")
    assert refused.headers["content-type"].startswith("text/html")
    assert "Connexion" in text_of(refused)
