"""No account handed to a stranger: who the requester is, the account tied to the ticket, the
legal representative's report, the confirmation step, replays. The desk reaches the accounts
through the real HTTP account API (a second app on the same database, served on loopback)."""

import re

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.accounts.http import HttpAccountService
from helpdesk.accounts.service import local_directory
from helpdesk.app import create_app
from helpdesk.establishments.tables import LetterDelivery
from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import Ticket, TicketEvent
from tests.accounts.conftest import ServerThread
from tests.factories import accounts, school, signed_in_agent
from tests.helpers import (
    STAFF_PASSWORD,
    VALID_API,
    account_action,
    api_ticket,
    staff_post,
    text_of,
)

API_KEY = "cle-api-comptes-du-guichet"
ANNE = "anne.morel@example.fr"


@pytest.fixture(scope="module")
def account_api():
    server = ServerThread()
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def desk(settings, account_api):
    settings = settings.with_changes(rate_limits={"disabled": True}, accounts={"api_key": API_KEY})
    account_api.app = create_app(settings)  # the account API, on the same database
    app = create_app(settings)
    app.state.accounts = HttpAccountService(account_api.url, API_KEY, timeout=10.0)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        directory = local_directory(settings, app.state)
        await school(directory, name="Lycée des Coteaux")
        ids = await accounts(directory, anne={"email": ANNE}, leo={"birth_date": "2012-05-19"})
        await directory.add_link(ids["anne"], ids["leo"])
        ids |= await accounts(directory, alice={}, hugo={})
        await directory.add_link(ids["alice"], ids["hugo"], status="signale_errone")
        await signed_in_agent(client)
        client.ids = ids
        yield client
    account_api.app = None


def why(response) -> str:
    """The error the page shows (for a failing assertion's message)."""
    found = re.search(r'id="erreur-action"><p>(.*?)</p>', text_of(response))
    return found.group(1) if found else text_of(response)[:300]


def from_(email: str) -> dict:
    return {"requester": {**VALID_API["requester"], "email": email}}


async def panel(client, reference: str, account: str) -> str:
    return text_of(await client.get(f"/agent/tickets/{reference}", params={"compte": account}))


async def with_reason(client, reference, account, action, key, reason, **params):
    ticket = await Ticket.select().where(Ticket.reference == reference).first()
    data = {
        "action": "compte_executer",
        "version": ticket["version"],
        "compte": account,
        "compte_action": action,
        "cle": key,
        "raison": reason,
        **params,
    }
    return await staff_post(client, f"/agent/tickets/{reference}", data)


async def test_a_verified_requester_gets_credentials_by_mail(desk):
    anne = desk.ids["anne"]
    reference = await api_ticket(desk, category="mot_de_passe", **from_(ANNE))
    page = await panel(desk, reference, anne)
    assert "Demandeur vérifié" in page and "par courriel à cette adresse" in page
    done = await account_action(desk, reference, anne, "inform", "v1", mode="mail")
    assert done.status_code == 303, why(done)
    assert await OutboxMail.count().where(OutboxMail.kind == "compte_information") == 1
    [event] = await TicketEvent.select().where(TicketEvent.kind == "compte").output(load_json=True)
    assert event["data"]["verifie"] is True


async def test_a_stranger_gets_nothing_by_mail_only_a_letter_the_school_hands_over(desk):
    anne = desk.ids["anne"]
    reference = await api_ticket(desk, category="mot_de_passe", **from_("inconnu@example.net"))
    page = await panel(desk, reference, anne)
    assert "Demandeur non vérifié" in page and "n'est pas celle du compte" in page
    assert "remise en main propre par l'établissement" in page
    refused = await account_action(desk, reference, anne, "inform", "s1", mode="mail")
    assert refused.status_code == 422 and "pas vérifié" in text_of(refused)
    reset = await account_action(desk, reference, anne, "reset_password", "s2")
    assert reset.status_code == 303, why(reset)
    assert await OutboxMail.count().where(OutboxMail.recipient == ANNE) == 0
    assert await OutboxMail.count().where(OutboxMail.kind == "compte_information") == 0
    [delivery] = await LetterDelivery.select()
    assert delivery["account"] == anne and delivery["uai"] == "0450782F"
    other = await api_ticket(desk, category="identifiant_perdu", **from_("inconnu@example.net"))
    reminder = await account_action(desk, other, anne, "remind_identifier", "s3")
    assert reminder.status_code == 422 and "pas vérifié" in text_of(reminder)
    assert "Rappeler l'identifiant" not in (await panel(desk, other, anne)).split("Actions")[-1]


