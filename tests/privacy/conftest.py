import datetime as dt
from dataclasses import replace

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from tests.helpers import make_staff

BASE = "http://testserver.local"


@pytest.fixture
async def desk(settings):
    """The app with an agent, a supervisor (Orléans-Tours), a Lyon supervisor and an admin."""
    settings = replace(settings, rate_limit_disabled=True)
    async with AsyncTestClient(app=create_app(settings), base_url=BASE) as client:
        await make_staff("agent@ot.fr", name="Agnès Roux")
        await make_staff("chef@ot.fr", role="supervisor", name="Paul Chef")
        await make_staff("chef@lyon.fr", role="supervisor", academie="lyon", name="Léa Lyon")
        await make_staff("admin@ac.fr", role="admin", academie="", name="Ada Admin")
        yield client


def after_retention(settings, days: int = 1) -> dt.date:
    """A day when what is closed today is past the retention delay."""
    return dt.date.today() + dt.timedelta(days=settings.retention_days + days)
