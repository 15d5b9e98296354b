"""« Sélectionner les N comptes de cette liste »: a bulk action on every account a filter gives,
on all the pages of the list, the filter read again when the action is confirmed; through the
HTTP account adapter. Pages of 5 accounts and slices of 3 here, to have several of each."""

from __future__ import annotations

import re

import pytest

from helpdesk.auth.tables import AuditLog
from helpdesk.core.ratelimit import Limit
from helpdesk.establishments import bulk, lists
from helpdesk.establishments.tables import LetterBatch
from tests.establishments.conftest import TILLEULS
from tests.establishments.test_batches import detail_of
from tests.establishments.test_bulk import ask, pdf_pages
from tests.helpers import csrf_token, login, text_of

BASE = f"/etablissement/comptes/{TILLEULS}"
NEVER = {"public": "responsables", "etat": "non_active_non_informe"}


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(lists, "PAGE_SIZE", 5)
    monkeypatch.setattr(bulk, "MAX_ACCOUNTS", 3)


def hidden(page_html: str) -> dict:
    """The hidden fields of the page's forms, as a browser sends them."""
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page_html))


async def select_whole_list(client, filters: dict, action: str):
    """« Sélectionner les N comptes de cette liste », then the action's button."""
    listing = await client.get(f"{BASE}/liste", params={**filters, "tout": "1"})
    fields = hidden(listing.text)
    assert fields["selection"] == "liste"
    return listing, await client.post(
        f"{BASE}/action", data={**fields, "action": action}, follow_redirects=False
    )


async def test_every_page_of_a_filtered_list_is_informed_as_the_filter_reads_at_confirmation(
    over_http, small_pages
):
    client = over_http
    await login(client, "ecole@ot.fr")
    never = [
        p.identifier for p in client.people.responsables if p.state == "Non activé - non informé"
    ]
    assert len(never) > 2 * 5  # more than two pages, more than three slices
    listing = await client.get(f"{BASE}/liste", params=NEVER)
    assert f"Sélectionner les {len(never)} comptes de cette liste" in text_of(listing)
    listing, confirm = await select_whole_list(client, NEVER, "inform")
    pages = -(-len(never) // 5)
    assert (
        f"Les {len(never)} comptes de cette liste sont sélectionnés, sur ses {pages} pages"
        in text_of(listing)
    )
    assert listing.text.count("checked disabled") == 5  # this page's boxes, shown ticked
    exported = await client.post(
        f"{BASE}/selection", data={**hidden(listing.text), "format": "csv"}
    )
    assert exported.content.decode("utf-8-sig").count("\r\n") == len(never) + 1  # and a header
    assert confirm.status_code == 200
    page = text_of(confirm)
    assert f"Informer\u00a0: {len(never)} comptes" in page
    assert "État du compte\u00a0: Comptes non actifs et non informés" in page
    assert 'name="compte"' not in confirm.text  # the selection is the filter
    fields = hidden(confirm.text)
    assert fields["nombre"] == str(len(never)) and fields["etat"] == "non_active_non_informe"

    # Meanwhile one of them is informed on its own: the list now holds one account less.
    await ask(client, "responsables", "inform", never[:1])
    changed = await client.post(f"{BASE}/action/confirmer", data={**fields, "mode": "courrier"})
    assert changed.status_code == 409
    assert f"elle compte maintenant {len(never) - 1} comptes" in text_of(changed)
    assert await LetterBatch.count() == 1  # nothing done but the single one
    fields = hidden(changed.text)
    done = await client.post(f"{BASE}/action/confirmer", data={**fields, "mode": "courrier"})
    assert done.status_code == 200
    rest = never[1:]
    assert f"Informer\u00a0: {len(rest)} comptes traités (0 par mail, {len(rest)} feuilles" in (
        text_of(done)
    )
    pdf = await client.get(re.search(r'href="([^"]+/documents/[0-9a-f]+)"', done.text)[1])
    pages_of_pdf = pdf_pages(pdf.content)
    assert len(pages_of_pdf) == len(rest)
    assert all(any(i in page for page in pages_of_pdf) for i in rest)
    listed = await client.get(f"{BASE}/liste", params=NEVER)
    assert "Aucun compte ne répond à ces critères." in text_of(listed)
    entry = (
        await AuditLog.select()
        .where(AuditLog.action == "comptes_en_lot")
        .order_by(AuditLog.id, ascending=False)
        .first()
    )
    assert sorted(detail_of(entry)["done"]) == sorted(rest)

    # Confirmed again (a second click): the list is empty now, nothing is done twice.
    again = await client.post(
        f"{BASE}/action/confirmer", data={**fields, "mode": "courrier"}, follow_redirects=False
    )
    assert again.status_code == 303 and "erreur=aucun" in again.headers["location"]
    assert await LetterBatch.count() == 2


async def test_the_single_account_rules_and_the_rate_limit_still_apply(
    over_http, small_pages, monkeypatch
):
    client = over_http
    await login(client, "ecole@ot.fr")
    never = [p.identifier for p in client.people.eleves if p.state == "Non activé - non informé"]
    filters = {"public": "eleves", "etat": "non_active_non_informe"}
    # A reset is refused for accounts never informed (guide 3.4), each with the reason.
    _listing, confirm = await select_whole_list(client, filters, "reset_password")
    done = await client.post(f"{BASE}/action/confirmer", data=hidden(confirm.text))
    assert "0 compte traité" in text_of(done)
    assert all(i in text_of(done) for i in never) and "Informer" in text_of(done)
    # Each slice of the list counts as one request against the hourly limit.
    client.app_state.rate_limiter.disabled = False
    monkeypatch.setattr(bulk, "BULK_LIMIT", Limit("comptes_en_lot_test", 2, 3600))
    _listing, confirm = await select_whole_list(client, filters, "inform")
    refused = await client.post(f"{BASE}/action/confirmer", data=hidden(confirm.text))
    assert refused.status_code == 429 and "Trop d'actions en lot" in text_of(refused)
    listed = await client.get(f"{BASE}/liste", params=filters)
    assert f"{len(never)} comptes sur" in text_of(listed)  # none was informed


async def test_a_wrong_criterion_or_another_school_acts_on_nothing(over_http):
    client = over_http
    await login(client, "ecole@ot.fr")
    listing = await client.get(f"{BASE}/liste", params=NEVER)
    form = {
        "_csrf_token": csrf_token(listing.text),
        "selection": "liste",
        "public": "responsables",
        "etat": "bidon",
        "action": "inform",
    }
    wrong = await client.post(f"{BASE}/action", data=form, follow_redirects=False)
    assert wrong.status_code == 303
    shown = await client.get(wrong.headers["location"])
    assert shown.status_code == 422 and "Ce critère n'existe pas" in text_of(shown)
    await login(client, "autre@ot.fr")
    listing = await client.get("/etablissement/comptes/0451042N/liste")
    form = {**form, "_csrf_token": csrf_token(listing.text), "etat": "non_active_non_informe"}
    assert (await client.post(f"{BASE}/action/confirmer", data=form)).status_code == 404
    assert await AuditLog.count().where(AuditLog.action == "comptes_en_lot") == 0
