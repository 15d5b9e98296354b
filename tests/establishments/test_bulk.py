"""« Informer » and « Réinitialiser les mots de passe » for many accounts, through the HTTP
account adapter against the real account API (guide 3.2, 3.4, 5.2, 5.4)."""

from __future__ import annotations

import io
import json
import re

import pypdf

from helpdesk.auth.tables import AuditLog
from helpdesk.mail.tables import OutboxMail
from tests.establishments.conftest import TILLEULS
from tests.helpers import csrf_token, login, text_of

BASE = f"/etablissement/comptes/{TILLEULS}"


async def ask(
    client, public: str, action: str, accounts: list[str], mode: str = "courrier", base: str = ""
):
    """Tick the accounts in the list, press the action's button, then confirm."""
    base = base or BASE
    listing = await client.get(f"{base}/liste", params={"public": public})
    token = csrf_token(listing.text)
    form = {"_csrf_token": token, "public": public, "action": action, "compte": accounts}
    confirm = await client.post(f"{base}/action", data=form, follow_redirects=False)
    if confirm.status_code != 200:
        return confirm, None
    request_id = re.search(r'name="request_id" value="([0-9a-f]+)"', confirm.text)[1]
    done = await client.post(
        f"{base}/action/confirmer",
        data={**form, "mode": mode, "request_id": request_id},
    )
    return confirm, done


def pdf_pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(content)).pages]


async def test_inform_many_by_mail_only_where_the_address_is_confirmed(over_http):
    client = over_http
    await login(client, "ecole@ot.fr")
    people = client.people.responsables
    confirmed = [
        p for p in people if p.state == "Activé" and p.email and not p.flags and p.email_confirmed
    ][:2]
    never = [p for p in people if p.state == "Non activé - non informé" and not p.flags][:2]
    chosen = [p.identifier for p in confirmed + never]
    confirm, done = await ask(client, "responsables", "inform", chosen, mode="mail")
    assert "Informer\u00a0: 4 comptes" in text_of(confirm)
    assert "Confirmer pour 4 comptes" in confirm.text
    assert done.status_code == 200
    assert "Informer\u00a0: 4 comptes traités (2 par mail, 2 feuilles imprimables)." in text_of(
        done
    )
    mails = await OutboxMail.select(OutboxMail.recipient)
    assert sorted(m["recipient"] for m in mails) == sorted(p.email for p in confirmed)
    link = re.search(r'href="([^"]+/documents/[0-9a-f]+)"', done.text)[1]
    pdf = await client.get(link)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    pages = pdf_pages(pdf.content)
    assert len(pages) == 2  # one page per account informed by letter
    for person in never:  # in the list's order
        [page] = [page for page in pages if person.identifier in page]
        assert "Mot de passe provisoire" in page
    # The accounts never informed are now informed; the action is recorded.
    listing = await client.get(
        f"{BASE}/liste", params={"public": "responsables", "etat": "non_active_informe"}
    )
    assert all(p.identifier in listing.text for p in never)
    [entry] = await AuditLog.select().where(AuditLog.action == "comptes_en_lot")
    detail = entry["detail"] if isinstance(entry["detail"], dict) else json.loads(entry["detail"])
    assert detail["uai"] == TILLEULS and sorted(detail["done"]) == sorted(chosen)
    # Another school's staff cannot fetch the letters.
    await login(client, "autre@ot.fr")
    assert (await client.get(link)).status_code == 404


async def test_reset_many_gives_a_list_of_provisional_passwords_and_says_what_was_refused(
    over_http,
):
    client = over_http
    await login(client, "agent@ot.fr")
    global BASE
    base, BASE = BASE, f"/agent/etablissements/{TILLEULS}"
    try:
        eleves = client.people.eleves
        active = [p for p in eleves if p.state == "Activé"][:2]
        never = [p for p in eleves if p.state == "Non activé - non informé"][:1]
        _confirm, done = await ask(
            client, "eleves", "reset_password", [p.identifier for p in active + never]
        )
        text = text_of(done)
        assert "Réinitialiser les mots de passe\u00a0: 2 comptes traités." in text
        assert never[0].identifier in text and "Informer" in text  # refused, with the reason
        link = re.search(r'href="([^"]+/documents/[0-9a-f]+)"', done.text)[1]
        listed = "".join(pdf_pages((await client.get(link)).content))
        assert all(p.identifier in listed for p in active)
        assert await OutboxMail.count() == 0  # a reset sends nothing (guide 5.4)
    finally:
        BASE = base


async def test_nothing_ticked_another_schools_account_or_another_academie(over_http):
    client = over_http
    await login(client, "ecole@ot.fr")
    response, _ = await ask(client, "eleves", "inform", [])
    assert response.status_code == 303 and "erreur=vide" in response.headers["location"]
    # An account of another school is not in this school's list: nothing to do.
    response, _ = await ask(client, "eleves", "inform", ["x.inconnu1"])
    assert response.status_code == 303
    await login(client, "agent@lyon.fr")
    listing = await client.get("/connexion")
    refused = await client.post(
        f"/agent/etablissements/{TILLEULS}/action/confirmer",
        data={
            "_csrf_token": csrf_token(listing.text),
            "public": "eleves",
            "action": "inform",
            "compte": [client.people.eleves[0].identifier],
        },
    )
    assert refused.status_code == 404
    assert await AuditLog.count().where(AuditLog.action == "comptes_en_lot") == 0


async def test_bulk_actions_are_rate_limited(over_http):
    client = over_http
    client.app_state.rate_limiter.disabled = False
    await login(client, "ecole@ot.fr")
    someone = [client.people.eleves[0].identifier]
    statuses = [(await ask(client, "eleves", "inform", someone))[1].status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429
