"""« Courriers à remettre »: the documents of actions on many accounts, handed over and marked by
the school, for the whole batch or account by account, as a single letter is (guide 3.2, 5.4)."""

from __future__ import annotations

import datetime as dt
import json
import re

from helpdesk.auth.tables import AuditLog
from helpdesk.establishments.tables import LetterBatch, LetterBatchAccount
from helpdesk.privacy.purge import purge
from tests.establishments.conftest import TILLEULS
from tests.establishments.test_bulk import ask, pdf_pages
from tests.helpers import csrf_token, login, text_of

SCHOOL = f"/etablissement/comptes/{TILLEULS}"
AGENT = f"/agent/etablissements/{TILLEULS}"


def detail_of(entry) -> dict:
    detail = entry["detail"]
    return detail if isinstance(detail, dict) else json.loads(detail)


def row_of(page, batch_id: int) -> str:
    """The text of the batch's row in the list of batches."""
    html = re.search(rf'<tr id="lot-{batch_id}">(.*?)</tr>', page.text, re.S)[1]
    return re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


async def mark(client, base: str, batch_id: int, **data):
    page = await client.get(f"{base}/courriers/{batch_id}")
    form = {"_csrf_token": csrf_token(page.text), **data}
    return await client.post(
        f"{base}/courriers/{batch_id}/remis", data=form, follow_redirects=False
    )


async def test_a_batch_is_handed_over_account_by_account_then_whole(over_http):
    client = over_http
    await login(client, "ecole@ot.fr")
    never = [p for p in client.people.responsables if p.state == "Non activé - non informé"]
    chosen = [p.identifier for p in never[:3]]
    _confirm, done = await ask(client, "responsables", "inform", chosen)
    assert "3 feuilles imprimables" in text_of(done)
    [batch] = await LetterBatch.select()
    assert re.search(rf'href="{SCHOOL}/courriers/{batch["id"]}"', done.text)
    listed = await client.get(f"{SCHOOL}/courriers")
    row = row_of(listed, batch["id"])
    assert "Feuilles individuelles «\u00a0Informer\u00a0»" in row and "Tilleuls" in row
    assert "3 comptes à remettre" in row
    pdf = await client.get(re.search(r'href="([^"]+/documents/[0-9a-f]+)"', listed.text)[1])
    assert len(pdf_pages(pdf.content)) == 3

    # One account, then the rest of the batch.
    marked = await mark(client, SCHOOL, batch["id"], compte=[chosen[0]])
    assert marked.status_code == 303
    page = text_of(await client.get(marked.headers["location"]))
    assert "Remise notée pour 1 compte." in page and "2 à remettre" in page
    assert page.count("Remis le") == 1
    whole = await mark(client, SCHOOL, batch["id"], tout="1")
    page = text_of(await client.get(whole.headers["location"]))
    assert "Remise notée pour 2 comptes." in page and page.count("Remis le") == 3
    assert "Remis" in row_of(await client.get(f"{SCHOOL}/courriers"), batch["id"])
    again = await mark(client, SCHOOL, batch["id"], tout="1")
    assert "déjà marqués comme remis" in text_of(await client.get(again.headers["location"]))
    nothing = await mark(client, SCHOOL, batch["id"])
    assert nothing.status_code == 422 and "Cochez les comptes" in text_of(nothing)

    # In the audit log: who marked which accounts of which batch, once each.
    entries = await AuditLog.select().where(AuditLog.action == "courriers_remis")
    assert [sorted(detail_of(e)["comptes"]) for e in entries] == [chosen[:1], sorted(chosen[1:])]
    assert all(detail_of(e)["lot"] == batch["id"] for e in entries)
    [bulk] = await AuditLog.select().where(AuditLog.action == "comptes_en_lot")
    assert detail_of(bulk)["lot"] == batch["id"]


