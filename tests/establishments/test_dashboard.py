"""The dashboard of a school (guide §2): every figure against the demo directory, each link
leading to a list of as many accounts; scoped to the school's staff and its académie's agents."""

from __future__ import annotations

import html
import re

from helpdesk.accounts.school_health import school_year_start
from tests.establishments.conftest import TILLEULS, TODAY
from tests.helpers import login, text_of

STATE_LABELS = {
    "active": "Activé",
    "en_cours_activation": "En cours d'activation",
    "non_active_informe": "Non activé - informé",
    "non_active_non_informe": "Non activé - non informé",
}


def figures(page: str) -> dict[str, int]:
    """Each link of the page to a list, and the number it shows."""
    found = {}
    for href, number in re.findall(r'<a href="([^"]*/liste\?[^"]*)">(?:<strong>)?(\d+)', page):
        found[html.unescape(href).split("?", 1)[1]] = int(number)
    return found


def expected(people) -> dict[str, int]:
    rentree = school_year_start(TODAY.date())
    out = {}
    for public, accounts in (("responsables", people.responsables), ("eleves", people.eleves)):
        for code, label in STATE_LABELS.items():
            out[f"public={public}&etat={code}"] = sum(1 for p in accounts if p.state == label)
        out[f"public={public}"] = len(accounts)
        out[f"public={public}&connexion=depuis_rentree"] = sum(
            1 for p in accounts if p.last_login_at and p.last_login_at.date() >= rentree
        )
        with_mail = [p for p in accounts if p.email]
        in_error = [p for p in with_mail if "adresse_mail_en_erreur" in p.flags]
        out[f"public={public}&mail=en_erreur"] = len(in_error)
        out[f"public={public}&mail=confirmee"] = sum(
            1
            for p in with_mail
            if p not in in_error
            and (p.email_confirmed or (p.email_confirmed is None and p.state == "Activé"))
        )
        out[f"public={public}&compromis=1"] = sum(1 for p in accounts if "compromis" in p.flags)
    r = people.responsables
    out["public=responsables&portable=confirme"] = sum(
        1 for p in r if p.mobile and p.mobile_confirmed
    )
    out["public=responsables&priorite=1"] = sum(
        1 for p in r if p.state == "Non activé - non informé" and not p.mobile
    )
    out["public=responsables&a_traiter=rattachement"] = sum(
        1 for p in r if "rattachement_signale_errone" in p.flags
    )
    out["public=responsables&a_traiter=date_naissance"] = sum(
        1 for p in r if "date_naissance_signalee_incorrecte" in p.flags
    )
    return out


async def test_the_school_sees_its_dashboard_with_every_figure_of_the_directory(school):
    await login(school, "ecole@ot.fr")
    home = await school.get("/etablissement/comptes", follow_redirects=False)
    assert home.headers["location"] == f"/etablissement/comptes/{TILLEULS}"
    page = await school.get(f"/etablissement/comptes/{TILLEULS}")
    assert page.status_code == 200
    shown, wanted = figures(page.text), expected(school.people)
    assert shown == wanted
    # Believable: every state present, some connected since the rentrée, some not.
    assert all(wanted[f"public=responsables&etat={code}"] for code in STATE_LABELS)
    assert (
        0 < wanted["public=responsables&connexion=depuis_rentree"] < wanted["public=responsables"]
    )
    text = text_of(page)
    assert "Collège des Tilleuls" in text and "connectés depuis la rentrée" in text
    # The last update of the school's data, as a French date (« 4 décembre 2026 à 10 h 00 »).
    update = re.search(
        r"Dernière mise à jour des données de l'établissement dans ÉduConnect\u00a0: (.+?)\.", text
    )
    assert update and re.fullmatch(
        r"\d{1,2}(er)? [a-zéû]+ \d{4} à \d{1,2}\u00a0h(\u00a0\d\d)?", update[1]
    )
    # The chart says its figures to whoever cannot see it.
    assert 'role="img"' in page.text and "comptes actifs " in page.text.lower()


async def test_each_figure_leads_to_a_list_of_as_many_accounts(school):
    await login(school, "ecole@ot.fr")
    page = await school.get(f"/etablissement/comptes/{TILLEULS}")
    for filters, count in figures(page.text).items():
        listed = await school.get(f"/etablissement/comptes/{TILLEULS}/liste?{filters}")
        assert listed.status_code == 200, filters
        assert re.search(rf"\b{count} comptes? sur \d+\.", text_of(listed)), filters
        assert listed.text.count('name="compte"') == count, filters


async def test_agents_of_the_academie_see_any_of_its_schools_and_no_other(school):
    await login(school, "agent@ot.fr")
    page = await school.get(f"/agent/etablissements/{TILLEULS}")
    assert page.status_code == 200
    assert (
        figures(page.text) == {k: v for k, v in figures(page.text).items()}
        and f"/agent/etablissements/{TILLEULS}/liste" in page.text
    )
    chosen = await school.get(
        "/agent/etablissements", params={"uai": "0450782f"}, follow_redirects=False
    )
    assert chosen.headers["location"] == f"/agent/etablissements/{TILLEULS}"
    await login(school, "agent@lyon.fr")
    for url in (f"/agent/etablissements/{TILLEULS}", f"/agent/etablissements/{TILLEULS}/liste"):
        refused = await school.get(url)
        assert refused.status_code == 404
        assert "Collège des Tilleuls" not in refused.text


async def test_a_school_never_sees_another_schools_accounts(school):
    await login(school, "autre@ot.fr")
    for url in (
        f"/etablissement/comptes/{TILLEULS}",
        f"/etablissement/comptes/{TILLEULS}/liste?public=eleves",
        f"/agent/etablissements/{TILLEULS}",
    ):
        refused = await school.get(url, follow_redirects=False)
        assert refused.status_code in (303, 404), url  # 303: to the login page (agents' space)
        assert "Collège des Tilleuls" not in refused.text
    assert (await school.get("/etablissement/comptes/0451042N")).status_code == 200
    # An unknown or malformed UAI is « not found » too.
    await login(school, "agent@ot.fr")
    assert (await school.get("/agent/etablissements/0000000A")).status_code == 404
