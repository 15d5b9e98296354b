"""Random bodies at the endpoints: never a 500, never a ticket from an invalid body."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.tickets.tables import Ticket
from helpdesk.tickets.validation import FIELDS
from tests.helpers import VALID_API, VALID_FORM, csrf_token, form_page

# Any text JSON can carry: control characters, NUL, and halves of UTF-16 pairs ("\ud800").
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | any_text,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=8,
)
field_names = st.sampled_from([*FIELDS, "requester", "child", "x", ""])
api_bodies = st.one_of(
    json_values,
    st.dictionaries(field_names, json_values, max_size=8),
    # valid bodies with one field broken
    st.builds(lambda k, v: {**VALID_API, k: v}, field_names, json_values),
    st.builds(
        lambda k, v: {**VALID_API, "requester": {**VALID_API["requester"], k: v}},
        st.sampled_from(["kind", "first_name", "last_name", "email", "phone"]),
        json_values,
    ),
)
form_bodies = st.one_of(
    st.dictionaries(
        st.sampled_from([*FIELDS, "form_id", "site_web"]), st.text(max_size=60), max_size=10
    ),
    st.builds(
        lambda k, v: {**VALID_FORM, k: v}, st.sampled_from(list(FIELDS)), st.text(max_size=60)
    ),
)
HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture
async def open_client(settings):  # on each database
    settings = settings.with_changes(rate_limits={"disabled": True})
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        yield client


@HYPOTHESIS
@given(body=api_bodies)
async def test_api_never_fails_on_random_json(open_client, body):
    before = await Ticket.count()
    response = await open_client.post(
        "/api/v1/tickets", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert response.status_code in (201, 400, 409, 413, 422), response.text
    assert "errors" in response.json() or response.status_code == 201
    if response.status_code != 201:
        assert await Ticket.count() == before


@HYPOTHESIS
@given(body=form_bodies)
async def test_form_never_fails_on_random_fields(open_client, body):
    page = await form_page(open_client)
    before = await Ticket.count()
    response = await open_client.post(
        "/assistance",
        data={"_csrf_token": csrf_token(page.text), **body},
        files={"piece_jointe": ("", b"")},
        follow_redirects=False,
    )
    assert response.status_code in (200, 303, 422), response.text[:500]
    if response.status_code != 303:
        assert await Ticket.count() == before
