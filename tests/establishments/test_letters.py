"""The printed letters of « Informer »: what they say, in what font, and which one a school
is offered."""

import datetime as dt
import io

import pypdf
import pytest
from litestar.testing import AsyncTestClient

from helpdesk.accounts.port import ACTIVE
from helpdesk.app import create_app
from helpdesk.core.french import date_fr
from helpdesk.establishments.tables import LetterDelivery
from helpdesk.tickets.tables import Attachment
from tests.helpers import account_action, api_ticket, login, make_staff, text_of

ACADEMIE_PAGE = "https://www.ac-orleans-tours.fr/educonnect"


@pytest.fixture
async def desk(settings):
    settings = settings.with_changes(rate_limits={"disabled": True}, letters={"url": ACADEMIE_PAGE})
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        directory = app.state.accounts
        await directory.add_establishment("0450782F", "Lycée des Coteaux", academie="orleans-tours")
        lucja = await directory.add_account(
            "responsable", "Łucja", "Doğan", uai="0450782F", state=ACTIVE,
            email="lucja@example.pl", email_confirmed=True, password="Un-mot-de-passe-1",
        )  # fmt: skip
        await make_staff("agent@ot.fr", name="Agnès Roux")
        await make_staff("ce@coteaux.fr", role="establishment", academie="", uais=["0450782F"])
        await login(client, "agent@ot.fr")
        client.lucja = lucja
        yield client


async def pdf_text(client, reference: str, attachment_id: int) -> str:
    pdf = await client.get(f"/agent/tickets/{reference}/pieces/{attachment_id}")
    assert pdf.headers["content-type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)


async def test_the_compromise_letter_carries_identifier_and_password(desk):
    lucja = desk.lucja
    reference = await api_ticket(desk, category="compte_compromis")
    marked = await account_action(desk, reference, lucja, "mark_compromised", "m1", reason="Vol")
    assert marked.status_code == 303, text_of(marked)[:300]
    informed = await account_action(desk, reference, lucja, "inform", "m2", mode="courrier")
    assert informed.status_code == 303, text_of(informed)[:300]
    letter = await Attachment.select().where(Attachment.content_type == "application/pdf").first()
    text = await pdf_text(desk, reference, letter["id"])
    account = await desk.app.state.accounts.get(lucja, "orleans-tours")
    assert "Changement de votre mot de passe" in text
    assert f"Identifiant\u00a0: {lucja}" in text.replace(" :", "\u00a0:")
    assert account.provisional_password and account.provisional_password in text
    assert "Mot de passe provisoire" in text


async def test_a_letter_prints_every_name_a_french_date_and_the_academies_page(desk):
    reference = await api_ticket(desk, category="mot_de_passe")
    done = await account_action(desk, reference, desk.lucja, "inform", "l1", mode="courrier")
    assert done.status_code == 303, text_of(done)[:300]
    letter = await Attachment.select().where(Attachment.content_type == "application/pdf").first()
    text = await pdf_text(desk, reference, letter["id"])
    assert "Łucja Doğan" in text and "?" not in text.split("Bonjour")[1].split(",")[0]
    assert f"Le {date_fr(dt.date.today())}" in text
    assert dt.date.today().isoformat() not in text
    assert ACADEMIE_PAGE in text and "https://teleservices.education.gouv.fr" in text


async def test_the_school_is_offered_only_the_latest_letter_of_an_account(desk):
    reference = await api_ticket(desk, category="mot_de_passe")
    for key in ("p1", "p2"):
        done = await account_action(
            desk, reference, desk.lucja, "inform", key, mode="courrier", reset_password="1"
        )
        assert done.status_code == 303, text_of(done)[:300]
    old, new = await LetterDelivery.select().order_by(LetterDelivery.id)
    school = AsyncTestClient(app=desk.app, base_url="http://testserver.local")
    async with school:
        await login(school, "ce@coteaux.fr")
        home = text_of(await school.get("/etablissement"))
        assert home.count("Remplacé") == 1 and home.count("Marquer comme remis") == 1
        assert f"/etablissement/courriers/{new['id']}" in home
        assert f"/etablissement/courriers/{old['id']}" not in home
        assert (await school.get(f"/etablissement/courriers/{old['id']}")).status_code == 404
        assert (await school.get(f"/etablissement/courriers/{new['id']}")).status_code == 200
