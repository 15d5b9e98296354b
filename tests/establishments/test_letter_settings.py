"""« Paramètres » (guide §7): the addresses printed in letters, set for the académie by a
supervisor and overridden for one school by its staff."""

import io

import pypdf
import pytest
from litestar.testing import AsyncTestClient

from helpdesk.accounts.port import ACTIVE
from helpdesk.app import create_app
from helpdesk.establishments.tables import LetterAddress
from helpdesk.tickets.tables import Attachment
from tests.helpers import account_action, api_ticket, login, make_staff, staff_post, text_of

ACADEMIE_PAGE = "https://www.ac-orleans-tours.fr/educonnect"
SCHOOL_PAGE = "https://coteaux.example.fr/familles"
SCHOOL_ENT = "https://ent.coteaux.example.fr"
COTEAUX, VALLEE = "0450782F", "0451042N"


@pytest.fixture
async def desk(settings):
    settings = settings.with_changes(rate_limits={"disabled": True})
    app = create_app(settings)
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        directory = app.state.accounts
        client.accounts = {}
        for uai, name in ((COTEAUX, "Lycée des Coteaux"), (VALLEE, "Lycée de la Vallée")):
            await directory.add_establishment(uai, name, academie="orleans-tours")
            client.accounts[uai] = {
                kind: await directory.add_account(
                    kind, "Inès", f"Caron {uai}", uai=uai, state=ACTIVE
                )
                for kind in ("responsable", "eleve")
            }
        await make_staff("chef@ot.fr", role="supervisor", name="Marc Petit")
        await make_staff("agent@ot.fr", name="Agnès Roux")
        await make_staff("ce@coteaux.fr", role="establishment", academie="", uais=[COTEAUX])
        yield client


async def letter_text(client, account: str, key: str) -> str:
    """Inform `account` by letter from a ticket; the text of the PDF kept on it."""
    reference = await api_ticket(client, category="mot_de_passe")
    done = await account_action(client, reference, account, "inform", key, mode="courrier")
    assert done.status_code == 303, text_of(done)[:300]
    letter = (
        await Attachment.select()
        .where(Attachment.content_type == "application/pdf")
        .order_by(Attachment.id, ascending=False)
        .first()
    )
    pdf = await client.get(f"/agent/tickets/{reference}/pieces/{letter['id']}")
    return "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.content)).pages)


async def test_a_school_override_is_printed_on_its_letters_the_academies_on_others(desk):
    await login(desk, "chef@ot.fr")
    saved = await staff_post(desk, "/agent/etablissements/parametres", {"page": ACADEMIE_PAGE})
    assert saved.status_code == 303
    assert "Adresses enregistrées pour votre académie." in text_of(
        await desk.get("/agent/etablissements/parametres")
    )
    await desk.post("/deconnexion", follow_redirects=False)

    await login(desk, "ce@coteaux.fr")
    school_page = f"/etablissement/comptes/{COTEAUX}/parametres"
    assert ACADEMIE_PAGE in text_of(await desk.get(school_page))  # what applies if left empty
    saved = await staff_post(desk, school_page, {"page": SCHOOL_PAGE, "ent": SCHOOL_ENT})
    assert saved.status_code == 303
    await desk.post("/deconnexion", follow_redirects=False)

    await login(desk, "agent@ot.fr")
    coteaux, vallee = desk.accounts[COTEAUX], desk.accounts[VALLEE]
    text = await letter_text(desk, coteaux["responsable"], "c1")
    assert SCHOOL_PAGE in text and ACADEMIE_PAGE not in text
    assert "https://teleservices.education.gouv.fr" in text
    assert SCHOOL_ENT in await letter_text(desk, coteaux["eleve"], "c2")
    text = await letter_text(desk, vallee["responsable"], "v1")
    assert ACADEMIE_PAGE in text and SCHOOL_PAGE not in text
    text = await letter_text(desk, vallee["eleve"], "v2")
    assert ACADEMIE_PAGE in text and SCHOOL_ENT not in text


async def test_a_wrong_address_is_refused_in_french_and_nothing_saved(desk):
    await login(desk, "ce@coteaux.fr")
    school_page = f"/etablissement/comptes/{COTEAUX}/parametres"
    for typed in ("www.coteaux.fr", "javascript:alert(1)", "https://coteaux fr"):
        refused = await staff_post(desk, school_page, {"page": typed, "ent": ""})
        assert refused.status_code == 422, typed
        assert "Saisissez" in text_of(refused)
    assert await LetterAddress.count() == 0


async def test_each_sees_only_their_own_settings(desk):
    await login(desk, "ce@coteaux.fr")
    other = await desk.get(f"/etablissement/comptes/{VALLEE}/parametres")
    assert other.status_code == 404
    assert (
        await desk.get("/agent/etablissements/parametres", follow_redirects=False)
    ).status_code in (303, 403, 404)
    await desk.post("/deconnexion", follow_redirects=False)
    await login(desk, "agent@ot.fr")  # an agent, not a supervisor
    refused = await desk.get("/agent/etablissements/parametres", follow_redirects=False)
    assert refused.status_code in (303, 403, 404)
