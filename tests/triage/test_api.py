"""POST /api/v1/triage: the contract, and bad input never yields a 500."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.core.inputs import MESSAGE_MAX
from helpdesk.faq.content import load_faq
from helpdesk.triage.service import CATEGORIES
from tests.conftest import make_settings

URL = "/api/v1/triage"
SLUGS = {q.slug for q in load_faq().questions}


def assert_valid_answer(body: dict) -> None:
    assert set(body) == {"category", "confidence", "faq"}
    assert body["category"] in CATEGORIES
    assert isinstance(body["confidence"], float | int) and 0 <= body["confidence"] <= 1
    assert isinstance(body["faq"], list) and len(body["faq"]) <= 3
    assert set(body["faq"]) <= SLUGS
    assert len(set(body["faq"])) == len(body["faq"])


async def post_raw(client, raw: bytes | str):
    return await client.post(URL, content=raw, headers={"content-type": "application/json"})


async def test_a_lost_password_gets_its_category_and_answers(client):
    response = await client.post(URL, json={"text": "Bonjour, j'ai oublié mon mot de passe."})
    assert response.status_code == 200
    body = response.json()
    assert_valid_answer(body)
    assert body["category"] == "mot_de_passe"
    assert body["confidence"] > 0.5
    assert "mot-de-passe-perdu" in body["faq"]
    assert "set-cookie" not in response.headers


async def test_sms_spelling_without_accents(client):
    response = await client.post(
        URL,
        json={"text": "bjr jarrive pa a valider la date de naissance de mon fils elle est refusee"},
    )
    body = response.json()
    assert body["category"] == "date_naissance"
    assert body["faq"][0] == "date-naissance-incorrecte"


async def test_a_school_console_problem_gets_no_parent_answer(client):
    response = await client.post(
        URL,
        json={
            "text": "Notre clé OTP ne marche plus, impossible d'ouvrir l'administration des comptes."
        },
    )
    body = response.json()
    assert body["category"] == "etablissement_console"
    assert body["faq"] == []


@pytest.mark.parametrize("text", ["", "   \n\t ", "🙂🙂🙂", "😡😭🙏", "?!…", "12345"])
async def test_empty_or_meaningless_text_is_autre_with_low_confidence(client, text):
    response = await client.post(URL, json={"text": text})
    assert response.status_code == 200
    body = response.json()
    assert_valid_answer(body)
    assert body["category"] == "autre"
    assert body["confidence"] <= 0.2
    assert body["faq"] == []


async def test_text_at_the_limit_is_accepted_and_over_it_is_413(client):
    at_limit = ("Je n'ai pas reçu le courriel de confirmation. " * 200)[:MESSAGE_MAX]
    response = await client.post(URL, json={"text": at_limit})
    assert response.status_code == 200
    assert response.json()["category"] == "mail_confirmation"

    too_long = await client.post(URL, json={"text": "a" * 10_000})
    assert too_long.status_code == 413
    assert "5000 caractères" in too_long.json()["errors"]["text"]
    over_by_one = await client.post(URL, json={"text": "é" * (MESSAGE_MAX + 1)})
    assert over_by_one.status_code == 413


async def test_a_huge_body_is_refused_before_it_is_read(client):
    response = await post_raw(client, json.dumps({"text": "x" * 200_000}))
    assert response.status_code == 413
    assert "errors" in response.json()


async def test_mixed_languages(client):
    for text in (
        "Hello, I forgot my mot de passe for ÉduConnect, please help",
        "مرحبا، لم أتلق البريد الإلكتروني de confirmation",
        "Guten Tag, mein Kind n'apparaît pas sur mon compte",
        "hello how are you",
    ):
        response = await client.post(URL, json={"text": text})
        assert response.status_code == 200, text
        assert_valid_answer(response.json())
    english = await client.post(URL, json={"text": "Hello, I forgot my mot de passe, please help"})
    assert english.json()["category"] == "mot_de_passe"


@pytest.mark.parametrize(
    "raw",
    [
        b"[1, 2]",
        b'["text", "mot de passe"]',
        b'"mot de passe"',
        b"null",
        b"42",
        b"{",
        b"",
        b"pas du json",
        b"\xff\xfe\x00",
        b'{"texte": "mot de passe"}',
        b'{"text": null}',
        b'{"text": 12}',
        b'{"text": ["mot de passe"]}',
        b'{"text": {"fr": "mot de passe"}}',
        b"[" * 10_000 + b"]" * 10_000,
    ],
)
async def test_not_an_object_with_a_string_text_is_422_in_french(client, raw):
    response = await post_raw(client, raw)
    assert response.status_code == 422, raw[:40]
    message = response.json()["errors"]["text"]
    assert "text" in message and ("JSON" in message or "chaîne" in message)


async def test_without_content_type_the_body_is_still_read(client):
    response = await client.post(
        URL, content=json.dumps({"text": "mon compte a été piraté"}).encode()
    )
    assert response.status_code == 200
    assert response.json()["category"] == "compte_compromis"


async def test_the_triage_api_is_rate_limited(tmp_path):
    app = create_app(make_settings(tmp_path, rate_limits={"triage_per_minute": 3}))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        statuses = [
            (await client.post(URL, json={"text": "mdp oublié"})).status_code for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        refused = await client.post(URL, json={"text": "mdp oublié"})
        assert refused.status_code == 429
        assert refused.json()["errors"]["_"]


async def test_it_is_in_the_openapi_schema(client):
    schema = (await client.get("/schema/openapi.json")).json()
    assert "post" in schema["paths"]["/api/v1/triage"]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
bodies = st.one_of(
    json_values,
    st.builds(lambda t: {"text": t}, st.text(max_size=300)),
    st.builds(
        lambda t, extra: {"text": t, **extra},
        st.text(max_size=80),
        st.dictionaries(st.text(max_size=5), json_values, max_size=2),
    ),
)


@pytest.fixture
async def open_client(tmp_path):
    app = create_app(make_settings(tmp_path, rate_limits={"disabled": True}))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=bodies)
async def test_random_bodies_never_fail(open_client, body):
    response = await post_raw(open_client, json.dumps(body))
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert isinstance(body, dict) and isinstance(body.get("text"), str)
        assert_valid_answer(response.json())
    else:
        assert "text" in response.json()["errors"]
