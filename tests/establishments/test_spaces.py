"""Each space lets in its own roles only (the guards of helpdesk/establishments/pages.py): the
others are sent to the login, the address they asked for kept, as a visitor without a session
is, and learn nothing of the school."""

from __future__ import annotations

from tests.establishments.conftest import TILLEULS
from tests.helpers import login, make_staff

SCHOOL_SPACE = [
    "/etablissement",
    "/etablissement/signaler",
    "/etablissement/comptes",
    f"/etablissement/comptes/{TILLEULS}",
    f"/etablissement/comptes/{TILLEULS}/liste",
    f"/etablissement/comptes/{TILLEULS}/statistiques",
    f"/etablissement/comptes/{TILLEULS}/parametres",
    f"/etablissement/comptes/{TILLEULS}/courriers",
]
AGENTS_SPACE = [
    "/agent/etablissements",
    f"/agent/etablissements/{TILLEULS}",
    f"/agent/etablissements/{TILLEULS}/liste",
    f"/agent/etablissements/{TILLEULS}/statistiques",
    f"/agent/etablissements/{TILLEULS}/courriers",
]
SUPERVISORS = ["/agent/etablissements/statistiques", "/agent/etablissements/parametres"]


async def refused(client, urls: list[str]) -> None:
    for url in urls:
        response = await client.get(url, follow_redirects=False)
        assert response.status_code == 303, url
        assert response.headers["location"] == f"/connexion?suite={url}", url
        assert "Tilleuls" not in response.text, url


async def test_each_space_sends_the_other_roles_to_the_login(school):
    await refused(school, SCHOOL_SPACE + AGENTS_SPACE + SUPERVISORS)  # no session
    await login(school, "agent@ot.fr")
    await refused(school, SCHOOL_SPACE + SUPERVISORS)
    assert (await school.get(f"/agent/etablissements/{TILLEULS}")).status_code == 200
    await login(school, "ecole@ot.fr")
    await refused(school, AGENTS_SPACE + SUPERVISORS)
    assert (await school.get(f"/etablissement/comptes/{TILLEULS}")).status_code == 200


async def test_supervisors_reach_both_their_pages_and_the_agents_space(school):
    await make_staff("chef@ot.fr", role="supervisor", name="Chef")
    await login(school, "chef@ot.fr")
    for url in [*SUPERVISORS, f"/agent/etablissements/{TILLEULS}"]:
        assert (await school.get(url, follow_redirects=False)).status_code == 200, url
    await refused(school, SCHOOL_SPACE)
