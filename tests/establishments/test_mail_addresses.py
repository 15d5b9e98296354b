"""« Paramètres des courriers » (guide §7) in the mails of « Informer », not only in its letters:
the school's address first, then the académie's, then the default of the settings; sent from a
ticket and in bulk from a school's list (through the HTTP account adapter), read as the real
SMTP server received them."""

from __future__ import annotations

import pytest

from helpdesk.mail.sender import MailSender
from tests.establishments.conftest import TILLEULS, demo_people
from tests.establishments.test_bulk import ask
from tests.helpers import (
    VALID_API,
    account_action,
    api_ticket,
    login,
    make_staff,
    staff_post,
    text_of,
)
from tests.mail.conftest import smtp_server  # noqa: F401 (a fixture here too)

LYCEE = "0451042N"  # another school of the académie, without addresses of its own
DEFAULT_PAGE = "https://assistance.ac-orleans-tours.fr/comptes"  # HELPDESK_LETTER_URL
ACADEMIE_PAGE = "https://www.ac-orleans-tours.fr/educonnect"
SCHOOL_PAGE = "https://tilleuls.example.fr/familles"
SCHOOL_ENT = "https://ent.tilleuls.example.fr"
SCOLARITE_SERVICES = "https://teleservices.education.gouv.fr"


def confirmed_responsables(uai: str) -> list:
    """Responsables of the school whose confirmed address may receive « Informer »."""
    return [
        p
        for p in demo_people().people
        if p.kind == "responsable"
        and p.uai == uai
        and p.state == "Activé"
        and p.email
        and p.email_confirmed
        and not p.flags
    ]


async def received(settings, server, person) -> list[str]:
    """Sends what waits in the outbox; the plain and HTML bodies of the mails « Informer » sent
    the person, as the server got them (not the acknowledgment of their ticket)."""
    sender = MailSender(settings)
    while await sender.run_once():
        pass
    return [
        part.get_content()
        for message in server.messages
        if message["To"] == person.email
        and person.identifier in message.get_body(("plain",)).get_content()
        for part in (message.get_body(("plain",)), message.get_body(("html",)))
    ]


async def inform_from_a_ticket(client, person, key: str) -> None:
    """An agent informs the account by mail from the ticket its holder wrote from the account's
    confirmed address (a verified requester)."""
    reference = await api_ticket(
        client,
        category="mot_de_passe",
        uai=person.uai,
        requester={**VALID_API["requester"], "email": person.email},
    )
    done = await account_action(client, reference, person.identifier, "inform", key, mode="mail")
    assert done.status_code == 303, text_of(done)[:300]


@pytest.mark.settings(letters={"url": DEFAULT_PAGE})
async def test_informer_mails_give_the_school_then_the_academie_then_the_default(
    over_http,
    smtp_server,  # noqa: F811 (the fixture of tests/mail)
):
    client = over_http
    settings = client.app_state.settings.with_changes(
        smtp={"host": "127.0.0.1", "port": smtp_server.port, "tls": "none"}
    )
    lycee = confirmed_responsables(LYCEE)
    tilleuls = confirmed_responsables(TILLEULS)
    assert len(lycee) >= 2 and len(tilleuls) >= 3

    # Nothing set: the default of the settings.
    await login(client, "agent@ot.fr")
    await inform_from_a_ticket(client, lycee[0], "defaut")
    bodies = await received(settings, smtp_server, lycee[0])
    assert len(bodies) == 2  # one mail, its plain and HTML parts
    for body in bodies:
        assert SCOLARITE_SERVICES in body and DEFAULT_PAGE in body

    # The académie's page, then the school's own addresses.
    await make_staff("chef@ot.fr", role="supervisor", name="Marc Petit")
    await login(client, "chef@ot.fr")
    saved = await staff_post(client, "/agent/etablissements/parametres", {"page": ACADEMIE_PAGE})
    assert saved.status_code == 303
    await login(client, "ecole@ot.fr")
    saved = await staff_post(
        client,
        f"/etablissement/comptes/{TILLEULS}/parametres",
        {"page": SCHOOL_PAGE, "ent": SCHOOL_ENT},
    )
    assert saved.status_code == 303

    # In bulk from the school's list: the school's page, never the académie's.
    chosen = tilleuls[:2]
    _confirm, done = await ask(
        client, "responsables", "inform", [p.identifier for p in chosen], mode="mail"
    )
    assert "2 par mail" in text_of(done)
    for person in chosen:
        bodies = await received(settings, smtp_server, person)
        assert len(bodies) == 2
        for body in bodies:
            assert SCOLARITE_SERVICES in body and SCHOOL_PAGE in body
            assert ACADEMIE_PAGE not in body and DEFAULT_PAGE not in body

    # Singly from a ticket: the school's for its account, the académie's for another school.
    await login(client, "agent@ot.fr")
    await inform_from_a_ticket(client, tilleuls[2], "ecole")
    await inform_from_a_ticket(client, lycee[1], "academie")
    for person, page, others in (
        (tilleuls[2], SCHOOL_PAGE, (ACADEMIE_PAGE, DEFAULT_PAGE)),
        (lycee[1], ACADEMIE_PAGE, (SCHOOL_PAGE, DEFAULT_PAGE)),
    ):
        bodies = await received(settings, smtp_server, person)
        assert len(bodies) == 2
        for body in bodies:
            assert page in body and not any(other in body for other in others)
