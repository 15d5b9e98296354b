"""`helpdesk purge [--dry-run] [--as-of AAAA-MM-JJ]`: the purge by hand (the worker runs it
every night)."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import sys

from helpdesk.french import date_fr


def add_parser(commands) -> None:
    purge = commands.add_parser(
        "purge", help="anonymise les demandes closes depuis plus de HELPDESK_RETENTION_DAYS jours"
    )
    purge.add_argument("--dry-run", action="store_true", help="compte sans rien changer")
    purge.add_argument("--as-of", default="", help="date du calcul (AAAA-MM-JJ), aujourd'hui sinon")
    purge.set_defaults(func=cmd_purge)


def cmd_purge(args: argparse.Namespace) -> int:
    from helpdesk.db import make_engine, migrate
    from helpdesk.privacy.purge import purge
    from helpdesk.settings import load_settings

    try:
        as_of = dt.date.fromisoformat(args.as_of) if args.as_of else None
    except ValueError:
        print(
            f"Date invalide\u00a0: «\u00a0{args.as_of}\u00a0». Écrivez-la AAAA-MM-JJ, "
            "par exemple 2026-03-04.",
            file=sys.stderr,
        )
        return 2
    settings = load_settings()

    async def run():
        await migrate(make_engine(settings.database_url))
        return await purge(settings.retention_days, settings, as_of=as_of, dry_run=args.dry_run)

    report = asyncio.run(run())
    limit = date_fr(report.cutoff.date())
    if args.dry_run:
        print(f"Simulation, rien n'est changé. Demandes closes avant le {limit}\u00a0:")
        verb = "à anonymiser"
    else:
        print(f"Demandes closes avant le {limit}\u00a0:")
        verb = "anonymisée(s)"
    print(f"  {report.tickets} demande(s) {verb}")
    print(
        f"  {report.attachments} pièce(s) jointe(s) {'à supprimer' if args.dry_run else 'supprimée(s)'}"
    )
    print(
        f"  {report.audit_ips} adresse(s) IP du journal "
        f"{'à effacer' if args.dry_run else 'effacée(s)'}"
    )
    return 0