async def test_a_newer_batch_replaces_an_account_and_a_replayed_request_makes_no_other(
    over_http,
):
    client = over_http
    await login(client, "agent@ot.fr")
    active = [p.identifier for p in client.people.eleves if p.state == "Activé"][:2]
    listing = await client.get(f"{AGENT}/liste", params={"public": "eleves"})
    form = {
        "_csrf_token": csrf_token(listing.text),
        "public": "eleves",
        "action": "reset_password",
        "compte": active,
        "request_id": "a" * 32,
    }
    first = await client.post(f"{AGENT}/action/confirmer", data=form)
    again = await client.post(f"{AGENT}/action/confirmer", data=form)  # a double click
    assert first.status_code == again.status_code == 200
    assert await LetterBatch.count() == 1
    assert await AuditLog.count().where(AuditLog.action == "comptes_en_lot") == 1
    _confirm, second = await ask(client, "eleves", "reset_password", active[1:], base=AGENT)
    assert second.status_code == 200
    older, newer = await LetterBatch.select().order_by(LetterBatch.id)

    page = text_of(await client.get(f"{AGENT}/courriers/{older['id']}"))
    assert "Remplacé</span> par un lot plus récent" in page and "1 à remettre" in page
    assert "Liste des mots de passe provisoires" in page
    whole = await mark(client, AGENT, older["id"], tout="1")
    assert "Remise notée pour 1 compte." in text_of(await client.get(whole.headers["location"]))
    listed = await client.get(f"{AGENT}/courriers")
    assert "Remis (1 compte remplacé)" in row_of(listed, older["id"])
    assert "1 compte à remettre" in row_of(listed, newer["id"])


async def test_each_sees_the_batches_of_their_own_schools_only(over_http):
    client = over_http
    await login(client, "ecole@ot.fr")
    chosen = [p.identifier for p in client.people.eleves if p.state == "Activé"][:1]
    await ask(client, "eleves", "reset_password", chosen)
    [batch] = await LetterBatch.select()
    await login(client, "autre@ot.fr")  # the staff of another school of the académie
    for url in (f"{SCHOOL}/courriers", f"{SCHOOL}/courriers/{batch['id']}"):
        assert (await client.get(url)).status_code == 404
    own = "/etablissement/comptes/0451042N/courriers"
    assert (await client.get(f"{own}/{batch['id']}")).status_code == 404  # not its batch
    assert batch["document"] not in (await client.get(own)).text
    listing = await client.get(own)
    refused = await client.post(
        f"{SCHOOL}/courriers/{batch['id']}/remis",
        data={"_csrf_token": csrf_token(listing.text), "tout": "1"},
    )
    assert refused.status_code == 404
    await login(client, "agent@lyon.fr")  # an agent of another académie
    assert (await client.get(f"{AGENT}/courriers/{batch['id']}")).status_code == 404
    await login(client, "agent@ot.fr")  # an agent of the school's académie
    assert chosen[0] in text_of(await client.get(f"{AGENT}/courriers/{batch['id']}"))
    assert await AuditLog.count().where(AuditLog.action == "courriers_remis") == 0


async def test_the_purge_deletes_batches_and_their_documents_past_the_delay(school):
    """A document of provisional passwords is not kept for ever: past HELPDESK_RETENTION_DAYS
    the purge deletes it with its batch."""
    settings = school.app_state.settings
    await login(school, "ecole@ot.fr")
    never = [p for p in school.people.responsables if p.state == "Non activé - non informé"]
    await ask(school, "responsables", "inform", [p.identifier for p in never[:2]])
    [batch] = await LetterBatch.select()
    document = f"{SCHOOL}/documents/{batch['document']}"
    assert (await school.get(document)).status_code == 200

    assert (await purge(settings.privacy.retention_days, settings)).letter_batches == 0
    later = dt.date.today() + dt.timedelta(days=settings.privacy.retention_days + 1)
    dry = await purge(settings.privacy.retention_days, settings, as_of=later, dry_run=True)
    assert dry.letter_batches == 1 and await LetterBatch.count() == 1
    assert (await purge(settings.privacy.retention_days, settings, as_of=later)).letter_batches == 1
    assert await LetterBatch.count() == 0 and await LetterBatchAccount.count() == 0
    assert (await school.get(document)).status_code == 404
    assert (await school.get(f"{SCHOOL}/courriers/{batch['id']}")).status_code == 404
