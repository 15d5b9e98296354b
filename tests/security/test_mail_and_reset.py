"""Addresses checked by email-validator before they are stored or mailed; a new password link
ends the older ones."""

import re

import pytest

from helpdesk.auth.tables import AuditLog, User
from helpdesk.mail.service import compose_mail
from helpdesk.mail.tables import OutboxMail
from tests.helpers import csrf_token, login, make_staff, staff_post, text_of

INJECTED = [
    "victim@example.org\r\nBcc: espion@pirate.example",
    "victim@example.org\nSubject: Autre objet",
    "victim@example.org, espion@pirate.example",
]


@pytest.mark.parametrize("typed", INJECTED)
async def test_an_injected_address_is_refused_at_account_creation(client, typed):
    await make_staff("admin@ac.fr", role="admin", academie="")
    await login(client, "admin@ac.fr")
    users_before = await User.count()
    refused = await staff_post(
        client,
        "/admin/utilisateurs",
        {"email": typed, "name": "Victime", "role": "agent", "academie": "orleans-tours"},
    )
    assert refused.status_code == 422
    assert "Saisissez une adresse électronique valide" in text_of(refused)
    assert await User.count() == users_before
    assert await OutboxMail.count() == 0
    assert await AuditLog.count().where(AuditLog.action == "compte_cree") == 0


async def test_a_valid_address_is_stored_normalised_and_invited(client):
    await make_staff("admin@ac.fr", role="admin", academie="")
    await login(client, "admin@ac.fr")
    created = await staff_post(
        client,
        "/admin/utilisateurs",
        {"email": " Nouvel.Agent@OT.fr ", "role": "agent", "academie": "orleans-tours"},
    )
    assert created.status_code == 303
    assert await User.exists().where(User.email == "nouvel.agent@ot.fr")
    mail = await OutboxMail.select().first()
    assert mail["recipient"] == "nouvel.agent@ot.fr"


def test_the_outbox_refuses_a_recipient_holding_a_line_break(settings):
    from helpdesk.core.web import make_environment

    jinja = make_environment(settings=settings)
    with pytest.raises(ValueError):
        compose_mail(
            jinja,
            settings,
            to=INJECTED[0],
            subject="Objet",
            template="mot_de_passe_agent",
            context={"user": {"name": "", "email": "x@ot.fr"}, "url": "http://x"},
            kind="invitation",
        )


async def ask_link(client, email: str) -> str:
    page = await client.get("/connexion/mot-de-passe-perdu")
    await client.post(
        "/connexion/mot-de-passe-perdu",
        data={"_csrf_token": csrf_token(page.text), "email": email},
    )
    mail = await OutboxMail.select().order_by(OutboxMail.id, ascending=False).first()
    return re.search(r"(/connexion/nouveau-mot-de-passe/[\w-]+)", mail["text_body"]).group(1)


async def test_a_new_reset_link_ends_the_older_ones(client):
    await make_staff("agent@ot.fr")
    first = await ask_link(client, "agent@ot.fr")
    second = await ask_link(client, "agent@ot.fr")
    assert first != second
    old = await client.get(first)
    assert old.status_code == 404
    assert "Ce lien a expiré ou a déjà servi" in text_of(old)
    page = await client.get(second)
    assert page.status_code == 200
    chosen = await client.post(
        second,
        data={
            "_csrf_token": csrf_token(page.text),
            "password": "Nouveau-Secret-2027",
            "password2": "Nouveau-Secret-2027",
        },
        follow_redirects=False,
    )
    assert chosen.status_code == 303
    assert (await login(client, "agent@ot.fr", "Nouveau-Secret-2027")).status_code == 303


async def test_the_staff_lost_password_page_answers_the_same_for_any_address(client):
    await make_staff("agent@ot.fr")
    answers = []
    for email in ("agent@ot.fr", "personne@ot.fr"):
        page = await client.get("/connexion/mot-de-passe-perdu")
        answer = await client.post(
            "/connexion/mot-de-passe-perdu",
            data={"_csrf_token": csrf_token(page.text), "email": email},
        )
        assert answer.status_code == 200
        answers.append(re.sub(r'value="[0-9a-f]+"', "", answer.text))  # CSRF tokens aside
    assert answers[0] == answers[1]
    mails = await OutboxMail.select(OutboxMail.recipient)
    assert mails == [{"recipient": "agent@ot.fr"}]
