import json

from helpdesk.tickets.tables import Ticket
from tests.helpers import VALID_API


async def test_api_creates_a_ticket(client):
    response = await client.post("/api/v1/tickets", json=VALID_API)
    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("OT-")
    assert body["follow_url"].startswith("http://testserver.local/suivi/")
    assert "set-cookie" not in response.headers
    ticket = await Ticket.select().first()
    assert ticket["channel"] == "api"
    assert ticket["child_birth_date_typed"] == "2016-03-04"
    follow = await client.get(body["follow_url"].replace("http://testserver.local", ""))
    assert follow.status_code == 200


async def test_references_follow_a_per_academie_sequence(client):
    refs = []
    for academie in ("orleans-tours", "orleans-tours", "lyon", "orleans-tours"):
        body = {**VALID_API, "academie": academie, "uai": ""}
        refs.append((await client.post("/api/v1/tickets", json=body)).json()["reference"])
    year = refs[0].split("-")[1]
    assert refs == [
        f"OT-{year}-000001",
        f"OT-{year}-000002",
        f"LY-{year}-000001",
        f"OT-{year}-000003",
    ]


async def test_invalid_body_gets_french_errors_per_field(client):
    body = {
        **VALID_API,
        "academie": "atlantide",
        "requester": {**VALID_API["requester"], "email": "pas-une-adresse"},
        "child": {**VALID_API["child"], "birth_date": "2999-01-01"},
    }
    response = await client.post("/api/v1/tickets", json=body)
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert errors["academie"] == "Choisissez votre académie dans la liste."
    assert "adresse électronique valide" in errors["requester.email"]
    assert "futur" in errors["child.birth_date"]
    assert await Ticket.count() == 0


async def test_not_an_object_not_json_too_large_wrong_type(client):
    for raw in (b"[1, 2]", b'"texte"', b"null"):
        response = await client.post(
            "/api/v1/tickets", content=raw, headers={"content-type": "application/json"}
        )
        assert response.status_code == 400
        assert "errors" in response.json()
    broken = await client.post(
        "/api/v1/tickets", content=b"{", headers={"content-type": "application/json"}
    )
    assert broken.status_code == 400
    big = {**VALID_API, "message": "x" * 70_000}
    assert (await client.post("/api/v1/tickets", json=big)).status_code == 413
    form = await client.post("/api/v1/tickets", data={"academie": "lyon"})
    assert form.status_code == 415
    nested = {**VALID_API, "requester": "Claire"}
    assert (await client.post("/api/v1/tickets", json=nested)).json()["errors"]["requester"]
    typed = {**VALID_API, "message": {"texte": 1}}
    assert (await client.post("/api/v1/tickets", json=typed)).status_code == 422
    assert await Ticket.count() == 0


async def test_idempotency_key_returns_the_first_ticket(client):
    headers = {"Idempotency-Key": "envoi-123"}
    first = await client.post("/api/v1/tickets", json=VALID_API, headers=headers)
    again = await client.post("/api/v1/tickets", json=VALID_API, headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json()["reference"] == again.json()["reference"]
    assert again.headers["idempotent-replayed"] == "true"
    assert await Ticket.count() == 1
    other = {**VALID_API, "message": "Un tout autre message pour une autre demande."}
    conflict = await client.post("/api/v1/tickets", json=other, headers=headers)
    assert conflict.status_code == 409
    assert await Ticket.count() == 1


async def test_every_category_is_accepted_with_its_required_fields(client):
    extra = {
        "mail_confirmation": {"activation_email": "claire@example.fr"},
        "auto_inscription": {},
    }
    for category in (
        "date_naissance",
        "rattachement",
        "mail_confirmation",
        "identifiant_perdu",
        "mot_de_passe",
        "auto_inscription",
        "compte_compromis",
        "demarche_en_ligne",
        "autre",
    ):
        body = {**VALID_API, "category": category, **extra.get(category, {})}
        response = await client.post(
            "/api/v1/tickets",
            content=json.dumps(body),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 201, (category, response.json())
    assert await Ticket.count() == 9


async def test_a_category_without_its_required_field_is_refused(client):
    body = {**VALID_API, "category": "mail_confirmation"}
    response = await client.post("/api/v1/tickets", json=body)
    assert response.status_code == 422
    assert "activation_email" in response.json()["errors"]
    no_phone = {
        **VALID_API,
        "category": "auto_inscription",
        "requester": {**VALID_API["requester"], "phone": ""},
    }
    assert (
        "requester.phone" in (await client.post("/api/v1/tickets", json=no_phone)).json()["errors"]
    )
