"""Every mail an account action sends, from the ticket page to a real SMTP server on loopback."""

import io

import pypdf
import pytest

from helpdesk.accounts.port import ACTIVE
from helpdesk.desk.night_changes import tell_applied
from helpdesk.establishments.tables import LetterDelivery
from helpdesk.mail.sender import MailSender
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import Attachment
from tests.factories import accounts, desk_client, school, signed_in_agent, ticket
from tests.helpers import (
    account_action,
    api_ticket,
    text_of,
)
from tests.mail.conftest import SmtpServer


@pytest.fixture
def smtp():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def desk(settings, smtp):
    async with desk_client(
        settings, smtp={"host": "127.0.0.1", "port": smtp.port, "tls": "none"}
    ) as client:
        directory = client.app.state.accounts
        await school(directory)
        ids = await accounts(directory, luc={}, anne={}, nadia={}, leo={"birth_date": "2016-04-03"})
        await directory.add_link(ids["anne"], ids["leo"])
        await signed_in_agent(client)
        client.ids = ids
        client.sender = MailSender(client.app.state.settings)
        yield client


def received(smtp, to: str) -> list:
    return [m for m in smtp.messages if m["To"] == to]


def body_of(message) -> str:
    return message.get_body(("plain",)).get_content()


async def send_all(client) -> None:
    while await client.sender.run_once():
        pass


async def test_each_action_mail_reaches_the_smtp_server(desk, smtp):
    ids = desk.ids
    anne_ticket = await ticket(
        desk, category="identifiant_perdu", requester={"email": "anne.morel@example.fr"}
    )
    await send_all(desk)
    assert len(received(smtp, "anne.morel@example.fr")) == 1  # the acknowledgment

    # remind_identifier: the identifier, to the account's confirmed address
    assert (
        await account_action(desk, anne_ticket, ids["anne"], "remind_identifier", "a1")
    ).status_code == 303
    await send_all(desk)
    [reminder] = received(smtp, "anne.morel@example.fr")[1:]
    assert ids["anne"] in body_of(reminder)

    # regenerate_identifier: nothing now, the new identifier after the night
    assert (
        await account_action(desk, anne_ticket, ids["anne"], "regenerate_identifier", "a2")
    ).status_code == 303
    await send_all(desk)
    assert len(received(smtp, "anne.morel@example.fr")) == 2
    [done] = await desk.app.state.accounts.apply_pending_changes()
    await tell_applied(desk.app.state)
    await send_all(desk)
    told = received(smtp, "anne.morel@example.fr")[2]
    assert done["identifier"] in body_of(told) and anne_ticket in told["Subject"]
    anne = done["identifier"]

    # inform by mail with a new password: to a verified requester (the confirmed address) only
    mdp_ticket = await ticket(
        desk, category="mot_de_passe", requester={"email": "anne.morel@example.fr"}
    )
    informed = await account_action(
        desk, mdp_ticket, anne, "inform", "a3", mode="mail", reset_password="1"
    )
    assert informed.status_code == 303, text_of(informed)
    await send_all(desk)
    account = await desk.app.state.accounts.get(anne, "orleans-tours")
    assert account.provisional_password
    assert [
        m
        for m in received(smtp, "anne.morel@example.fr")
        if account.provisional_password in body_of(m)
    ]
    nadia_ticket = await api_ticket(desk, category="mot_de_passe")
    refused = await account_action(desk, nadia_ticket, ids["nadia"], "inform", "n1", mode="mail")
    assert refused.status_code == 422 and "pas vérifié" in text_of(refused)
    assert await OutboxMail.count().where(OutboxMail.recipient == "nadia@example.org") == 0

    # reset_password: the new provisional password by mail to the confirmed address...
    reset = await account_action(desk, mdp_ticket, anne, "reset_password", "a4")
    assert reset.status_code == 303, text_of(reset)
    await send_all(desk)
    account = await desk.app.state.accounts.get(anne, "orleans-tours")
    [by_mail] = [
        m
        for m in received(smtp, "anne.morel@example.fr")
        if account.provisional_password in body_of(m)
    ]
    assert anne in body_of(by_mail)
    # ... and on a letter for the school when the requester is not verified
    before = await Attachment.count()
    reset = await account_action(desk, nadia_ticket, ids["luc"], "reset_password", "l0")
    assert reset.status_code == 303, text_of(reset)
    assert await Attachment.count() == before + 1
    [delivery] = await LetterDelivery.select().where(LetterDelivery.account == ids["luc"])
    assert delivery["uai"] == "0450782F"
    assert await OutboxMail.count().where(OutboxMail.recipient == "luc.bernard@exemple.fr") == 0
    luc_password = await desk.app.state.accounts.get(ids["luc"], "orleans-tours")
    letter_file = await desk.get(f"/agent/tickets/{nadia_ticket}/pieces/{delivery['attachment']}")
    pdf_text = pypdf.PdfReader(io.BytesIO(letter_file.content)).pages[0].extract_text()
    assert luc_password.provisional_password in pdf_text

    # update_email then resend_confirmation_mail: each a working confirmation link
    mail_ticket = await api_ticket(desk, category="mail_confirmation", activation_email="x@y.fr")
    fixed = await account_action(
        desk, mail_ticket, ids["luc"], "update_email", "l1", email="luc.bernard@example.fr"
    )
    assert fixed.status_code == 303, text_of(fixed)
    again = await account_action(desk, mail_ticket, ids["luc"], "resend_confirmation_mail", "l2")
    assert again.status_code == 303, text_of(again)
    await send_all(desk)
    links = [
        body_of(m).split("http://testserver.local", 1)[1].split()[0]
        for m in received(smtp, "luc.bernard@example.fr")
    ]
    assert len(links) == 2 and all(link.startswith("/comptes/confirmer/") for link in links)
    assert (await desk.get(links[-1])).status_code == 200
    assert (await desk.app.state.accounts.get(ids["luc"], "orleans-tours")).state == ACTIVE

    # nothing failed or waits in the outbox, and no mail but the letter holds the password
    assert await OutboxMail.count().where(OutboxMail.status != "sent") == 0
    with_password = [m for m in smtp.messages if account.provisional_password in body_of(m)]
    assert with_password == [by_mail]
