#!/usr/bin/env python3
"""Mails sent per second by one `helpdesk worker` alone: `.venv/bin/python bench/mail_drain.py`.

For each run: a fresh PostgreSQL base `helpdesk_bench_<random>` (`helpdesk migrate`), a local
SMTP sink (bench/smtp_sink.py: aiosmtpd's server by default, `--sink minimal` for the minimal
one of bench/tickets.py), and `helpdesk worker` (started on an empty outbox, polling every
0.2 s). Then N acknowledgments (the real template, rendered once; each its own recipient and
Message-ID) are queued by one INSERT, and the time from its commit until every row says
`sent` is the drain. Reports mails/s, the CPU of the worker, of PostgreSQL (our base) and of the
sink, the share taken by other processes, and checks that the sink received N mails.

Several cases can be compared in one sitting, run in turn (ABAB…, `--rounds` times each):

    .venv/bin/python bench/mail_drain.py --case "avant=/chemin/autre-copie" --case "après=."
    .venv/bin/python bench/mail_drain.py --case "nice 0=." --case "nice 10=.,nice=10"
    .venv/bin/python bench/mail_drain.py --case "asyncio=." --case "uvloop=.,loop=uvloop"

A case is NAME=DIR[,KEY=VALUE…]: the checkout whose code runs (its helpdesk/ on PYTHONPATH),
then environment variables of the worker; `loop=uvloop` starts the worker on uvloop (the
command's asyncio.run replaced by uvloop.run), `nice=N` under `nice -n N`. Writes the table to
bench/results/mail-drain-<date>.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (  # noqa: E402
    BENCH_DIR,
    PROJECT_DIR,
    PYTHON,
    BenchError,
    CpuWatch,
    Processes,
    create_pg_database,
    drop_pg_database,
    fr,
    free_port,
    helpdesk_env,
    md_table,
    new_pg_name,
    pg_url,
    run_measure,
    wait_for_other_benches,
    wait_port,
    wait_quiet,
    worker_argv,
)
from tickets import Db, PgCpu, sink_count  # noqa: E402

QUEUE = """
INSERT INTO outbox_mail (recipient, subject, text_body, html_body, message_id, kind,
                         ticket_reference)
SELECT 'parent' || n || '@example.fr', $1, $2, $3,
       '<drain-' || $4::text || '-' || n || '@assistance.localhost>', 'accuse_reception', $5
FROM generate_series(1, $6::int) AS n
"""


@dataclass
class Case:
    name: str
    code: Path
    env: dict[str, str] = field(default_factory=dict)
    loop: str = "asyncio"
    nice: int = 0

    @classmethod
    def parse(cls, text: str) -> Case:
        name, sep, rest = text.partition("=")
        if not sep or not name.strip():
            raise argparse.ArgumentTypeError(f"cas NOM=DOSSIER[,CLÉ=VALEUR…] attendu : {text!r}")
        code, *pairs = rest.split(",")
        case = cls(name.strip(), Path(code).resolve())
        for pair in pairs:
            key, _, value = pair.partition("=")
            if key == "loop":
                case.loop = value
            elif key == "nice":
                case.nice = int(value)
            else:
                case.env[key] = value
        if not (case.code / "helpdesk" / "cli.py").exists() or case.loop not in (
            "asyncio",
            "uvloop",
        ):
            raise argparse.ArgumentTypeError(
                f"dossier sans helpdesk/ ou boucle inconnue : {text!r}"
            )
        return case

    def revision(self) -> str:
        def git(*args: str) -> str:
            return subprocess.run(
                ["git", "-C", str(self.code), *args], capture_output=True, text=True
            ).stdout.strip()

        changed = git("status", "--porcelain", "--", "helpdesk", "templates")
        return git("rev-parse", "--short", "HEAD") + (" (modifié)" if changed else "")


@dataclass
class Run:
    case: Case
    seconds: float
    received: int
    sent: int
    cpu: dict[str, float]

    @property
    def rate(self) -> float:
        return self.sent / self.seconds


def acknowledgment(code: Path, tmp: Path) -> tuple[str, str, str, str]:
    """(subject, text, HTML, reference) of an acknowledgment, rendered by the measured code."""
    script = """
import json
from helpdesk.mail.service import compose_mail
from helpdesk.core.settings import load_settings
from helpdesk.core.web import make_environment
settings = load_settings()
ticket = {"requester_first_name": "Claire", "requester_last_name": "Martin",
          "reference": "OT-2026-000123", "channel": "formulaire",
          "message": "Bonjour, la date de naissance de mon fils est fausse dans ÉduConnect : "
                     "il est né le 4 mars 2012 et non le 3 avril. Merci de corriger."}
