"""Random requests at every route of the app, public and staff, forms and JSON: never a 500.

The routes come from the app itself, so a new one is covered without being listed here; the
field names from the templates and the handlers, so random values land in real fields.
tests/tickets/test_properties.py goes deeper into the assistance form and the tickets API.
"""

import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from helpdesk import PROJECT_DIR
from helpdesk.app import create_app
from helpdesk.auth.tables import User
from helpdesk.categories.catalogue import CATEGORIES
from helpdesk.establishments.tables import Transmission
from helpdesk.tickets.tables import STATUSES
from tests.helpers import (
    VALID_API,
    bearer,
    csrf_token,
    login,
    make_staff,
)

BASE = "http://testserver.local"
# Routes that change who is logged in, or serve files: not inputs to fuzz with this client.
SKIPPED = re.compile(r"^/(?:connexion|deconnexion|api/v1/auth/|static|dsfr|swagger-ui|schema)")


def field_names() -> list[str]:
    """The names of the fields the pages send and the handlers read."""
    names = set()
    for template in (PROJECT_DIR / "templates").rglob("*.html"):
        names |= set(re.findall(r'name="([a-z_]+)"', template.read_text()))
    for module in Path(PROJECT_DIR / "helpdesk").rglob("*.py"):
        names |= set(
            re.findall(r'(?:form|body|params|values)\.get(?:all)?\("([a-z_]+)"', module.read_text())
        )
    return sorted(names - {"_csrf_token"})


NAMES = field_names()
ACTIONS = [
    "prendre",
    "assigner",
    "modifier",
    "fusionner",
    "transferer",
    "spam",
    "note",
    "repondre",
    "transmettre",
    "incident",
    "compte_verifier",
    "compte_executer",
]
MEANINGFUL = [
    *ACTIONS,
    *STATUSES,
    *CATEGORIES,
    "supprimer",
    "fermer",
    "1",
    "0",
    "-1",
    "2",
    "9" * 30,
    "1e400",
    "NaN",
    "orleans-tours",
    "x" * 300,
    "0450782F",
    "06 12 34 56 78",
    "claire.martin@example.fr",
    "04/03/2016",
    "haute",
    "oui",
    "on",
    "",
]
# Text as a form may carry it: any character but halves of UTF-16 pairs (no UTF-8 for them).
any_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=60)
form_value = st.one_of(st.sampled_from(MEANINGFUL), any_text)
json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(MEANINGFUL),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(NAMES), children, max_size=3)
    ),
    max_leaves=10,
)
fields = st.dictionaries(st.sampled_from(NAMES), form_value, max_size=8) | st.builds(
    # the agents' ticket form: one of its actions, with the ticket's version or another
    lambda others, action, version: {**others, "action": action, "version": version},
    st.dictionaries(st.sampled_from(NAMES), form_value, max_size=5),
    st.sampled_from(ACTIONS),
    st.sampled_from(["1", "2", "0", "9" * 30, ""]),
)
HYPOTHESIS = settings(
    max_examples=250,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def routes(app) -> list[tuple[str, str]]:
    """(method, path) of every route; those that take a body three times, as they take more."""
    return sorted(
        (method, route.path)
        for route in app.routes
        if isinstance(route, HTTPRoute) and not SKIPPED.match(route.path)
        for method in route.methods - {"HEAD", "OPTIONS"}
        for _ in range(1 if method == "GET" else 3)
    )


class Desk:
    """An app with a ticket, a transmission, and its staff logged in."""

    def __init__(self, app, supervisor, school, real: dict[str, str], headers: dict):
        self.app, self.supervisor, self.school = app, supervisor, school
        self.real, self.headers = real, headers

    def client_for(self, path: str):
        return self.school if path.startswith("/etablissement") else self.supervisor

    def url(self, path: str, random_params: dict[str, str]) -> str:
        def value(match: re.Match) -> str:
            name = match.group(1)
            return quote(random_params.get(name, self.real.get(name, "1")), safe="")

        return re.sub(r"\{(\w+)(?::\w+)?\}", value, path)


@pytest.fixture
async def desk(settings):
    # the account API is fuzzed too
    settings = settings.with_changes(
        rate_limits={"disabled": True}, accounts={"api_key": "cle-des-comptes"}
    )
    app = create_app(settings)
    async with (
        AsyncTestClient(app=app, base_url=BASE) as supervisor,
        AsyncTestClient(app=app, base_url=BASE) as school,
    ):
        await make_staff("chef@ot.fr", role="supervisor", name="Chloé Chef")
        agent_id = await make_staff("agent@ot.fr", name="Agnès Roux")
        await make_staff("ecole@ot.fr", role="establishment", uais=["0450782F"], name="Collège")
        created = (await supervisor.post("/api/v1/tickets", json=VALID_API)).json()
        await login(supervisor, "chef@ot.fr")
        await login(school, "ecole@ot.fr")
        page = await supervisor.get(f"/agent/tickets/{created['reference']}")
        token = csrf_token(page.text)
        await supervisor.post(
            f"/agent/tickets/{created['reference']}",
            data={"_csrf_token": token, "action": "transmettre", "question": "Qui est-ce ?"},
        )
        transmission = await Transmission.select(Transmission.id).first()
        real = {
            "reference": created["reference"],
            "token": created["follow_url"].rsplit("/", 1)[1],
            "transmission_id": str(transmission["id"]),
            "user_id": str(agent_id),
            "slug": app.state.faq.faq.questions[0].slug,
        }
        headers = {**await bearer(supervisor, "chef@ot.fr"), "x-api-key": "cle-des-comptes"}
        assert await User.count() == 3
        school.csrf = csrf_token((await school.get("/etablissement/signaler")).text)
        supervisor.csrf = token
        yield Desk(app, supervisor, school, real, headers)


@st.composite
def requests(draw, app_routes):
    method, path = draw(st.sampled_from(app_routes))
    params = draw(
        st.dictionaries(st.sampled_from(["reference", "token", "slug"]), any_text, max_size=1)
    )
    query = draw(st.dictionaries(st.sampled_from(NAMES), form_value, max_size=3))
    if method == "GET":
        return method, path, params, query, None
    if path.startswith("/api/"):
        return (
            method,
            path,
            params,
            query,
            draw(json_value | st.dictionaries(st.sampled_from(NAMES), json_value, max_size=6)),
        )
    return method, path, params, query, draw(fields)


async def send(desk: Desk, method: str, path: str, params: dict, query: dict, body) -> int:
    client = desk.client_for(path)
    url = desk.url(path, params)
    if body is None:
        response = await client.request(method, url, params=query, headers=desk.headers)
    elif path.startswith("/api/"):
        response = await client.request(
            method,
            url,
            params=query,
            content=json.dumps(body).encode(),
            headers={**desk.headers, "content-type": "application/json"},
        )
    else:
        response = await client.request(
            method, url, params=query, data={"_csrf_token": client.csrf, **body}
        )
    assert response.status_code < 500, (method, url, query, body, response.text[:500])
    return response.status_code


@HYPOTHESIS
@given(data=st.data())
async def test_every_route_never_fails_on_random_input(desk, data):
    app_routes = routes(desk.app)
    assert len(app_routes) > 40  # the app's routes, not an empty list
    await send(desk, *data.draw(requests(app_routes)))
