"""Never a 500: each input that once broke the help desk gives a 4xx in French and changes nothing."""

import base64
import html
import json
import unicodedata

import asyncpg
import pytest
from litestar.testing import RequestFactory

from helpdesk.core.db import all_tables
from helpdesk.core.web import internal_error_handler
from helpdesk.establishments.tables import Transmission
from helpdesk.tickets.tables import DeflectionEvent, Ticket
from tests.factories import admin, agent, desk_client, school_staff, supervisor
from tests.helpers import (
    VALID_API,
    bearer,
    csrf_token,
    form_id,
    form_page,
    login,
    staff_post,
    text_of,
)

DEEP = b"[" * 5000 + b"]" * 5000
# Python's json writes a lone surrogate as the escape "\ud800", as any client may send it.
SURROGATE = json.dumps({**VALID_API, "message": "Bonjour \ud800 mon fils est bloqué."})
TICKET_COLUMNS = {
    "academie": "orleans-tours",
    "category": "autre",
    "requester_first_name": "Claire",
    "requester_last_name": "Martin",
    "requester_email": "claire.martin@example.fr",
    "message": "Un message assez long pour une demande.",
}
VOLATILE = {"audit_log", "api_token"}  # what a login writes, not what a request changes


async def snapshot() -> dict:
    """Every row of every table (but the log of logins): what « nothing changed » compares."""
    rows = {}
    for table in all_tables():
        if table._meta.tablename not in VOLATILE:
            rows[table._meta.tablename] = await table.select().order_by(table._meta.primary_key)
    return rows


def refused(response, *statuses: int) -> None:
    assert response.status_code in (statuses or (400, 422)), response.text[:300]
    if "json" in response.headers.get("content-type", ""):
        errors = response.json()["errors"]
        assert all(isinstance(m, str) and "Error" not in m for m in errors.values()), errors


@pytest.fixture
async def desk(settings):
    """An académie's agent and supervisor, a school, an admin and one ticket from the API."""
    async with desk_client(settings) as client:
        await agent()
        await supervisor(name="Chloé Chef")
        await school_staff("ecole@ot.fr", ["0450782F"], "Collège")
        await admin("admin@ot.fr", "Adèle Admin")
        created = await client.post("/api/v1/tickets", json=VALID_API)
        client.follow_url = created.json()["follow_url"]
        client.reference = created.json()["reference"]
        yield client


# --- the public API and the login API ------------------------------------------------------


BROKEN_TICKETS = [
    SURROGATE.encode(),
    DEEP,
    json.dumps(
        {**VALID_API, "requester": {**VALID_API["requester"], "first_name": "\ud800"}}
    ).encode(),
    json.dumps({**VALID_API, "message": "Bonjour\x00 mon fils est bloqué."}).encode(),
    json.dumps({**VALID_API, "academie": "orleans-tours\x00"}).encode(),
    json.dumps({**VALID_API, "uai": 1e400}).encode(),  # Infinity
    b'{"message": NaN}',
    json.dumps({**VALID_API, "academie": "x" * 41}).encode(),
    json.dumps({**VALID_API, "child": {**VALID_API["child"], "classe": "6e" * 30}}).encode(),
]


async def test_public_api_refuses_broken_text(client):
    before = await snapshot()
    for body in BROKEN_TICKETS:
        response = await client.post(
            "/api/v1/tickets", content=body, headers={"content-type": "application/json"}
        )
        refused(response)
    assert await snapshot() == before


BROKEN_LOGINS = [
    b'{"email": "agent@ot.fr\\ud800", "password": "x"}',
    b'{"email": "agent@ot.fr", "password": "\\udfff"}',
    DEEP,
    b'{"email": "agent@ot.fr\\u0000", "password": "x"}',
    b'{"email": "agent\\u0000@ot.fr", "password": "x"}',
    b'{"email": "' + b"a" * 400 + b'@ot.fr", "password": "x"}',
]


async def test_login_api_refuses_broken_text(client):
    await agent(name="")
    for body in BROKEN_LOGINS:
        for content_type in ("application/json", "text/plain"):
            response = await client.post(
                "/api/v1/auth/login", content=body, headers={"content-type": content_type}
            )
            refused(response, 400, 401, 422)
            assert "token" not in response.json()


# --- public pages ------------------------------------------------------------------------


async def test_a_nul_in_a_reply_on_the_follow_page_is_refused_and_the_text_kept(desk):
    page = await desk.get(desk.follow_url)
    before = await snapshot()
    response = await desk.post(
        f"{desk.follow_url}/repondre",
        data={"_csrf_token": csrf_token(page.text), "message": "Toujours\x00 bloqué, merci"},
        files={"piece_jointe": ("", b"")},
    )
    assert response.status_code == 422
    assert "caractère nul ou de contrôle" in text_of(response)
    assert "Toujours" in text_of(response)  # what the parent wrote is still in the form
    assert await snapshot() == before


