"""The queue page: each line's labels, a line that shows its ticket's changes at once, and the
counts by status."""

import asyncio
import datetime as dt
import html
import re

import pytest

from helpdesk.desk import queue
from helpdesk.tickets.tables import Ticket
from tests.factories import desk_client, signed_in_agent, ticket
from tests.helpers import api_ticket, csrf_token
from tests.page import element

BASE = "http://testserver.local"
NBSP = "\u00a0"


@pytest.fixture
async def agent(settings):
    async with desk_client(settings) as client:
        await signed_in_agent(client)
        yield client


def line(html: str, reference: str) -> str:
    match = re.search(rf'<tr class="[^"]*" id="ligne-{reference}">.*?</tr>', html, re.S)
    assert match, f"pas de ligne pour {reference}"
    return match.group(0)


def cells(row_html: str) -> list[str]:
    """The text of each cell, as a person reads it (tags left out, entities decoded)."""
    return [
        re.sub(r"[ \n]+", " ", html.unescape(re.sub(r"<[^>]+>", " ", c))).strip()
        for c in re.findall(r"<td>(.*?)</td>", row_html, re.S)
    ]


def is_late(row_html: str) -> bool:
    return row_html.startswith('<tr class="en-retard"')


async def test_a_line_shows_its_labels(agent):
    reference = await ticket(agent, requester={"first_name": "Claire", "last_name": "O'Brien"})
    await Ticket.update(
        {
            Ticket.created_at: dt.datetime(2026, 3, 4, 14, 5, tzinfo=dt.UTC),  # 15 h 05 in Paris
            Ticket.sla_due_at: dt.datetime(2026, 3, 5, 9, 0, tzinfo=dt.UTC),
            Ticket.suggested_category: "mot_de_passe",
            Ticket.suggested_confidence: 0.875,
            Ticket.child_last_name: "<Martin>",  # as if it came in by another way: escaped
        }
    ).where(Ticket.reference == reference)
    row = line((await agent.get("/agent")).text, reference)
    assert is_late(row)
    assert cells(row) == [
        "",  # the box to select the line
        reference,
        f"4 mars 2026 à 15{NBSP}h{NBSP}05",
        f"Date de naissance suggérée{NBSP}: Mot de passe (88{NBSP}%)",
        "Claire O'Brien",
        "Léo <Martin>",
        "Reçue, en attente de traitement",
        "-",
        f"En retard 5 mars 2026 à 10{NBSP}h",
    ]
    assert f'aria-label="Sélectionner {reference}"' in row  # the box says which line it selects
    assert f'href="/agent/tickets/{reference}"' in row
    assert "Léo &lt;Martin&gt;" in row  # escaped in the page


async def test_a_line_changes_when_its_ticket_changes(agent):
    reference = await api_ticket(agent)
    before = line((await agent.get("/agent")).text, reference)
    assert not is_late(before) and cells(before)[7] == "-"  # nobody, not late
    page = await agent.get(f"/agent/tickets/{reference}")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    taken = await agent.post(
        f"/agent/tickets/{reference}",
        data={"_csrf_token": csrf_token(page.text), "action": "prendre", "version": version},
    )
    assert taken.status_code == 200
    await Ticket.update({Ticket.channel: "escalation"}).where(Ticket.reference == reference)
    after = line((await agent.get("/agent")).text, reference)
    assert cells(after)[6:8] == ["En cours de traitement", "Agnès Roux"]
    assert cells(after)[1] == f"{reference} Établissement"  # the reference, then its channel


@pytest.mark.parametrize(
    ("channel", "label"),
    [("courriel", "Courriel"), ("annuaire", "Signalement de l'annuaire"), ("api", "API")],
)
async def test_each_channel_is_named_and_filtered(agent, channel, label):
    """A ticket that came by mail (helpdesk.mailin), from the directory or the API: the « Canal »
    filter finds it under its name, and its page says how it came."""
    reference = await api_ticket(agent)
    await Ticket.update({Ticket.channel: channel}).where(Ticket.reference == reference)
    filtered = (await agent.get("/agent", params={"channel": channel})).text
    assert line(filtered, reference)
    chosen = element(filtered, "option", value=channel)
    assert chosen.text == label and "selected" in chosen.attrs
    other = "web" if channel != "web" else "api"
    assert f"ligne-{reference}" not in (await agent.get("/agent", params={"channel": other})).text
    page = (await agent.get(f"/agent/tickets/{reference}")).text
    assert f"({label})" in html.unescape(page)


def counts(html: str) -> dict[str, int]:
    """The counts by status shown above the queue (« Nouvelle : 3 »…)."""
    found = re.findall(r'id="compteur-(\w+)">[^<]*?(\d+)</a>', html)
    assert found, "pas de compteurs"
    return {status: int(n) for status, n in found}


async def test_the_counts_are_those_of_the_base_and_follow_a_change_made_here(agent):
    references = [await api_ticket(agent) for _ in range(3)]
    shown = counts((await agent.get("/agent")).text)
    assert shown["nouveau"] == 3 and shown["en_cours"] == 0 and sum(shown.values()) == 3
    page = await agent.get(f"/agent/tickets/{references[0]}")
    version = re.search(r'name="version" value="(\d+)"', page.text).group(1)
    await agent.post(
        f"/agent/tickets/{references[0]}",
        data={"_csrf_token": csrf_token(page.text), "action": "prendre", "version": version},
    )
    shown = counts((await agent.get("/agent")).text)  # at once: the change was made here
    assert shown["nouveau"] == 2 and shown["en_cours"] == 1


async def test_pages_asked_at_once_all_show_the_counts_of_the_base(agent):
    for _ in range(2):
        await api_ticket(agent)
    first = await Ticket.select(Ticket.id).first()
    await Ticket.update({Ticket.status: "clos"}).where(Ticket.id == first["id"])
    pages = await asyncio.gather(*(agent.get("/agent") for _ in range(10)))
    assert {(p.status_code, counts(p.text)["nouveau"], counts(p.text)["clos"]) for p in pages} == {
        (200, 1, 1)
    }


async def test_a_change_made_by_another_process_shows_within_the_delay(agent, monkeypatch):
    """Another process changes a ticket (here: straight in the database): the counts of this
    process follow within their delay (10 s for the open statuses, 60 s for the closed ones;
    shortened here)."""
    monkeypatch.setattr(queue, "COUNTS_TTL", 0.3)
    monkeypatch.setattr(queue, "CLOSED_COUNTS_TTL", 0.3)
    reference = await api_ticket(agent)
    assert counts((await agent.get("/agent")).text)["nouveau"] == 1
    await Ticket.update({Ticket.status: "clos"}).where(Ticket.reference == reference)
    await asyncio.sleep(0.4)
    shown = counts((await agent.get("/agent")).text)
    assert shown["nouveau"] == 0 and shown["clos"] == 1
