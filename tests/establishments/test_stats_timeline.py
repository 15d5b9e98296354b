"""Activation over time (guide §6): the share of today's accounts activated at the rentrée and at
the end of each month since, for a school beside its académie and for the académie's
supervisors (page and CSV), through the local directory and through the HTTP account API."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from zoneinfo import ZoneInfo

from tests.establishments.conftest import TILLEULS, TODAY, demo_people, of_school
from tests.establishments.test_stats import OT_SCHOOLS
from tests.helpers import login, make_staff, text_of

PARIS = ZoneInfo("Europe/Paris")
MOIS = "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"


def steps() -> list[tuple[str, dt.datetime | None]]:
    """Each line's label and the instant its accounts were activated before (None: today),
    in Paris time: the rentrée of 1 September, then the end of each month to this one."""
    now = dt.datetime.now(PARIS)
    year = TODAY.year if TODAY.month >= 9 else TODAY.year - 1
    out = [(f"rentrée (1er septembre {year})", dt.datetime(year, 9, 1, tzinfo=PARIS))]
    month = dt.date(year, 9, 1)
    while month <= now.date():
        following = (month + dt.timedelta(days=31)).replace(day=1)
        label = f"{MOIS.split()[month.month - 1]} {month.year}"
        if following > now.date():
            out.append((f"{label} (à ce jour)", None))
        else:
            out.append((label, dt.datetime.combine(following, dt.time(), tzinfo=PARIS)))
        month = following
    return out


def activated(accounts, before: dt.datetime | None) -> int:
    """Activated by then (an activation at an unknown date counts from the start)."""
    return sum(
        p.state == "Activé" and (before is None or not p.activated_at or p.activated_at < before)
        for p in accounts
    )


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}".replace(".", ",") + "\u00a0%"


def academie_accounts(builder, kind: str) -> list:
    """The académie's accounts as its statistics count them: in each of its schools, so a
    responsable with children in two schools counts twice."""
    people = [of_school(builder, uai) for uai in sorted(OT_SCHOOLS)]
    return [p for school in people for p in getattr(school, f"{kind}s")]


def table(page, table_id: str) -> list[list[str]]:
    body = page.text.replace("&nbsp;", "\u00a0").split(f'<table id="{table_id}">')[1]
    body = body.split("</table>")[0].split("<tbody>")[1]
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)
    ]


def expected_school_table(builder, kind: str) -> list[list[str]]:
    mine = getattr(of_school(builder, TILLEULS), f"{kind}s")
    others = academie_accounts(builder, kind)
    return [
        [
            label,
            f"{percent(activated(mine, end), len(mine))} ({activated(mine, end)} sur {len(mine)})",
            percent(activated(others, end), len(others)),
        ]
        for label, end in steps()
    ]


async def test_a_school_sees_its_activation_month_by_month_beside_the_academie(school):
    builder = demo_people()
    await login(school, "ecole@ot.fr")
    page = await school.get(f"/etablissement/comptes/{TILLEULS}/statistiques")
    assert page.status_code == 200
    for kind, table_id in (
        ("responsable", "evolution-responsables"),
        ("eleve", "evolution-eleves"),
    ):
        assert table(page, table_id) == expected_school_table(builder, kind)
    # The demo spreads activations over the months: the rate grows after the rentrée.
    rates = [activated(school.people.eleves, end) for _, end in steps()]
    assert rates[0] < rates[-1] and rates == sorted(rates)
    # Today's line is today's rate, as in the table by state above it.
    eleves = school.people.eleves
    assert table(page, "taux")[1][1] == table(page, "evolution-eleves")[-1][1]
    assert f"({activated(eleves, None)} sur {len(eleves)})" in table(page, "taux")[1][1]
    # Dates in words, never as the machine writes them; a chart drawn without any script.
    assert not re.search(r"\d{4}-\d{2}", text_of(page))
    assert (
        'class="graphe-evolution"' in page.text
        and "<script"
        not in page.text.split('id="evolution-responsables-titre"')[1].split("</main>")[0]
    )


async def test_agents_of_the_academie_only_see_a_school_s_timeline(school):
    await login(school, "agent@ot.fr")
    page = await school.get(f"/agent/etablissements/{TILLEULS}/statistiques")
    assert page.status_code == 200
    assert table(page, "evolution-eleves") == expected_school_table(demo_people(), "eleve")
    for who, path in (
        ("agent@lyon.fr", f"/agent/etablissements/{TILLEULS}/statistiques"),
        ("autre@ot.fr", f"/etablissement/comptes/{TILLEULS}/statistiques"),
        ("ecole@ot.fr", "/etablissement/comptes/0693310Y/statistiques"),
        ("agent@ot.fr", "/agent/etablissements/0000000A/statistiques"),
    ):
        await login(school, who)
        answer = await school.get(path)
        assert answer.status_code == 404, (who, path)
        assert "Activé" not in answer.text and "evolution" not in answer.text
    # A school's staff is not let into the agents' space.
    await login(school, "ecole@ot.fr")
    refused = await school.get(
        f"/agent/etablissements/{TILLEULS}/statistiques", follow_redirects=False
    )
    assert refused.status_code in (303, 401, 403)


async def test_supervisors_get_the_academie_over_time_and_each_school_s_as_csv(school):
    builder = demo_people()
    await make_staff("superviseur@ot.fr", role="supervisor", name="Sophie Superviseure")
    await login(school, "superviseur@ot.fr")
    page = await school.get("/agent/etablissements/statistiques")
    assert page.status_code == 200
    for kind, table_id in (
        ("responsable", "evolution-responsables"),
        ("eleve", "evolution-eleves"),
    ):
        accounts = academie_accounts(builder, kind)
        assert table(page, table_id) == [
            [label, f"{percent(n, len(accounts))} ({n} sur {len(accounts)})"]
            for label, end in steps()
            for n in [activated(accounts, end)]
        ]
    assert "format=csv-mois" in page.text
    exported = await school.get(
        "/agent/etablissements/statistiques", params={"format": "csv-mois", "tri": "eleves"}
    )
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="activation-mois-orleans-tours.csv"' in exported.headers["content-disposition"]
    assert exported.content.startswith(b"\xef\xbb\xbf")
    text = exported.content[3:].decode("utf-8")
    assert not re.search(r"\d{4}-\d{2}", text)
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0] == [
        "UAI",
        "Établissement",
        "Mois",
        "Responsables",
        "Responsables activés",
        "Taux responsables (%)",
        "Élèves",
        "Élèves activés",
        "Taux élèves (%)",
    ]
    # One line a school and a month.
    schools = [s for s in sorted(OT_SCHOOLS) if any(p.uai == s for p in builder.people)]
    assert len(rows) == 1 + len(schools) * len(steps())
    assert [r[2] for r in rows[1:] if r[0] == TILLEULS] == [label for label, _ in steps()]
    people = of_school(builder, TILLEULS)
    for line, (_, end) in zip([r for r in rows if r[0] == TILLEULS], steps(), strict=True):
        r, e = people.responsables, people.eleves
        assert line[1] == "Collège des Tilleuls"
        assert line[3:] == [
            str(len(r)),
            str(activated(r, end)),
            percent(activated(r, end), len(r)).split("\u00a0")[0],
            str(len(e)),
            str(activated(e, end)),
            percent(activated(e, end), len(e)).split("\u00a0")[0],
        ]
    # Other agents get neither the page nor its export.
    await login(school, "agent@ot.fr")
    for params in ({}, {"format": "csv-mois"}):
        answer = await school.get(
            "/agent/etablissements/statistiques", params=params, follow_redirects=False
        )
        assert answer.status_code in (303, 401, 403)


async def test_the_timeline_through_the_http_account_api_is_the_same(over_http, server_thread):
    builder = demo_people()
    await login(over_http, "ecole@ot.fr")
    page = await over_http.get(f"/etablissement/comptes/{TILLEULS}/statistiques")
    assert page.status_code == 200
    assert table(page, "evolution-responsables") == expected_school_table(builder, "responsable")
    assert table(page, "evolution-eleves") == expected_school_table(builder, "eleve")
    assert (await over_http.get("/etablissement/comptes/0451042N/statistiques")).status_code == 404
    # The account service stops answering: the page says so, never a 500.
    server_thread.app = None
    down = await over_http.get(f"/etablissement/comptes/{TILLEULS}/statistiques")
    assert down.status_code == 503 and "evolution" not in down.text