async def test_faq_statistics_only_for_an_academie_that_exists(client):
    page = await form_page(client)
    for path in ("/assistance/suggestions", "/assistance/resolu"):
        for academie in ("a" * 41, "orleans-tours\x00", "atlantide"):
            response = await client.post(
                path,
                data={
                    "_csrf_token": csrf_token(page.text),
                    "form_id": form_id(page.text),
                    "academie": academie,
                    "category": "mot_de_passe",
                    "message": "mot de passe oublié, je ne peux pas me connecter",
                    "slug": "mot-de-passe-oublie",
                },
            )
            refused(response)
    assert await DeflectionEvent.count() == 0


async def test_faq_statistics_still_counted_for_a_real_academie(client):
    page = await form_page(client)
    response = await client.post(
        "/assistance/resolu",
        data={
            "_csrf_token": csrf_token(page.text),
            "form_id": form_id(page.text),
            "academie": "orleans-tours",
            "category": "mot_de_passe",
            "slug": "mot-de-passe-oublie",
        },
    )
    assert response.status_code == 200
    assert await DeflectionEvent.count() == 1


async def test_a_nul_in_a_query_string_or_a_path_is_refused(client):
    for url in ("/aide?q=%00", "/aide/contact?academie=%00", "/api/v1/faq?q=a%00"):
        refused(await client.get(url), 400)
    refused(await client.get("/aide?q=%FF"), 400)  # not UTF-8


# --- names -------------------------------------------------------------------------------


async def test_names_with_combining_marks_are_accepted(client):
    for typed, stored in (
        ("Ele\u0301onore", "El\u00e9onore"),  # e + combining acute, kept composed
        ("\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f", None),  # Arabic with vowel marks
    ):
        requester = {**VALID_API["requester"], "first_name": typed}
        response = await client.post("/api/v1/tickets", json={**VALID_API, "requester": requester})
        assert response.status_code == 201, response.text
        ticket = (
            await Ticket.select(Ticket.requester_first_name)
            .where(Ticket.reference == response.json()["reference"])
            .first()
        )
        assert ticket["requester_first_name"] == (stored or unicodedata.normalize("NFC", typed))


async def test_a_lone_combining_mark_is_not_a_name(client):
    requester = {**VALID_API["requester"], "first_name": "\u0301abc"}
    response = await client.post("/api/v1/tickets", json={**VALID_API, "requester": requester})
    assert response.status_code == 422
    assert "requester.first_name" in response.json()["errors"]


# --- staff pages -------------------------------------------------------------------------


async def agent_ticket_post(client, reference: str, data: dict):
    ticket = await Ticket.select().where(Ticket.reference == reference).first()
    return await staff_post(
        client, f"/agent/tickets/{reference}", {"version": ticket["version"], **data}
    )


async def test_agent_ticket_forms_refuse_broken_text(desk):
    await login(desk, "agent@ot.fr")
    before = await snapshot()
    for data in (
        {"action": "note", "body": "Note\x00 interne"},
        {"action": "repondre", "body": "Réponse\x00", "status": "en_attente"},
        {"action": "transmettre", "question": "Pouvez-vous\x00 vérifier ?"},
        {"action": "repondre", "body": "Réponse à la famille", "status": "bogus"},
    ):
        refused(await agent_ticket_post(desk, desk.reference, data))
    assert await snapshot() == before


async def test_agent_search_with_a_nul(desk):
    await login(desk, "agent@ot.fr")
    refused(await desk.get("/agent?q=%00"), 400)
    assert (await desk.get("/agent?q=Martin")).status_code == 200


async def test_supervisor_forms_refuse_broken_text(desk):
    await login(desk, "chef@ot.fr")
    before = await snapshot()
    for url, data in (
        ("/agent/reponses-types", {"title": "Titre\x00", "body": "Texte de la réponse"}),
        ("/agent/reponses-types", {"title": "T" * 201, "body": "Texte de la réponse"}),
        ("/agent/incidents", {"title": "Panne\x00", "message": "Le service est en panne."}),
        ("/agent/incidents", {"title": "P" * 201, "message": "Le service est en panne."}),
        ("/agent/contact", {"premier_degre_consigne": "Appelez\x00"}),
        ("/agent/contact", {"second_degre_telephone": "0" * 41}),
    ):
        refused(await staff_post(desk, url, data))
    assert await snapshot() == before


