"""A maintenance scheduled ahead: its banner shows from its start until its end, and the
parents' follow-up pages keep working while it shows."""

import datetime as dt

import pytest

from helpdesk.core.french import PARIS
from helpdesk.desk.tables import Incident
from helpdesk.tickets.tables import TicketEvent
from tests.factories import desk_client, supervisor
from tests.helpers import (
    VALID_FORM,
    csrf_token,
    login,
    staff_post,
    submit_form,
    text_of,
)

BANNER = "Maintenance de nuit"
FORM_PAGE = "/assistance?academie=orleans-tours&categorie=date_naissance"


@pytest.fixture
async def chef_client(settings):
    async with desk_client(settings) as client:
        await supervisor()
        await login(client, "chef@ot.fr")
        yield client


def typed(moment: dt.datetime) -> tuple[str, str]:
    """A moment as a supervisor types it: « 4/12/2026 » and « 20 h 30 » (Paris time)."""
    local = moment.astimezone(PARIS)
    return f"{local.day}/{local.month}/{local.year}", f"{local.hour} h {local.minute:02d}"


async def schedule(client, starts: dt.datetime, ends: dt.datetime):
    (start_day, start_hour), (end_day, end_hour) = typed(starts), typed(ends)
    return await staff_post(
        client,
        "/agent/incidents",
        {
            "title": BANNER,
            "message": "ÉduConnect sera indisponible cette nuit.",
            "debut_date": start_day,
            "debut_heure": start_hour,
            "fin_date": end_day,
            "fin_heure": end_hour,
        },
    )


async def shift(client, hours: int) -> None:
    """Time passes: the incident's start and end come `hours` closer."""
    by = dt.timedelta(hours=hours)
    await Incident.update(
        {Incident.starts_at: Incident.starts_at - by, Incident.ends_at: Incident.ends_at - by}
    ).where(Incident.id > 0)
    await client.app.state.incidents.refresh()  # what the periodic refresh does


async def banner_shown(client) -> bool:
    return BANNER in text_of(await client.get(FORM_PAGE))


async def test_a_scheduled_maintenance_shows_only_between_its_start_and_its_end(chef_client):
    client = chef_client
    now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
    done = await schedule(client, now + dt.timedelta(hours=3), now + dt.timedelta(hours=5))
    assert done.status_code == 303
    listed = text_of(await client.get("/agent/incidents"))
    assert "Maintenance programmée\u00a0: le bandeau s'affichera le" in listed
    assert f"{BANNER} (à venir)" in listed
    incident = await Incident.select().first()
    assert incident["starts_at"] == now + dt.timedelta(hours=3)
    assert not await banner_shown(client)

    await shift(client, 4)  # during the maintenance
    assert await banner_shown(client)
    assert f"{BANNER} (en cours)" in text_of(await client.get("/agent/incidents"))

    await shift(client, 2)  # after its end
    assert not await banner_shown(client)
    assert f"{BANNER} (terminé)" in text_of(await client.get("/agent/incidents"))


async def test_the_follow_up_page_works_during_a_maintenance(chef_client):
    client = chef_client
    created = await submit_form(client, VALID_FORM)
    assert created.status_code == 303
    follow = created.headers["location"].split("?", 1)[0]
    now = dt.datetime.now(dt.UTC)
    await schedule(client, now + dt.timedelta(hours=1), now + dt.timedelta(hours=3))
    await shift(client, 2)

    page = await client.get(follow)
    assert page.status_code == 200
    assert BANNER in text_of(page)
    replied = await client.post(
        f"{follow}/repondre",
        data={"_csrf_token": csrf_token(page.text), "message": "Je réessaierai demain matin."},
        files={"piece_jointe": ("", b"")},
        follow_redirects=False,
    )
    assert replied.status_code == 303
    assert await TicketEvent.exists().where(TicketEvent.body == "Je réessaierai demain matin.")


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        (
            {
                "debut_date": "5/12/2030",
                "debut_heure": "20 h",
                "fin_date": "5/12/2030",
                "fin_heure": "6 h",
            },
            "La fin doit venir après le début.",
        ),
        (
            {"debut_date": "31/02/2030", "debut_heure": "20 h"},
            "Indiquez la date de début comme 4/12/2026.",
        ),
        (
            {"debut_date": "5/12/2030", "debut_heure": "25 h"},
            "Indiquez l'heure de début comme 20 h ou 6 h 30.",
        ),
        ({"fin_date": "1/1/2020", "fin_heure": "8 h"}, "Cette fin est déjà passée."),
    ],
)
async def test_a_wrong_schedule_is_refused_in_french_and_nothing_is_saved(
    chef_client, fields, error
):
    response = await staff_post(
        chef_client,
        "/agent/incidents",
        {"title": BANNER, "message": "ÉduConnect sera indisponible.", **fields},
    )
    assert response.status_code == 422
    shown = text_of(response)
    assert error in shown
    assert BANNER in response.text  # what was typed is kept
    assert await Incident.count() == 0
