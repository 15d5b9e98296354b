"""Files kept where every host finds them: in the database with PostgreSQL (two app processes
with two data folders stand for two hosts), in the data folder with SQLite."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.tickets.tables import Attachment, StoredFile
from tests.conftest import make_settings
from tests.helpers import VALID_FORM, follow_token, form_page, submit_form
from tests.tickets.test_form import PNG

BASE = "http://testserver.local"


async def test_a_screenshot_sent_to_one_host_is_served_by_another(backend, settings, tmp_path):
    if backend != "postgres":
        pytest.skip("avec SQLite, un seul hôte : les fichiers restent dans son dossier de données")
    other = make_settings(tmp_path / "hote-b", settings.database_url)
    async with (
        AsyncTestClient(app=create_app(settings), base_url=BASE) as host_a,
        AsyncTestClient(app=create_app(other), base_url=BASE) as host_b,
    ):
        sent = await submit_form(
            host_a, VALID_FORM, files={"piece_jointe": ("capture.png", PNG, "image/png")}
        )
        assert sent.status_code == 303
        attachment = await Attachment.select().first()
        link = f"/suivi/{follow_token(sent.headers['location'])}/pieces/{attachment['id']}"
        download = await host_b.get(link)
    assert download.status_code == 200
    assert download.content == PNG
    assert "attachment" in download.headers["content-disposition"]
    assert not (settings.data_dir / "attachments").exists()
    assert await StoredFile.count() == 1


async def test_a_screenshot_checked_on_one_host_is_sent_from_another(backend, settings, tmp_path):
    """« Vérifier » keeps the screenshot; the final « Envoyer » may reach another process."""
    if backend != "postgres":
        pytest.skip("avec SQLite, un seul hôte")
    other = make_settings(tmp_path / "hote-b", settings.database_url)
    async with (
        AsyncTestClient(app=create_app(settings), base_url=BASE) as host_a,
        AsyncTestClient(app=create_app(other), base_url=BASE) as host_b,
    ):
        page = await form_page(host_a)
        checked = await submit_form(
            host_a,
            {**VALID_FORM, "js": ""},
            files={"piece_jointe": ("capture.png", PNG, "image/png")},
            page=page,
        )
        assert checked.status_code == 200  # the « Vérifier » step
        assert 'name="capture_gardee" value="1"' in checked.text  # the page says it is kept
        assert await Attachment.count() == 0
        host_b.cookies = host_a.cookies
        final = await submit_form(
            host_b,
            {**VALID_FORM, "js": "", "verifie": "1", "capture_gardee": "1"},
            files=None,
            page=page,
        )
        assert final.status_code == 303, final.text
    attachment = await Attachment.select().first()
    assert attachment["filename"] == "capture.png"
    assert await StoredFile.count() == 1  # the kept copy went with the ticket