async def test_school_forms_refuse_broken_text(desk):
    await login(desk, "agent@ot.fr")
    await agent_ticket_post(desk, desk.reference, {"action": "transmettre", "question": "Qui ?"})
    transmission = await Transmission.select().first()
    await login(desk, "ecole@ot.fr")
    before = await snapshot()
    refused(
        await staff_post(
            desk,
            f"/etablissement/transmissions/{transmission['id']}",
            {"answer": "Réponse\x00"},
            page_url="/etablissement",
        )
    )
    refused(
        await staff_post(
            desk,
            "/etablissement/signaler",
            {
                "form_id": "f1",
                "uai": "0450782F",
                "category": "etablissement_console",
                "degre": "2nd",
                "module": "Dépannage\x00",
                "message": "Impossible d'ouvrir le module de dépannage.",
            },
        )
    )
    assert await snapshot() == before


async def test_admin_user_name_fits_its_column(desk):
    await login(desk, "admin@ot.fr")
    before = await snapshot()
    for name in ("N" * 201, "Nom\x00"):
        response = await staff_post(
            desk,
            "/admin/utilisateurs",
            {"email": "nouveau@ot.fr", "name": name, "role": "agent", "academie": "orleans-tours"},
        )
        refused(response)
    assert await snapshot() == before


# --- the agents' API ---------------------------------------------------------------------


BAD_PATCHES = [
    b'{"version": 1e400, "status": "en_cours"}',
    b'{"version": 1000000000000000000000000000000, "status": "en_cours"}',
    b'{"version": "1000000000000000000000000000000", "status": "en_cours"}',
    b'{"version": "abc", "status": "en_cours"}',
    b'{"assignee": true}',
    b'{"assignee": 1000000000000000000000000000000}',
    b'{"assignee": 99999}',
    b'{"status": "bogus"}',
    b'{"priority": "\\u0000"}',
    DEEP,
]
BAD_MESSAGES = [
    b'{"body": "Bonjour", "status": "bogus"}',
    b'{"body": "Bonjour", "version": "abc"}',
    b'{"body": "Bonjour", "version": 1000000000000000000000000000000}',
    b'{"body": "Bonjour", "version": 1e400}',
    b'{"body": "Bonjour\\u0000"}',
    b'{"body": "Bonjour", "internal": "non"}',
    DEEP,
]


async def test_agent_api_refuses_bad_values(desk):
    headers = {**await bearer(desk, "agent@ot.fr"), "content-type": "application/json"}
    before = await snapshot()
    url = f"/api/v1/tickets/{desk.reference}"
    for body in BAD_PATCHES:
        refused(await desk.patch(url, content=body, headers=headers))
    for body in BAD_MESSAGES:
        refused(await desk.post(f"{url}/messages", content=body, headers=headers))
    assert await snapshot() == before


async def test_a_json_body_over_a_mebibyte_is_refused(desk):
    headers = {**await bearer(desk, "agent@ot.fr"), "content-type": "application/json"}
    before = await snapshot()
    big = json.dumps({"body": "x" * (1024 * 1024), "internal": True}).encode()
    response = await desk.post(
        f"/api/v1/tickets/{desk.reference}/messages", content=big, headers=headers
    )
    refused(response, 413)
    assert await snapshot() == before


async def test_agent_api_list_with_absurd_cursor_or_filter(desk):
    headers = await bearer(desk, "agent@ot.fr")
    forged = base64.urlsafe_b64encode(json.dumps([None, 10**30]).encode()).decode()
    for query in ("cursor=" + "9" * 30, f"cursor={forged}", "assignee=" + "9" * 30):
        response = await desk.get(f"/api/v1/tickets?{query}", headers=headers)
        assert response.status_code == 200, response.text
    refused(await desk.get("/api/v1/tickets?cursor=%00", headers=headers), 400)


# --- the safety net ----------------------------------------------------------------------


async def test_a_value_postgresql_refuses_is_a_422_not_a_500(client, backend):
    """Should a value ever escape the checks, PostgreSQL's refusal reads as one, in French."""
    if backend != "postgres":
        pytest.skip("SQLite refuses no value")
    with pytest.raises(asyncpg.DataError) as refusal:  # a real refusal of the real database
        await Ticket.insert(Ticket(**{**TICKET_COLUMNS, "reference": "R" * 41}))
    for path, accept in (("/api/v1/tickets", "application/json"), ("/agent", "text/html")):
        request = RequestFactory(app=client.app).get(path, headers={"accept": accept})
        response = internal_error_handler(request, refusal.value)
        assert response.status_code == 422
        assert "valeur envoyée n'est pas acceptée" in html.unescape(str(response.content))
    assert await Ticket.count() == 0
