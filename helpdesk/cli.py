"""The `helpdesk` command: serve, migrate, and the tools of later domains."""

from __future__ import annotations

import argparse
import asyncio
import sys

from helpdesk.db import make_engine, migrate
from helpdesk.settings import load_settings


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    settings = load_settings()
    uvicorn.run(
        "helpdesk.app:create_app",
        factory=True,
        host=args.host or settings.host,
        port=args.port or settings.port,
        workers=args.workers,
        log_level="info",
        proxy_headers=True,
        access_log=not args.no_access_log,
    )
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    settings = load_settings()

    async def run() -> None:
        engine = make_engine(settings.database_url)
        await migrate(engine)

    asyncio.run(run())
    print(f"Base de données à jour : {settings.database_url}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="helpdesk", description="Assistance académique ÉduConnect"
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="sert l'application web")
    serve.add_argument("--host", default="")
    serve.add_argument("--port", type=int, default=0)
    serve.add_argument("--workers", type=int, default=1, help="nombre de processus")
    serve.add_argument("--no-access-log", action="store_true")
    serve.set_defaults(func=cmd_serve)
    commands.add_parser("migrate", help="crée ou met à jour les tables").set_defaults(
        func=cmd_migrate
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
