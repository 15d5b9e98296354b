import httpx
import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app

BASE = "http://testserver.local"


@pytest.fixture
async def two_browsers(settings):
    """Two people on the same app (one process): each their own cookies."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url=BASE) as one:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url=BASE) as two:
            yield one, two
