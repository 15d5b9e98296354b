"""The audit-log page: admins read everything, a supervisor their académie's staff, an agent
nothing; filters and CSV export."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from helpdesk.auth.service import audit
from helpdesk.auth.tables import User
from tests.helpers import csrf_token, login, text_of

PAGE = "/admin/journal"


async def logins(desk) -> None:
    """Somebody tries an unknown address; each person logs in once, chef@ot.fr last."""
    await login(desk, "inconnu@example.fr", "mauvais-mot-de-passe")
    for email in ("agent@ot.fr", "chef@lyon.fr", "admin@ac.fr", "chef@ot.fr"):
        await login(desk, email)


def table_of(page_text: str) -> str:
    return page_text.split('<table id="journal">', 1)[1].split("</table>", 1)[0]


async def test_admin_reads_all_supervisor_their_academie_agent_nothing(desk):
    await logins(desk)
    supervisor = table_of(text_of(await desk.get(PAGE)))  # chef@ot.fr logged in last
    assert "agent@ot.fr" in supervisor and "chef@ot.fr" in supervisor
    assert "chef@lyon.fr" not in supervisor and "admin@ac.fr" not in supervisor
    assert "Connexion refusée" not in supervisor  # no account: not an académie's business

    await login(desk, "admin@ac.fr")
    everything = table_of(text_of(await desk.get(PAGE)))
    for email in ("agent@ot.fr", "chef@ot.fr", "chef@lyon.fr", "admin@ac.fr", "inconnu@example.fr"):
        assert email in everything
    assert "Connexion refusée" in everything

    await login(desk, "agent@ot.fr")
    for url in (PAGE, f"{PAGE}.csv"):
        refused = await desk.get(url, follow_redirects=False)
        assert refused.status_code in (303, 401, 403)
        assert "agent@ot.fr" not in refused.text


async def test_account_actions_and_filters(desk):
    await logins(desk)
    await login(desk, "admin@ac.fr")
    agent = await User.select(User.id).where(User.email == "agent@ot.fr").first()
    page = await desk.get("/admin/utilisateurs")
    await desk.post(
        f"/admin/utilisateurs/{agent['id']}",
        data={"_csrf_token": csrf_token(page.text), "action": "desactiver"},
    )
    done = table_of(text_of(await desk.get(PAGE, params={"action": "compte_desactiver"})))
    assert "Compte désactivé" in done and "compte visé\u00a0: agent@ot.fr" in done
    assert "Connexion" not in done

    mine = table_of(text_of(await desk.get(PAGE, params={"personne": "chef@lyon"})))
    assert "chef@lyon.fr" in mine and "agent@ot.fr" not in mine

    # Days are Paris days: after 23 h UTC, UTC's « tomorrow » is already today in Paris.
    paris_today = dt.datetime.now(ZoneInfo("Europe/Paris")).date()
    tomorrow = (paris_today + dt.timedelta(days=1)).isoformat()
    assert "Aucune ligne ne correspond" in text_of(await desk.get(PAGE, params={"du": tomorrow}))
    today = paris_today.isoformat()
    assert "chef@lyon.fr" in text_of(await desk.get(PAGE, params={"du": today, "au": today}))

    wrong = await desk.get(PAGE, params={"du": "31/02/2026", "action": "effacer_tout"})
    assert wrong.status_code == 422
    assert "Saisissez une date" in text_of(wrong) and "Choisissez une action" in text_of(wrong)
    inverted = await desk.get(PAGE, params={"du": today, "au": "2020-01-01"})
    assert inverted.status_code == 422 and "Cette date doit suivre" in text_of(inverted)
    assert (await desk.get(f"{PAGE}.csv", params={"du": "hier"})).status_code == 422


async def test_csv_export_for_french_spreadsheets(desk):
    await logins(desk)
    csv = await desk.get(f"{PAGE}.csv")  # the Orléans-Tours supervisor
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    assert "attachment" in csv.headers["content-disposition"]
    assert csv.content.startswith("\ufeff".encode())
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "Date;Personne;Action;Détail;Adresse IP"
    assert any("agent@ot.fr" in line and ";Connexion;" in line for line in lines)
    assert not any("chef@lyon.fr" in line for line in lines)

    await login(desk, "admin@ac.fr")
    refused = await desk.get(f"{PAGE}.csv", params={"action": "connexion_refusee"})
    rows = refused.content.decode("utf-8-sig").splitlines()[1:]
    assert rows and all(";Connexion refusée;" in row for row in rows)


async def test_older_entries_are_on_the_next_pages(desk):
    admin = await User.select(User.id).where(User.email == "admin@ac.fr").first()
    for _ in range(105):
        await audit("connexion", admin["id"], "192.0.2.1")
    await login(desk, "admin@ac.fr")
    first = text_of(await desk.get(PAGE))
    assert table_of(first).count("<tr>") == 100 + 1  # the header row
    older = first.split('href="/admin/journal?', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    second = table_of(text_of(await desk.get(f"{PAGE}?{older}")))
    assert second.count("<tr>") == 1 + 6  # 105 + this login, 100 shown before
    csv = (await desk.get(f"{PAGE}.csv")).content.decode("utf-8-sig").splitlines()
    assert len(csv) == 1 + 106


async def test_account_actions_are_in_the_journal_until_the_delay(desk, settings):
    from helpdesk.accounts.port import ACTIVE
    from helpdesk.privacy.purge import purge
    from tests.helpers import VALID_API, account_action, api_ticket
    from tests.privacy.conftest import after_retention

    directory = desk.app.state.accounts
    await directory.add_establishment("0450782F", "Collège des Tilleuls", academie="orleans-tours")
    anne = await directory.add_account(
        "responsable",
        "Anne",
        "Morel",
        uai="0450782F",
        state=ACTIVE,
        email="anne.morel@example.fr",
        email_confirmed=True,
        password="Un-mot-de-passe-1",
    )
    reference = await api_ticket(
        desk,
        category="identifiant_perdu",
        requester={**VALID_API["requester"], "email": "anne.morel@example.fr"},
    )
    await login(desk, "agent@ot.fr")
    done = await account_action(desk, reference, anne, "remind_identifier", "cle-rappel")
    assert done.status_code == 303, text_of(done)

    await login(desk, "chef@ot.fr")
    seen = table_of(text_of(await desk.get(PAGE, params={"action": "action_compte"})))
    assert "Action sur un compte ÉduConnect" in seen and "agent@ot.fr" in seen
    assert f"compte\u00a0: {anne}" in seen and f"demande\u00a0: {reference}" in seen

    await purge(settings.privacy.retention_days, settings, as_of=after_retention(settings))
    later = table_of(text_of(await desk.get(PAGE, params={"action": "action_compte"})))
    assert anne not in later and f"demande\u00a0: {reference}" in later
