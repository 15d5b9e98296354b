"""`helpdesk accounts demo` and `helpdesk accounts nightly`."""

from __future__ import annotations

import asyncio
import re
import time
from collections import Counter

import pytest

from helpdesk.accounts.demo import SCHOOLS, DemoBuilder, load_demo_directory
from helpdesk.accounts.local import LocalDirectory
from helpdesk.accounts.port import FLAGS, STATES, AccountQuery, Scope
from helpdesk.accounts.tables import DirectoryAccount
from helpdesk.cli import main
from helpdesk.core.db import make_engine, migrate
from helpdesk.core.settings import load_settings


def snapshot(builder: DemoBuilder) -> list[tuple]:
    return [
        (p.identifier, p.kind, p.state, p.origin, p.email, p.birth_date, sorted(p.flags))
        for p in builder.people
    ]


def test_demo_is_deterministic_and_has_every_state_and_anomaly():
    first, again, other = DemoBuilder(2026), DemoBuilder(2026), DemoBuilder(7)
    for builder in (first, again, other):
        builder.build()
    assert snapshot(first) == snapshot(again)
    assert snapshot(first) != snapshot(other)
    people = first.people
    assert 3000 < len(people) < 8000
    assert {p.state for p in people} == set(STATES.values())
    assert {p.origin for p in people if p.kind == "responsable"} >= {
        "Responsable",
        "FranceConnect",
        "Établissement",
        "ATEN",
        "Non renseigné",
    }
    assert set(Counter(f for p in people for f in p.flags)) == set(FLAGS)
    assert {p.uai for p in people} == {s[0] for s in SCHOOLS}
    assert {s[3] for s in SCHOOLS} == {"orleans-tours", "lyon"} and SCHOOLS[0][0] == "0450782F"
    assert len({p.identifier for p in people}) == len(people)
    # A parent with two accounts to regroup, and links reported wrong.
    twins = Counter((p.first_name, p.last_name, p.birth_name, p.mobile) for p in people)
    assert any(n > 1 for n in twins.values())
    assert any(link.status == "signale_errone" for link in first.links)
    assert any(link.names for link in first.links)


async def test_a_small_demo_directory_in_the_database(local):
    summary = await load_demo_directory(local, seed=3, families_per_school=8)
    assert summary["accounts"] == await DirectoryAccount.count()
    ot = await local.search(AccountQuery(scope="orleans-tours", uai="0450782F", limit=200))
    assert ot.items and all(
        "0450782F" in {a.uai, *(link.uai for link in a.links)} for a in ot.items
    )
    lyon = await local.search(AccountQuery(scope="lyon", limit=200))
    assert lyon.items and {a.academie for a in lyon.items} == {"lyon"}
    claire = (await local.search(AccountQuery(scope="orleans-tours", q="claire martin"))).items
    assert any(a.email == "claire.martin@example.fr" for a in claire)
    # Again: the directory is replaced, not doubled.
    await load_demo_directory(local, seed=3, families_per_school=8)
    assert summary["accounts"] == await DirectoryAccount.count()


def test_full_demo_and_nightly_from_the_command_line(tmp_path, monkeypatch, capsys):
    database = tmp_path / "demo.sqlite3"
    monkeypatch.setenv("HELPDESK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HELPDESK_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("HELPDESK_SECRET_KEY", "cle")
    started = time.monotonic()
    assert main(["accounts", "demo", "--seed", "2026"]) == 0
    assert time.monotonic() - started < 10
    out = capsys.readouterr().out
    assert "0450782F Collège des Tilleuls (orleans-tours)" in out
    # the scripted family of the README, whatever numbers the generated names left it
    claire = re.search(r"Claire Martin \((c\.martin\d+),", out).group(1)
    leo = re.search(r"Léo \((l\.martin\d+)\)", out).group(1)

    async def ask_for_changes() -> None:
        await migrate(make_engine(f"sqlite:///{database}"))
        directory = LocalDirectory(load_settings())
        everywhere = Scope.everywhere()
        await directory.correct_birth_date(leo, {"birth_date": "2014-03-04"}, scope=everywhere)
        await directory.regenerate_identifier(claire, {}, scope=everywhere)

    asyncio.run(ask_for_changes())
    assert main(["accounts", "nightly"]) == 0
    out = capsys.readouterr().out
    assert "date de naissance 2014-04-03 corrigée en 2014-03-04" in out
    assert f"identifiant {claire} remplacé par c.martin" in out
    assert "2 changement(s) appliqué(s), 0 demandeur(s) informé(s)." in out  # no ticket asked


@pytest.mark.parametrize("argv", [["accounts"], ["accounts", "inconnu"]])
def test_accounts_needs_a_subcommand(argv, capsys):
    with pytest.raises(SystemExit):
        main(argv)
