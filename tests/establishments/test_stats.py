"""Activation statistics (guide §6): every school of the académie for its supervisors (sortable,
CSV), a school's own by MEF and class with the académie's rate beside."""

from __future__ import annotations

import csv
import io
import re

from tests.establishments.conftest import TILLEULS, demo_people, of_school
from tests.helpers import login, make_staff, text_of

OT_SCHOOLS = {"0450782F", "0451042N", "0370880F", "0410959V"}


def rate(accounts) -> str:
    active = sum(1 for p in accounts if p.state == "Activé")
    return f"{100 * active / len(accounts):.1f}".replace(".", ",") + "\u00a0%"


async def test_a_supervisor_sees_every_school_of_the_academie_sorted_and_as_csv(school):
    await make_staff("superviseur@ot.fr", role="supervisor", name="Sophie Superviseure")
    await login(school, "superviseur@ot.fr")
    page = await school.get(
        "/agent/etablissements/statistiques", params={"tri": "eleves", "ordre": "desc"}
    )
    assert page.status_code == 200
    uais = re.findall(r"<tr><td>(\d{7}[A-Z])</td>", page.text)
    builder = demo_people()
    assert set(uais) == {s for s in OT_SCHOOLS if any(p.uai == s for p in builder.people)}
    rates = [rate(of_school(builder, uai).eleves) for uai in uais]
    numbers = [float(r.split("\u00a0")[0].replace(",", ".")) for r in rates]
    assert numbers == sorted(numbers, reverse=True)
    tilleuls = of_school(builder, TILLEULS)
    text = text_of(page)
    assert f"{rate(tilleuls.responsables)} (" in text and f"{rate(tilleuls.eleves)} (" in text
    exported = await school.get("/agent/etablissements/statistiques", params={"format": "csv"})
    assert exported.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(exported.content[3:].decode()), delimiter=";"))
    assert rows[0][:3] == ["UAI", "Établissement", "Responsables"]
    assert {r[0] for r in rows[1:]} == set(uais)
    # Agents who are not supervisors, and schools, do not get the académie's table.
    await login(school, "agent@ot.fr")
    assert (
        await school.get("/agent/etablissements/statistiques", follow_redirects=False)
    ).status_code in (303, 401, 403)


async def test_a_school_sees_its_rates_by_mef_and_class_beside_the_academie(school):
    await login(school, "ecole@ot.fr")
    page = await school.get(f"/etablissement/comptes/{TILLEULS}/statistiques")
    assert page.status_code == 200
    text = text_of(page)
    people = school.people
    assert (
        f"{rate(people.eleves)} ({sum(p.state == 'Activé' for p in people.eleves)} sur {len(people.eleves)})"
        in text
    )
    for mef in {p.mef for p in people.eleves}:
        mine = [p for p in people.eleves if p.mef == mef]
        assert re.search(
            rf"<th scope=\"row\">{mef}</th><td>{re.escape(rate(mine))}",
            page.text.replace("&nbsp;", "\u00a0"),
        )
    builder = demo_people()
    academie = [p for p in builder.people if p.kind == "eleve" and p.uai in OT_SCHOOLS]
    assert rate(academie) in text
    # Another school's statistics are not found.
    assert (await school.get("/etablissement/comptes/0451042N/statistiques")).status_code == 404
    await login(school, "agent@lyon.fr")
    assert (await school.get(f"/agent/etablissements/{TILLEULS}/statistiques")).status_code == 404
