"""The HTTP side of the accounts domain: the agents' JSON API, the account API's own rules
(key, errors), the confirmation link of the mails."""

from __future__ import annotations

import re

from helpdesk.accounts.port import ACTIVE, EN_COURS
from helpdesk.accounts.tables import DirectoryAction
from helpdesk.auth import service as auth
from helpdesk.auth.service import issue_api_token
from helpdesk.auth.tables import User
from helpdesk.core.web import ERROR_TEXTS
from helpdesk.mail.tables import OutboxMail
from tests.accounts.conftest import API_KEY, LYON, OT, free_port
from tests.helpers import text_of

ACCOUNT_FIELDS = {
    "identifier",
    "kind",
    "first_name",
    "last_name",
    "state",
    "origin",
    "email",
    "email_confirmed",
    "mobile",
    "birth_date",
    "uai",
    "academie",
    "flags",
    "links",
}


async def bearer(academie: str = OT, role: str = "agent") -> dict:
    user = User(
        email=f"{role}.{academie}@example.fr", role=role, academie=academie, password_hash="-"
    )
    await user.save()
    return {"Authorization": f"Bearer {await issue_api_token(user.id)}"}


async def test_agents_list_their_academie_accounts(state, client, family):
    assert (await client.get("/api/v1/accounts")).status_code == 401
    headers = await bearer()
    response = await client.get("/api/v1/accounts", params={"q": "martin"}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    assert {a["identifier"] for a in body["items"]} >= {family.claire, family.paul, family.leo}
    assert body["next_cursor"] is None
    claire = next(a for a in body["items"] if a["identifier"] == family.claire)
    assert ACCOUNT_FIELDS <= set(claire)
    assert "provisional_password" not in claire and "password_display" not in claire
    everyone = []
    cursor = ""
    while True:
        page = (
            await client.get(
                "/api/v1/accounts", params={"limit": 5, "cursor": cursor}, headers=headers
            )
        ).json()
        everyone += [a["identifier"] for a in page["items"]]
        if not page["next_cursor"]:
            break
        cursor = page["next_cursor"]
    assert len(everyone) == 13 and family.jean not in everyone
    flagged = await client.get(
        "/api/v1/accounts", params={"flag": "compromis", "state": "active"}, headers=headers
    )
    assert [a["identifier"] for a in flagged.json()["items"]] == [family.sophie]
    wrong = await client.get("/api/v1/accounts", params={"state": "dormant"}, headers=headers)
    assert wrong.status_code == 422 and "state" in wrong.json()["errors"]
    lyon = (await client.get("/api/v1/accounts", headers=await bearer(LYON))).json()
    assert [a["identifier"] for a in lyon["items"]] == [family.jean, family.lina]


async def test_agents_read_an_account_of_their_academie_only(state, client, family):
    headers = await bearer()
    leo = await client.get(f"/api/v1/accounts/{family.leo}", headers=headers)
    assert leo.status_code == 200
    body = leo.json()
    assert ACCOUNT_FIELDS <= set(body)
    assert (body["kind"], body["birth_date"], body["uai"], body["academie"]) == (
        "eleve",
        "2014-04-03",
        "0450782F",
        OT,
    )
    assert body["links"][0]["identifier"] in (family.claire, family.paul)
    other = await client.get(f"/api/v1/accounts/{family.jean}", headers=headers)
    assert other.status_code == 404
    assert other.json()["errors"] == {
        "identifier": "Aucun compte ÉduConnect n'a l'identifiant j.dupont1 dans votre périmètre."
    }


async def test_agents_api_says_when_the_account_service_is_down(state, client, family):
    app = client.app  # the account service is chosen at each request, from the settings
    app.state.settings = app.state.settings.with_changes(
        accounts={"url": f"http://127.0.0.1:{free_port()}"}
    )
    response = await client.get("/api/v1/accounts", headers=await bearer())
    assert response.status_code == 503
    assert response.json()["errors"] == {
        "_": "Le service des comptes est indisponible. Réessayez dans quelques minutes."
    }


async def test_agents_api_is_for_the_academies_agents_and_supervisors(state, client, family):
    for role in ("establishment", "admin"):
        refused = await client.get("/api/v1/accounts", headers=await bearer(role=role))
        assert refused.status_code == 401, role
        assert refused.json() == {"errors": {"_": ERROR_TEXTS[401]}}
    url = f"/api/v1/accounts/{family.leo}"
    assert (await client.get(url, headers=await bearer(role="supervisor"))).status_code == 200


async def test_staff_tables_out_of_reach_are_the_help_desks_503(state, client, family, monkeypatch):
    """Who calls is read in the staff's tables, not in the directory: their database out of
    reach is the help desk's answer (retry in a moment), not the account service's."""
    headers = await bearer()

    async def out_of_reach(_user_id: int):
        raise ConnectionRefusedError

    monkeypatch.setattr(auth, "load_staff", out_of_reach)
    auth.forget_staff()
    response = await client.get("/api/v1/accounts", headers=headers)
    assert response.status_code == 503
    assert response.json() == {"errors": {"_": ERROR_TEXTS[503]}}
    assert response.headers["retry-after"] == "1"


async def test_account_api_needs_its_key(state, client, family):
    url = f"/api/accounts/v1/accounts/{family.claire}"
    params = {"scope_academie": OT}
    assert (await client.get(url, params=params)).status_code == 401
    wrong = await client.get(url, params=params, headers={"X-Api-Key": "non"})
    assert wrong.status_code == 401 and "errors" in wrong.json()
    ok = await client.get(url, params=params, headers={"X-Api-Key": API_KEY})
    assert ok.status_code == 200
    assert ok.json()["provisional_password"] == "Prov1s01re"  # service to service
    client.app.state.settings = client.app.state.settings.with_changes(accounts={"api_key": ""})
    closed = await client.get(url, params=params, headers={"X-Api-Key": ""})
    assert closed.status_code == 401
    assert "HELPDESK_ACCOUNTS_API_KEY" in closed.json()["errors"]["api_key"]


ACCOUNT_API_CALLS = [
    ("GET", "/accounts"),
    ("GET", "/accounts/c.martin1"),
    ("POST", "/accounts/c.martin1/actions/inform"),
    ("GET", "/pending-changes"),
    ("GET", "/establishments/0450782F/roster"),
    ("GET", "/establishments/0450782F/summary"),
    ("POST", "/bulk-actions/inform"),
    ("GET", "/activation-stats"),
    ("GET", "/activation-timeline"),
]


async def test_every_route_of_the_account_api_needs_its_key(state, client, family):
    body = {"identifiers": [family.claire], "params": {}, "scope": {"academie": OT}}
    for method, path in ACCOUNT_API_CALLS:
        for headers in ({}, {"X-Api-Key": "non"}):
            response = await client.request(
                method,
                f"/api/accounts/v1{path}",
                params={"scope_academie": OT, "since": "2026-09-01"},
                headers=headers,
                json=body if method == "POST" else None,
            )
            assert response.status_code == 401, path
            assert response.json() == {
                "errors": {"api_key": "Clé d'API absente ou invalide (en-tête X-Api-Key)."},
                "code": "unauthorized",
            }
    assert await DirectoryAction.count() == 0  # nothing was done


async def test_account_api_errors_are_json_with_their_code(state, client, family):
    headers = {"X-Api-Key": API_KEY}
    missing = await client.get(
        "/api/accounts/v1/accounts/x.personne1", params={"scope_academie": OT}, headers=headers
    )
    assert missing.status_code == 404 and missing.json()["code"] == "account_not_found"
    act = f"/api/accounts/v1/accounts/{family.nadia}/actions/reset_password"
    body = {"params": {}, "scope": {"academie": OT}}
    refused = await client.post(act, json=body, headers=headers)
    assert refused.status_code == 422 and refused.json()["code"] == "action_refused"
    broken = await client.post(
        act, content=b"{", headers={**headers, "content-type": "application/json"}
    )
    assert broken.status_code == 422 and "params" in broken.json()["errors"]
    unknown = await client.post(
        f"/api/accounts/v1/accounts/{family.paul}/actions/effacer", json=body, headers=headers
    )
    assert unknown.status_code == 422 and unknown.json()["errors"]["action"]
    inform = f"/api/accounts/v1/accounts/{family.paul}/actions/regenerate_identifier"
    assert (await client.post(inform, json=body, headers=headers)).status_code == 200
    again = await client.post(inform, json=body, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "account_conflict"


def confirmation_link(text: str) -> str:
    match = re.search(r"http://testserver\.local(/comptes/confirmer/[\w-]+)", text)
    assert match, text
    return match.group(1)


async def test_following_the_confirmation_link_activates_the_account(state, client, local, family):
    # Luc typed a wrong address at activation: the agent corrects it, ÉduConnect mails a link.
    luc = await local.get(family.luc, OT)
    assert luc.state == EN_COURS and not luc.email_confirmed
    result = await local.update_email(
        family.luc, {"email": "luc.bernard@example.fr"}, scope=OT, idempotency_key="luc"
    )
    [mail] = result.mails
    row = await OutboxMail.select().where(OutboxMail.id == mail.outbox_id).first()
    assert row["recipient"] == "luc.bernard@example.fr" and row["kind"] == "compte_confirmation"
    assert row["subject"] == (
        "Mise à disposition de services en ligne pour suivre la scolarité de votre enfant"
    )
    link = confirmation_link(row["text_body"])
    assert link in row["html_body"]
    assert "termine l'activation" in row["text_body"]
    page = await client.get(link)
    assert page.status_code == 200
    assert "Votre compte ÉduConnect est activé" in text_of(page)
    luc = await local.get(family.luc, OT)
    assert luc.state == ACTIVE and luc.email_confirmed and luc.email == "luc.bernard@example.fr"
    again = await client.get(link)
    assert again.status_code == 200 and "déjà confirmée" in text_of(again)
    unknown = await client.get("/comptes/confirmer/pas-un-jeton")
    assert unknown.status_code == 404 and "pas valable" in text_of(unknown)


async def test_a_link_for_an_address_replaced_since_is_not_valid(state, client, local, family):
    first = await local.update_email(family.paul, {"email": "paul@example.org"}, scope=OT)
    old_link = confirmation_link(
        (await OutboxMail.select().where(OutboxMail.id == first.mails[1].outbox_id).first())[
            "text_body"
        ]
    )
    second = await local.update_email(family.paul, {"email": "paul@example.net"}, scope=OT)
    assert (await client.get(old_link)).status_code == 404
    paul = await local.get(family.paul, OT)
    assert paul.email == "paul.martin@example.fr" and paul.pending_email == "paul@example.net"
    new_link = confirmation_link(
        (await OutboxMail.select().where(OutboxMail.id == second.mails[1].outbox_id).first())[
            "text_body"
        ]
    )
    assert (await client.get(new_link)).status_code == 200
    paul = await local.get(family.paul, OT)
    assert (paul.email, paul.pending_email, paul.state) == ("paul@example.net", "", ACTIVE)


async def test_the_activation_timeline_needs_the_key_and_a_day_in_its_range(state, client, family):
    url = "/api/accounts/v1/activation-timeline"
    headers = {"X-Api-Key": API_KEY}
    params = {"scope_academie": OT, "since": "2026-09-01"}
    assert (await client.get(url, params=params)).status_code == 401
    # A day that is not one, one in a later month, one of long ago: refused, never a 500.
    for since in ("", "hier", "01/09/2026", "9999-12-31", "0001-01-01"):
        refused = await client.get(url, params={**params, "since": since}, headers=headers)
        assert refused.status_code == 422, since
        assert refused.json()["code"] == "action_refused" and refused.json()["errors"]["since"]
