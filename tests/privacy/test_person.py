"""An admin exports everything held about one e-mail address (JSON, readable PDF) and erases
it; both are written in the audit log."""

from __future__ import annotations

import io
import json

from pypdf import PdfReader

from helpdesk.mail.tables import OutboxMail
from helpdesk.tickets.tables import Ticket
from tests.helpers import (
    VALID_FORM,
    csrf_token,
    login,
    stored_files,
    submit_form,
    text_of,
)
from tests.tickets.test_form import PNG

PAGE = "/admin/donnees-personnelles"
CLAIRE = "claire.martin@example.fr"


async def post(client, **data):
    form = await client.get(PAGE)
    return await client.post(
        PAGE, data={"_csrf_token": csrf_token(form.text), **data}, follow_redirects=False
    )


async def two_people(desk) -> tuple[str, str]:
    await submit_form(desk, VALID_FORM, files={"piece_jointe": ("capture.png", PNG, "image/png")})
    other = {**VALID_FORM, "requester_first_name": "Sophie", "requester_email": "sophie@example.fr"}
    await submit_form(desk, other)
    claire, sophie = [r["reference"] for r in await Ticket.select().order_by(Ticket.id)]
    return claire, sophie


async def test_export_json_and_pdf(desk):
    claire, sophie = await two_people(desk)
    await login(desk, "admin@ac.fr")
    found = text_of(await post(desk, email="Claire.Martin@example.fr", action="chercher"))
    assert claire in found and sophie not in found

    exported = await post(desk, email=CLAIRE, action="json")
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    data = json.loads(exported.content)
    assert [d["reference"] for d in data["demandes"]] == [claire]
    request = data["demandes"][0]
    assert request["demandeur"]["prenom"] == "Claire"
    assert request["demandeur"]["telephone"]
    assert request["eleve"]["date_de_naissance_saisie"] == "04/03/2016"
    assert "refusée à l'activation" in request["message"]
    assert request["pieces_jointes"][0]["nom"] == "capture.png"
    assert data["courriels"] and all(m["objet"] for m in data["courriels"])

    pdf = await post(desk, email=CLAIRE, action="pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in (claire, "Claire Martin", CLAIRE, "04/03/2016", "capture.png", "Orléans"):
        assert expected in text
    assert sophie not in text

    journal = text_of(await desk.get("/admin/journal", params={"action": "export_donnees"}))
    assert journal.count("<td>Données d'une personne exportées</td>") == 2
    assert "format\u00a0: json" in journal and "format\u00a0: pdf" in journal


async def test_erase(desk, settings):
    claire, sophie = await two_people(desk)
    await login(desk, "admin@ac.fr")
    await post(desk, email=CLAIRE, action="json")
    assert await stored_files(settings) == 1

    unconfirmed = await post(desk, email=CLAIRE, action="effacer")
    assert unconfirmed.status_code == 422
    assert "Cochez la case pour confirmer" in text_of(unconfirmed)
    assert await Ticket.count().where(Ticket.requester_email == CLAIRE) == 1

    erased = await post(desk, email=CLAIRE, action="effacer", confirme="1")
    page = text_of(erased)
    assert erased.status_code == 200 and "Données effacées" in page and claire in page
    row = await Ticket.select().where(Ticket.reference == claire).first()
    assert (row["requester_email"], row["requester_first_name"], row["message"]) == ("", "", "")
    assert row["status"] == "clos" and row["category"] == "date_naissance"
    assert await stored_files(settings) == 0
    assert await OutboxMail.count().where(OutboxMail.recipient == CLAIRE) == 0
    other = await Ticket.select().where(Ticket.reference == sophie).first()
    assert other["requester_first_name"] == "Sophie" and other["message"]

    again = json.loads((await post(desk, email=CLAIRE, action="json")).content)
    assert again["demandes"] == [] and again["courriels"] == []
    journal = text_of(await desk.get("/admin/journal"))
    assert "Données d'une personne effacées" in journal and claire in journal
    assert CLAIRE not in journal.replace(f"personne\u00a0: {CLAIRE}", "")  # only the last export
    assert "c…@example.fr" in journal


async def test_bad_address_and_who_may(desk):
    await login(desk, "admin@ac.fr")
    bad = await post(desk, email="pas-une-adresse", action="json")
    assert bad.status_code == 422
    assert "Saisissez une adresse électronique valide" in text_of(bad)
    assert "Traceback" not in bad.text
    for email in ("agent@ot.fr", "chef@ot.fr"):
        await login(desk, email)
        refused = await desk.get(PAGE, follow_redirects=False)
        assert refused.status_code in (303, 401, 403)


async def test_an_address_in_any_script_exports(desk):
    address = "léa.李@example.fr"
    await submit_form(desk, {**VALID_FORM, "requester_email": address})
    await login(desk, "admin@ac.fr")
    exported = await post(desk, email=address, action="json")
    assert exported.status_code == 200
    assert json.loads(exported.content)["demandes"][0]["demandeur"]["courriel"] == address
    assert (await post(desk, email=address, action="pdf")).status_code == 200
