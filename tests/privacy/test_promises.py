"""The public pages promise the delay the purge uses, and what it does."""

from __future__ import annotations

import pytest

from helpdesk.privacy.purge import purge
from helpdesk.tickets.tables import Ticket
from tests.helpers import VALID_FORM, bearer, form_page, submit_form, text_of
from tests.privacy.conftest import after_retention


@pytest.mark.settings(privacy={"retention_days": 30})
async def test_the_pages_say_the_delay_the_purge_keeps(desk, settings):
    page = text_of(await desk.get("/donnees-personnelles"))
    assert "anonymisées 30\u00a0jours après sa clôture, dans la nuit qui suit" in page
    assert "effacée au bout d'un jour" in page
    assert "anonymisées 30 jours après la clôture" in text_of(await form_page(desk))

    await submit_form(desk, VALID_FORM)
    reference = (await Ticket.select().first())["reference"]
    headers = await bearer(desk, "agent@ot.fr")
    await desk.patch(f"/api/v1/tickets/{reference}", json={"status": "clos"}, headers=headers)
    on_the_29th = after_retention(settings, days=-1)
    assert (await purge(settings.privacy.retention_days, settings, as_of=on_the_29th)).tickets == 0
    done = await purge(settings.privacy.retention_days, settings, as_of=after_retention(settings))
    assert done.tickets == 1