async def test_an_address_changed_from_the_ticket_never_receives_credentials(desk):
    anne = desk.ids["anne"]
    new = "anne.nouvelle@example.fr"
    reference = await api_ticket(desk, category="autre", **from_(new))
    changed = await account_action(desk, reference, anne, "update_email", "c1", email=new)
    assert changed.status_code == 303, why(changed)
    mail = (
        await OutboxMail.select()
        .where(OutboxMail.recipient == new)
        .order_by(OutboxMail.id, ascending=False)
        .first()
    )
    link = mail["text_body"].split("http://testserver.local", 1)[1].split()[0]
    assert (await desk.get(link)).status_code == 200  # now the account's confirmed address
    page = await panel(desk, reference, anne)
    assert "Demandeur non vérifié" in page and "modifiée depuis cette demande" in page
    refused = await account_action(desk, reference, anne, "remind_identifier", "c2")
    assert refused.status_code == 422
    assert await OutboxMail.count().where(OutboxMail.kind == "compte_rappel_identifiant") == 0


async def test_a_reported_child_is_not_reattached_until_the_report_is_lifted(desk):
    alice, hugo = desk.ids["alice"], desk.ids["hugo"]
    reference = await api_ticket(desk, category="rattachement", **from_("alice.adam@example.fr"))
    page = await panel(desk, reference, alice)
    assert "signalé erroné par le responsable" in page and "signale_errone" not in page
    refused = await account_action(desk, reference, alice, "link_child", "r1", eleve=hugo)
    assert refused.status_code == 422 and "représentant légal" in text_of(refused)
    account = await desk.app.state.accounts.get(alice, "orleans-tours")
    assert "rattachement_signale_errone" in account.flags
    assert account.link_to(hugo).status == "signale_errone"
    no_reason = await account_action(desk, reference, alice, "clear_link_report", "r2", eleve=hugo)
    assert no_reason.status_code == 422 and "motif" in text_of(no_reason)
    lifted = await account_action(
        desk, reference, alice, "clear_link_report", "r3", eleve=hugo,
        reason="Jugement de 2025 montré à l'établissement",
    )  # fmt: skip
    assert lifted.status_code == 303, why(lifted)
    events = await TicketEvent.select().where(TicketEvent.kind == "compte").output(load_json=True)
    assert "Jugement de 2025" in events[-1]["body"]
    assert events[-1]["data"]["params"]["reason"].startswith("Jugement")
    linked = await account_action(desk, reference, alice, "link_child", "r4", eleve=hugo)
    assert linked.status_code == 303, why(linked)
    account = await desk.app.state.accounts.get(alice, "orleans-tours")
    assert account.link_to(hugo).status == "confirme" and not account.flags


async def test_the_first_action_ties_the_account_another_needs_a_reason(desk):
    anne, alice = desk.ids["anne"], desk.ids["alice"]
    reference = await api_ticket(desk, category="auto_inscription", **from_(ANNE))
    first = await account_action(desk, reference, anne, "update_mobile", "t1", mobile="0611223344")
    assert first.status_code == 303, why(first)
    [tie] = await TicketEvent.select().where(TicketEvent.kind == "compte_lie")
    assert anne in tie["body"]
    assert f"Compte lié à cette demande\u00a0: {anne}" in await panel(desk, reference, anne)
    other = await account_action(desk, reference, alice, "update_mobile", "t2", mobile="0611223355")
    assert other.status_code == 422 and "indiquez pourquoi" in text_of(other)
    confirm_page = await staff_post(
        desk,
        f"/agent/tickets/{reference}",
        {
            "action": "compte_verifier",
            "version": (await Ticket.select().first())["version"],
            "compte": alice,
            "compte_action": "update_mobile",
            "p_mobile": "0611223355",
        },
    )
    assert "Pourquoi agir sur ce compte" in text_of(confirm_page)
    done = await with_reason(
        desk, reference, alice, "update_mobile", "t3", "Second parent, même foyer",
        p_mobile="0611223355",
    )  # fmt: skip
    assert done.status_code == 303, why(done)
    ties = await TicketEvent.select().where(TicketEvent.kind == "compte_lie")
    assert len(ties) == 2 and "Second parent, même foyer" in ties[1]["body"]


