import datetime as dt

import pytest

from tests.factories import admin, agent, desk_client, supervisor

BASE = "http://testserver.local"


@pytest.fixture
async def desk(settings):
    """The app with an agent, a supervisor (Orléans-Tours), a Lyon supervisor and an admin."""
    async with desk_client(settings) as client:
        await agent()
        await supervisor(name="Paul Chef")
        await supervisor("chef@lyon.fr", "Léa Lyon", academie="lyon")
        await admin()
        yield client


def after_retention(settings, days: int = 1) -> dt.date:
    """A day when what is closed today is past the retention delay."""
    return dt.date.today() + dt.timedelta(days=settings.privacy.retention_days + days)
