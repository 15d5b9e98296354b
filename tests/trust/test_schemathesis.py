"""A bounded schemathesis run over the OpenAPI schema the app publishes (/schema): every
operation, with valid and invalid parameters, logged in as an agent: never a 500."""

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

from helpdesk.app import create_app
from tests.helpers import VALID_API, bearer, make_staff

BASE = "http://testserver.local"


@pytest.fixture
async def api(settings):
    settings = settings.with_changes(rate_limits={"disabled": True})
    async with AsyncTestClient(app=create_app(settings), base_url=BASE) as client:
        await make_staff("agent@ot.fr", name="Agnès Roux")
        await client.post("/api/v1/tickets", json=VALID_API)
        client.headers.update(await bearer(client, "agent@ot.fr"))
        document = (await client.get("/schema/openapi.json")).json()
        schema = schemathesis.openapi.from_dict(document)
        operations = [result.ok() for result in schema.get_all_operations()]
        # Logging out would end the run's token: it is an input like the others, but last.
        client.operations = [op for op in operations if not op.path.endswith("/logout")]
        yield client


def cases(operations):
    return st.sampled_from(operations).flatmap(
        lambda operation: st.sampled_from(list(GenerationMode)).flatmap(operation.as_strategy)
    )


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same cases on every run: CI is reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
async def test_no_operation_of_the_schema_fails(api, data):
    assert len(api.operations) >= 10
    case = data.draw(cases(api.operations))
    # The schema declares the bearer token, so schemathesis makes one up: the run's own token
    # (logged in as an agent) is the one that opens the operations.
    headers = {k: str(v) for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    body = None if case.body is NOT_SET else case.body
    if body is not None and not isinstance(body, bytes):  # bytes: a body broken on purpose
        body = json.dumps(body).encode()
    if body is not None:
        headers.setdefault("content-type", "application/json")
    response = await api.request(
        case.method,
        case.formatted_path,
        params=case.query or None,
        headers=headers,
        content=body,
    )
    assert response.status_code < 500, (case.method, case.formatted_path, case.query, body)
