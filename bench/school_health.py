"""The accounts of one school on PostgreSQL: the dashboard, the activation statistics (the
school's and the académie's) and a 2 000-account list (p50, p95), the list's CSV and PDF exports,
and « Informer » of 500 accounts as one PDF of letters.

    .venv/bin/python bench/school_health.py [--rounds 60] [--pg postgresql://postgres@127.0.0.1:5432/postgres]

The app runs in this process (Litestar's test client, no network, no server): what is measured
is the request inside the app — session, the school's roster read from the directory in
PostgreSQL, figures, template — not a server's or a network's share. A database of its own is
created, filled (the demo directory, plus a school of 2 000 élèves and their 1 950 responsables)
and dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import random
import re
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from litestar.testing import AsyncTestClient  # noqa: E402

from helpdesk.accounts.demo import load_demo_directory, uai  # noqa: E402
from helpdesk.accounts.local import AccountRecord, LinkRecord  # noqa: E402
from helpdesk.accounts.port import ACTIVE, EN_COURS, INFORME, NON_INFORME  # noqa: E402
from helpdesk.app import create_app  # noqa: E402
from helpdesk.auth.service import create_user  # noqa: E402
from helpdesk.core.db import postgres_config  # noqa: E402
from helpdesk.core.settings import load_settings  # noqa: E402
from helpdesk.server import settle_memory  # noqa: E402

BIG = uai("0451999")
PASSWORD = "Motdepasse-Banc-2026"
SITE = "https://www.ac-orleans-tours.fr"


def big_school(rng: random.Random) -> tuple[list, list]:
    """2 000 élèves in 6e–3e, 1 300 families of one or two responsables."""
    accounts, links = [], []
    states = [ACTIVE] * 70 + [INFORME] * 12 + [NON_INFORME] * 15 + [EN_COURS] * 3
    for n in range(2000):
        level = rng.choice(["6e", "5e", "4e", "3e"])
        accounts.append(
            AccountRecord(
                key=f"e{n}",
                kind="eleve",
                first_name=f"Élève{n}",
                last_name=f"Nom{n % 1300}",
                uai=BIG,
                state=rng.choice(states),
                classe=f"{level} {rng.choice('ABCDEFGH')}",
                mef={"6e": "6EME", "5e": "5EME", "4e": "4EME", "3e": "3EME"}[level],
                birth_date=dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(1400)),
                last_login_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=rng.randrange(300)),
            )
        )
    for family in range(1300):
        for parent in range(2 if family % 2 else 1):
            key = f"r{family}.{parent}"
            accounts.append(
                AccountRecord(
                    key=key,
                    kind="responsable",
                    first_name=f"Parent{parent}",
                    last_name=f"Nom{family}",
                    uai=BIG,
                    state=rng.choice(states),
                    email=f"parent{family}.{parent}@example.fr" if rng.random() < 0.8 else "",
                    mobile=f"06{rng.randrange(10**8):08d}" if rng.random() < 0.85 else "",
                    mobile_confirmed=rng.random() < 0.6,
                    last_login_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=rng.randrange(300)),
                )
            )
            for child in range(family, 2000, 1300):
                links.append(LinkRecord(key, f"e{child}"))
    return accounts, links


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def timed(client, url: str, rounds: int, **kw) -> tuple[list[float], list[float], int]:
    """Wall-clock times, and this process's CPU time (the app's share: PostgreSQL's is not in
    it), in ms per request."""
    for _ in range(3):  # warm-up: templates compiled, connections open
        await client.get(url, **kw)
    times, cpu, size = [], [], 0
    for _ in range(rounds):
        start, start_cpu = time.perf_counter(), time.process_time()
        response = await client.get(url, **kw)
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        size = len(response.content)
    return times, cpu, size


def row(label: str, times: list[float], cpu: list[float], size: int) -> str:
    return (
        f"| {label} | {statistics.median(times):.0f} ms | {percentile(times, 95):.0f} ms | "
        f"{max(times):.0f} ms | {statistics.median(cpu):.0f} / {percentile(cpu, 95):.0f} ms | "
        f"{size} |"
    )


async def login(client, email: str) -> None:
    client.cookies.clear()  # a new session, whoever was logged in
    page = await client.get("/connexion")
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)[1]
    await client.post(
        "/connexion",
        data={"_csrf_token": token, "email": email, "password": PASSWORD},
        follow_redirects=False,
    )


async def run(args: argparse.Namespace) -> list[str]:
    rng = random.Random(2026)
    name = f"helpdesk_bench_health_{uuid.uuid4().hex[:8]}"
    admin = postgres_config(args.pg)
    connection = await asyncpg.connect(**admin)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    url = f"{args.pg.rsplit('/', 1)[0]}/{name}"
    lines = []
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = load_settings(
                data_dir=Path(tmp),
                database_url=url,
                secret_key="banc",
                base_url="http://testserver.local",
                database_pool_size=0,
                rate_limits={"disabled": True},
            )
            app = create_app(settings)
            settle_memory()  # as a server's process does (helpdesk/server.py)
            logging.disable(logging.INFO)  # one line a request would drown the figures
            async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
                directory = app.state.accounts
                await load_demo_directory(directory)
                accounts, links = big_school(rng)
                await directory.import_records(
                    accounts, links, [(BIG, "Collège du Banc", "Orléans", "orleans-tours")]
                )
                await create_user("ecole@banc.fr", PASSWORD, "establishment", uais=[BIG])
                await create_user("chef@banc.fr", PASSWORD, "supervisor", academie="orleans-tours")
                # The académie's page, for its supervisor (the 2 000-account school is one of
                # its schools), before the school's own session.
                await login(client, "chef@banc.fr")
                lines.append("| page | p50 | p95 | max | CPU p50 / p95 | octets |")
                lines.append("| --- | ---: | ---: | ---: | ---: | ---: |")
                times, cpu, size = await timed(
                    client, "/agent/etablissements/statistiques", args.rounds
                )
                lines.append(
                    row("Statistiques de l'académie (évolution comprise)", times, cpu, size)
                )
                await login(client, "ecole@banc.fr")
                base = f"/etablissement/comptes/{BIG}"
                rows = [
                    ("Statistiques de l'établissement (évolution comprise)", f"{base}/statistiques", {}),
                    ("Tableau de bord", base, {}),
                    ("Liste de 2 000 élèves (HTML, 1re page de 500)", f"{base}/liste", {"params": {"public": "eleves"}}),
                    ("Liste filtrée (4e, non activés)", f"{base}/liste",
                     {"params": {"public": "eleves", "mef": "4EME", "etat": "non_active_non_informe"}}),
                ]  # fmt: skip
                for label, path, kw in rows:
                    times, cpu, size = await timed(client, path, args.rounds, **kw)
                    lines.append(row(label, times, cpu, size))
                for fmt in ("csv", "pdf"):
                    times, cpu, size = await timed(
                        client, f"{base}/liste", 5, params={"public": "eleves", "format": fmt}
                    )
                    lines.append(row(f"Export {fmt.upper()} de 2 000 élèves", times, cpu, size))
                # « Informer » of 500 never-informed or informed élèves, by letter: the whole
                # request (500 actions in the directory, the PDF, its storage).
                listing = await client.get(f"{base}/liste", params={"public": "eleves"})
                token = re.search(r'name="_csrf_token" value="([^"]+)"', listing.text)[1]
                chosen = re.findall(r'name="compte" value="([^"]+)"', listing.text)[:500]
                form = {"_csrf_token": token, "public": "eleves", "action": "inform",
                        "compte": chosen, "mode": "courrier", "request_id": "banc"}  # fmt: skip
                start, start_cpu = time.perf_counter(), time.process_time()
                done = await client.post(f"{base}/action/confirmer", data=form)
                whole, whole_cpu = time.perf_counter() - start, time.process_time() - start_cpu
                link = re.search(r'href="([^"]+/documents/[0-9a-f]+)"', done.text)[1]
                pdf = await client.get(link)
                from helpdesk.accounts.port import Letter
                from helpdesk.establishments.letters import Layout, letters_pdf

                letters = [
                    Letter(kind="mise_a_disposition", title="Mise à disposition de votre compte "
                           "ÉduConnect Élève", identifier=f"e.nom{i}", account_kind="eleve",
                           first_name="Élève", last_name=f"Nom{i}", uai=BIG,
                           establishment="Collège du Banc", state=INFORME,
                           provisional_password="Abcd1234", has_provisional_password=True)
                    for i in range(500)
                ]  # fmt: skip
                start, start_cpu = time.perf_counter(), time.process_time()
                alone = letters_pdf(
                    letters, Layout(SITE, settings.letters.font), place="Collège du Banc"
                )
                pdf_only, pdf_cpu = time.perf_counter() - start, time.process_time() - start_cpu
                lines.append("")
                lines.append("| « Informer » de 500 élèves par feuille | temps | CPU | PDF |")
                lines.append("| --- | ---: | ---: | ---: |")
                lines.append(
                    f"| requête entière (500 actions, PDF, stockage) | {whole:.1f} s | "
                    f"{whole_cpu:.1f} s | {len(pdf.content) // 1024} Kio |"
                )
                lines.append(
                    f"| PDF de 500 courriers seul | {pdf_only:.1f} s | {pdf_cpu:.1f} s | "
                    f"{len(alone) // 1024} Kio |"
                )
    finally:
        connection = await asyncpg.connect(**admin)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    print("\n".join(asyncio.run(run(args))))


if __name__ == "__main__":
    main()