async def test_actions_follow_the_category_at_tie_time_and_changes_name_their_author(desk):
    anne = desk.ids["anne"]
    reference = await api_ticket(desk, category="mot_de_passe", **from_(ANNE))
    done = await account_action(desk, reference, anne, "inform", "k1", mode="courrier")
    assert done.status_code == 303, why(done)
    ticket = await Ticket.select().first()
    changed = await staff_post(
        desk,
        f"/agent/tickets/{reference}",
        {"action": "modifier", "version": ticket["version"], "category": "autre"},
    )
    assert changed.status_code == 303
    [event] = await TicketEvent.select().where(TicketEvent.kind == "categorie")
    assert "Agnès Roux" in event["body"] and "Autre" in event["body"]
    assert "mot_de_passe" not in event["body"]
    refused = await account_action(desk, reference, anne, "update_email", "k2", email="x@y.fr")
    assert refused.status_code == 422 and "quand le compte lui a été lié" in text_of(refused)


async def test_the_confirmation_shows_today_and_refuses_an_impossible_date(desk):
    leo = desk.ids["leo"]
    reference = await api_ticket(desk, category="date_naissance", **from_(ANNE))
    version = (await Ticket.select().first())["version"]
    step = {"action": "compte_verifier", "version": version, "compte": leo}
    good = await staff_post(
        desk,
        f"/agent/tickets/{reference}",
        {**step, "compte_action": "correct_birth_date", "p_birth_date": "19/06/2012"},
    )
    shown = re.sub(r"<[^>]+>", "", text_of(good))
    assert "Date de naissance\u00a0: 19/05/2012 → 19/06/2012" in shown
    bad = await staff_post(
        desk,
        f"/agent/tickets/{reference}",
        {**step, "compte_action": "correct_birth_date", "p_birth_date": "31/02/2012"},
    )
    assert bad.status_code == 422 and "date valide" in text_of(bad)
    assert 'name="cle"' not in bad.text
    assert await TicketEvent.count().where(TicketEvent.kind == "compte") == 0


async def test_a_replayed_key_writes_one_entry_and_the_api_gives_structured_events(desk):
    token = (
        await desk.post(
            "/api/v1/auth/login", json={"email": "agent@ot.fr", "password": STAFF_PASSWORD}
        )
    ).json()["token"]
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "rejouee-1"}
    reference = await api_ticket(desk, category="date_naissance", **from_(ANNE))
    body = {
        "action": "correct_birth_date",
        "account": desk.ids["leo"],
        "params": {"birth_date": "19/06/2012"},
    }
    url = f"/api/v1/tickets/{reference}/actions"
    first = await desk.post(url, json=body, headers=headers)
    again = await desk.post(url, json=body, headers=headers)
    assert first.status_code == again.status_code == 201, again.text
    assert again.json()["data"]["resultat"]["replayed"] is True
    assert await TicketEvent.count().where(TicketEvent.kind == "compte") == 1
    detail = (await desk.get(f"/api/v1/tickets/{reference}", headers=headers)).json()
    [action] = [e["account_action"] for e in detail["events"] if e["kind"] == "compte"]
    assert action["code"] == "correct_birth_date" and action["account"] == desk.ids["leo"]
    assert action["outcome"] == "ok" and action["result"]["after"]["birth_date"] == "2012-06-19"
