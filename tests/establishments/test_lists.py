"""The lists of a school (guide 3.1, 3.3, 5.1, 5.3): each filter against the demo directory,
the selection, the CSV (UTF-8 with BOM, « ; », French headings) and the printable PDF."""

from __future__ import annotations

import csv
import io
import re

import pypdf

from tests.establishments.conftest import TILLEULS
from tests.helpers import csrf_token, login, text_of

LIST = f"/etablissement/comptes/{TILLEULS}/liste"


def listed(page) -> set[str]:
    return set(re.findall(r'name="compte" value="([^"]+)"', page.text))


async def test_each_filter_gives_the_accounts_of_the_directory(school):
    await login(school, "ecole@ot.fr")
    people = school.people
    eleves = people.eleves
    classe = sorted({p.classe for p in eleves})[0]
    mef = sorted({p.mef for p in eleves})[-1]
    cases = [
        ({"public": "eleves"}, eleves),
        ({"public": "eleves", "classe": classe}, [p for p in eleves if p.classe == classe]),
        ({"public": "eleves", "mef": mef}, [p for p in eleves if p.mef == mef]),
        (
            {"public": "eleves", "etat": "non_active_informe"},
            [p for p in eleves if p.state == "Non activé - informé"],
        ),
        (
            {"public": "responsables", "portable": "absent"},
            [p for p in people.responsables if not p.mobile],
        ),
        (
            {"public": "responsables", "portable": "non_confirme"},
            [p for p in people.responsables if p.mobile and not p.mobile_confirmed],
        ),
        (
            {"public": "responsables", "mail": "absente"},
            [p for p in people.responsables if not p.email],
        ),
        (
            {"public": "responsables", "a_traiter": "date_naissance"},
            [p for p in people.responsables if "date_naissance_signalee_incorrecte" in p.flags],
        ),
        (
            {"public": "responsables", "compromis": "1", "etat": "active"},
            [p for p in people.responsables if "compromis" in p.flags and p.state == "Activé"],
        ),
    ]
    for params, wanted in cases:
        page = await school.get(LIST, params=params)
        assert page.status_code == 200, params
        assert listed(page) == {p.identifier for p in wanted}, params
    # The responsables of a class: those of its pupils.
    in_class = {p.key for p in eleves if p.classe == classe}
    page = await school.get(LIST, params={"public": "responsables", "classe": classe})
    parents = {
        link.responsable.identifier
        for link in school.people_links
        if link.eleve.key in in_class and link.status != "signale_errone"
    }
    assert listed(page) == parents and parents


async def test_an_unknown_filter_value_is_said_and_changes_nothing(school):
    await login(school, "ecole@ot.fr")
    page = await school.get(LIST, params={"public": "eleves", "classe": "9e Z", "etat": "rouge"})
    assert page.status_code == 422
    text = text_of(page)
    assert "Classe\u00a0: Ce critère n'existe pas pour cette liste\u00a0: il est ignoré." in text
    assert listed(page) == {p.identifier for p in school.people.eleves}


async def test_csv_export_opens_in_a_french_spreadsheet(school):
    await login(school, "ecole@ot.fr")
    params = {"public": "responsables", "etat": "non_active_non_informe", "format": "csv"}
    response = await school.get(LIST, params=params)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body[3:].decode("utf-8")), delimiter=";"))
    assert rows[0][:6] == ["Nom", "Prénom", "Identifiant", "Classe", "MEF", "État du compte"]
    wanted = [p for p in school.people.responsables if p.state == "Non activé - non informé"]
    assert sorted(r[2] for r in rows[1:]) == sorted(p.identifier for p in wanted)
    assert {r[5] for r in rows[1:]} == {"Non activé - non informé"}


async def test_pdf_list_and_a_selection(school):
    await login(school, "ecole@ot.fr")
    response = await school.get(LIST, params={"public": "eleves", "format": "pdf"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(response.content)).pages)
    assert "Élèves - Collège des Tilleuls (0450782F)" in text
    assert f"{len(school.people.eleves)} comptes." in text
    # « Lister les comptes » of the accounts ticked.
    page = await school.get(LIST, params={"public": "eleves"})
    chosen = sorted(listed(page))[:3]
    sent = await school.post(
        f"/etablissement/comptes/{TILLEULS}/selection",
        data={
            "_csrf_token": csrf_token(page.text),
            "public": "eleves",
            "format": "csv",
            "compte": chosen,
        },
    )
    assert sent.status_code == 200
    rows = list(csv.reader(io.StringIO(sent.content[3:].decode()), delimiter=";"))
    assert sorted(r[2] for r in rows[1:]) == chosen
    empty = await school.post(
        f"/etablissement/comptes/{TILLEULS}/selection",
        data={"_csrf_token": csrf_token(page.text), "public": "eleves", "format": "pdf"},
    )
    assert "Cochez au moins un compte de la liste." in text_of(empty)
    # Another school's pupils cannot be slipped into a selection.
    other = await school.post(
        f"/etablissement/comptes/{TILLEULS}/selection",
        data={"_csrf_token": csrf_token(page.text), "public": "eleves", "format": "csv",
              "compte": ["x.inconnu1"]},
    )  # fmt: skip
    assert "Cochez au moins un compte" in text_of(other)


async def test_a_long_list_is_shown_by_pages_and_exported_whole(school, monkeypatch):
    from helpdesk.establishments import lists

    monkeypatch.setattr(lists, "PAGE_SIZE", 3)  # the demo school is smaller than a real page
    await login(school, "ecole@ot.fr")
    eleves = {p.identifier for p in school.people.eleves}
    pages = -(-len(eleves) // 3)
    assert pages > 2
    seen = []
    for n in range(1, pages + 1):
        page = await school.get(LIST, params={"public": "eleves", "page": str(n)})
        assert page.status_code == 200
        seen.append(listed(page))
        assert len(seen[-1]) == (3 if n < pages else len(eleves) - 3 * (pages - 1))
        text = text_of(page)
        assert f"{len(eleves)} comptes sur {len(eleves)}." in text
        assert f"(page {n} sur {pages})" in text
    assert set().union(*seen) == eleves and sum(map(len, seen)) == len(eleves)
    first = await school.get(LIST, params={"public": "eleves"})
    assert "public=eleves&amp;page=2" in first.text and listed(first) == seen[0]
    # A page that is not one: the first, or the last past the end.
    assert listed(await school.get(LIST, params={"public": "eleves", "page": "deux"})) == seen[0]
    assert listed(await school.get(LIST, params={"public": "eleves", "page": "99"})) == seen[-1]
    # The filters stay in the pages' links; the exports keep every account.
    mef = sorted({p.mef for p in school.people.eleves})[0]
    filtered = await school.get(LIST, params={"public": "eleves", "mef": mef, "page": "2"})
    wanted = {p.identifier for p in school.people.eleves if p.mef == mef}
    assert len(wanted) > 3 and listed(filtered) <= wanted
    assert f"mef={mef}&amp;page=1" in filtered.text
    csv_body = await school.get(LIST, params={"public": "eleves", "format": "csv"})
    rows = list(csv.reader(io.StringIO(csv_body.content[3:].decode()), delimiter=";"))
    assert {r[2] for r in rows[1:]} == eleves