mail = compose_mail(make_environment(settings=settings), settings, to="claire@example.fr",
    subject="Votre demande OT-2026-000123 est enregistrée", template="accuse_reception",
    context={"ticket": ticket, "academie": {"nom_complet": "Académie d'Orléans-Tours"},
             "follow_url": "http://127.0.0.1:8000/suivi/" + "a" * 43},
    kind="accuse_reception", ticket_reference="OT-2026-000123")
print(json.dumps([mail["subject"], mail["text_body"], mail["html_body"], "OT-2026-000123"]))
"""
    import json

    done = subprocess.run(
        [PYTHON, "-c", script],
        cwd=code,
        env=helpdesk_env(tmp, f"sqlite:///{tmp / 'rendu.sqlite3'}", PYTHONPATH=str(code)),
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise BenchError(f"accusé de réception non rendu :\n{done.stderr}")
    return tuple(json.loads(done.stdout))


async def drain(db: Db, mail: tuple[str, str, str, str], count: int, groups, timeout) -> tuple:
    """Queue `count` mails in one statement; (seconds until all are sent, sent, CPU)."""
    watch, pg_cpu = CpuWatch(groups), PgCpu(db)
    await pg_cpu.start()
    subject, text, html, reference = mail
    await db.pg.execute(QUEUE, subject, text, html, str(time.time_ns()), reference, count)
    t0 = time.monotonic()
    sent = 0
    while sent < count and time.monotonic() - t0 < timeout:
        await asyncio.sleep(0.05)
        sent = await db.sent()
    seconds = time.monotonic() - t0
    cpu = watch.stop()
    await pg_cpu.stop(cpu)
    return seconds, sent, cpu


async def worker_connected(db: Db, procs: Processes) -> None:
    """Wait until the worker holds its connection to the base: started, polling an empty
    outbox."""
    deadline = time.monotonic() + 60
    while not await db.scalar(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
    ):
        procs.check_alive()
        if time.monotonic() > deadline:
            raise BenchError("le worker ne s'est pas connecté à la base en 60 s")
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # its first claims and housekeeping done


def run_case(case: Case, args, procs: Processes, tmp: Path, number: int) -> Run:
    folder = tmp / f"{number}"
    folder.mkdir()
    name = new_pg_name()
    create_pg_database(name)
    try:
        sink_port, count_file = free_port(), folder / "sink-count"
        env = helpdesk_env(
            folder,
            pg_url(name),
            PYTHONPATH=str(case.code),
            HELPDESK_SMTP_HOST="127.0.0.1",
            HELPDESK_SMTP_PORT=str(sink_port),
            HELPDESK_SMTP_TLS="none",
            HELPDESK_MAIL_POLL_SECONDS="0.2",
            **case.env,
        )
        done = subprocess.run(
            [PYTHON, "-m", "helpdesk.cli", "migrate"], cwd=case.code, env=env, capture_output=True
        )
        if done.returncode:
            raise BenchError(f"helpdesk migrate a échoué :\n{done.stdout}{done.stderr}")
        sink_argv = [PYTHON, str(BENCH_DIR / "smtp_sink.py"), "--port", str(sink_port)]
        sink_argv += ["--count-file", str(count_file)]
        sink = procs.start(
            "capteur SMTP",
            sink_argv + (["--aiosmtpd"] if args.sink == "aiosmtpd" else []),
            folder / "sink.log",
        )
        wait_port(sink_port)
        worker = procs.start(
            "helpdesk worker",
            worker_argv(case.loop, case.nice),
            folder / "worker.log",
            env=env,
            cwd=case.code,
        )
        groups = {"worker": worker.proc.pid, "capteur": sink.proc.pid}
        others = wait_quiet(groups, args.quiet_wait)
        if others > 0.10:
            print(f"  ! la machine reste occupée par d'autres processus ({others:.0%})")

        async def measure() -> tuple:
            db = Db(pg_url(name))
            await db.open()
            try:
                await worker_connected(db, procs)
                return await drain(db, args.mail[case.code], args.mails, groups, args.timeout)
            finally:
                await db.close()

        seconds, sent, cpu = asyncio.run(measure())
        time.sleep(1.5)  # the sink writes its count once a second
        procs.check_alive()
        run = Run(case, seconds, sink_count(count_file), sent, cpu)
        print(
            f"  {case.name:<20} {sent} envoyés en {seconds:5.2f} s = {run.rate:6.1f}/s"
            f"  reçus {run.received}  CPU worker {cpu['worker']:.2f} s"
            f" ({cpu['worker'] / seconds:.0%}), PostgreSQL {cpu['postgres']:.2f} s,"
            f" capteur {cpu['capteur']:.2f} s, autres {cpu['autres (part)']:.0%}",
            flush=True,
        )
        return run
    finally:
        procs.stop_all()
        drop_pg_database(name)


def render(runs: list[Run], args, info: dict, when: dt.datetime) -> str:
    def ms_per_mail(seconds: float, run: Run) -> str:
        return fr(seconds * 1000 / max(run.sent, 1), 2)

    rows = [
        [
            r.case.name,
            fr(r.rate, 1),
            fr(r.seconds, 2),
            f"{fr(r.sent)} / {fr(r.received)}",
            f"{fr(r.cpu['worker'], 2)} s ({r.cpu['worker'] / r.seconds:.0%})",
            ms_per_mail(r.cpu["worker"], r),
            ms_per_mail(r.cpu["postgres"], r),
            ms_per_mail(r.cpu["capteur"], r),
            f"{r.cpu['autres (part)']:.0%}",
        ]
        for r in runs
    ]
    table = md_table(
        [
            "cas",
            "courriels/s",
            "vidée en (s)",
            "envoyés / reçus",
            "CPU du worker (part d'un cœur)",
            "worker ms/courriel",
            "PostgreSQL ms/courriel",
            "capteur ms/courriel",
            "autres processus",
        ],
        rows,
    )
    summary = []
    for case in args.case:
        rates = [r.rate for r in runs if r.case is case]
        cpus = [r.cpu["worker"] * 1000 / max(r.sent, 1) for r in runs if r.case is case]
        summary.append(
            [
                f"{case.name} (`{case.revision()}`"
                + "".join(f", {k}={v}" for k, v in case.env.items())
                + (", boucle uvloop" if case.loop == "uvloop" else "")
                + (f", nice {case.nice}" if case.nice else "")
                + ")",
                " · ".join(fr(x, 1) for x in rates),
                fr(statistics.median(rates), 1),
                f"{fr(min(rates), 1)} – {fr(max(rates), 1)}",
                fr(statistics.median(cpus), 2),
            ]
        )
    lines = [
        f"# Envoi des courriels par un `helpdesk worker` — {when:%Y-%m-%d %H:%M}",
        "",
        *(f"- {key} : {value}" for key, value in info.items()),
        f"- {fr(args.mails)} accusés de réception par passe, capteur "
        f"{'aiosmtpd' if args.sink == 'aiosmtpd' else 'minimal (bench/smtp_sink.py)'}, "
        f"cas joués à tour de rôle, {args.rounds} fois chacun",
        "",
        md_table(
            ["cas", "courriels/s par passe", "médiane", "écart", "worker ms/courriel (médiane)"],
            summary,
        ),
        "",
        table,
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--case", type=Case.parse, action="append", help="NOM=DOSSIER[,CLÉ=VALEUR…]")
    p.add_argument("--mails", type=int, default=5000, help="courriels par passe (5 000)")
    p.add_argument("--rounds", type=int, default=3, help="passes de chaque cas (3)")
    p.add_argument("--sink", choices=("aiosmtpd", "minimal"), default="aiosmtpd")
    p.add_argument("--timeout", type=float, default=300, help="attente max. d'une passe (300 s)")
    p.add_argument("--quiet-wait", type=float, default=60, help="attente d'une machine calme")
    p.add_argument("--other-wait", type=float, default=3600, help="attente des autres mesures")
    p.add_argument("--output", type=Path, default=None)
    args = p.parse_args(argv)
    args.case = args.case or [Case.parse(f"ce code={PROJECT_DIR}")]
    if not (1 <= args.mails <= 100_000 and 1 <= args.rounds <= 10):
        p.error("--mails 1–100 000, --rounds 1–10")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)

    def measure(procs: Processes, tmp: Path, info: dict, when: dt.datetime) -> tuple[str, int]:
        args.mail = {case.code: acknowledgment(case.code, tmp) for case in args.case}
        runs = []
        for _ in range(args.rounds):
            for case in args.case:
                wait_for_other_benches(args.other_wait)
                runs.append(run_case(case, args, procs, tmp, len(runs)))
        complete = all(r.sent == r.received == args.mails for r in runs)
        md = render(runs, args, info, when)
        if not complete:
            md += "\n**ATTENTION : une passe n'a pas tout envoyé, ou le capteur a reçu autre chose.**\n"
        return md, 0 if complete else 1

    return run_measure("mail-drain", measure, args)


if __name__ == "__main__":
    sys.exit(main())
