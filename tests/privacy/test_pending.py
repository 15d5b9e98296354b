"""Screenshots kept by the « Vérifier » step of a form never sent go after a day."""

from __future__ import annotations

import datetime as dt

from helpdesk.tickets.attachments import PENDING
from helpdesk.tickets.pending import purge_abandoned_uploads
from tests.helpers import VALID_FORM, form_page, stored_files, submit_form
from tests.tickets.test_form import PNG


async def checked_form(client):
    """The form sent to « Vérifier » (no JavaScript) with a screenshot, then left."""
    page = await form_page(client)
    checked = await submit_form(
        client,
        {**VALID_FORM, "js": ""},
        files={"piece_jointe": ("capture.png", PNG, "image/png")},
        page=page,
    )
    assert checked.status_code == 200
    return page


async def test_abandoned_screenshots_go_after_a_day(client, settings):
    await checked_form(client)
    assert await stored_files(settings, PENDING) == 2  # the image and what it is
    now = dt.datetime.now(dt.UTC)
    assert await purge_abandoned_uploads(settings, now + dt.timedelta(hours=23)) == 0
    assert await stored_files(settings, PENDING) == 2
    assert await purge_abandoned_uploads(settings, now + dt.timedelta(days=1, minutes=1)) == 2
    assert await stored_files(settings, PENDING) == 0


async def test_the_worker_round_deletes_them(client, settings):
    from helpdesk.privacy.nightly import privacy_chores
    from helpdesk.state import worker_state

    await checked_form(client)
    await privacy_chores(worker_state(settings), dt.datetime.now(dt.UTC) + dt.timedelta(days=2))
    assert await stored_files(settings, PENDING) == 0


async def test_the_purge_command_deletes_them_too(client, settings):
    """Hosts without a worker schedule `helpdesk purge`: it does this chore as well."""
    import os

    from helpdesk.tickets.tables import StoredFile
    from tests.privacy.test_purge import run_cli

    await checked_form(client)
    two_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
    if settings.is_sqlite:  # the files' age, as two days had passed
        for path in (settings.data_dir / PENDING).iterdir():
            os.utime(path, (two_days_ago.timestamp(), two_days_ago.timestamp()))
    else:
        await StoredFile.update({StoredFile.created_at: two_days_ago}).where(
            StoredFile.name.like(f"{PENDING}/%")
        )
    assert run_cli(settings).returncode == 0
    assert await stored_files(settings, PENDING) == 0
