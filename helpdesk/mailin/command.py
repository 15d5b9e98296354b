"""`helpdesk mail-in`: the receiver in a process of its own (production, several app processes;
one served process, `make run`, runs it itself)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal

from helpdesk.core.db import bind, is_postgres, make_engine, start_pool
from helpdesk.core.settings import load_settings
from helpdesk.state import worker_state

POOL_SIZE = 10  # connections: the mails being placed at once


def cmd_mail_in(args: argparse.Namespace) -> int:
    from helpdesk.mailin.receiver import MailReceiver

    settings = load_settings(**({} if args.port is None else {"mailin": {"port": args.port}}))
    if not settings.mailin.port and not settings.imap.host:
        print(
            "HELPDESK_MAILIN_PORT vaut 0 et HELPDESK_IMAP_HOST est vide\u00a0: "
            "rien à recevoir ni à relever."
        )
        return 2

    async def run(poll: bool) -> None:
        engine = make_engine(settings.database_url)
        bind(engine)
        if is_postgres(engine):
            await start_pool(engine, max_size=POOL_SIZE)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        state = worker_state(settings, engine)
        poller = None
        if poll and settings.imap.host:  # one process reads the mailbox
            from helpdesk.mailin.imap import poll_forever

            poller = asyncio.create_task(poll_forever(state, stop))
            print(f"Relève IMAP de {settings.imap.user}@{settings.imap.host}", flush=True)
        if not settings.mailin.port:
            await poller
            return
        receiver = MailReceiver(
            state,
            settings.mailin.host,
            settings.mailin.port,
            lmtp=settings.mailin.lmtp,
            reuse_port=args.processes > 1,
        )
        await receiver.start()
        print(
            f"Réception des courriels ({'LMTP' if settings.mailin.lmtp else 'SMTP'}) sur "
            f"{settings.mailin.host}:{settings.mailin.port} (processus {os.getpid()})",
            flush=True,
        )
        await stop.wait()
        await receiver.stop()
        if poller:
            await poller
        if is_postgres(engine):
            await engine.close_connection_pool()

    # Several processes (--processes): each listens on a socket of its own (SO_REUSEPORT) and
    # the kernel spreads the connections; they share the database, which keeps each mail once.
    children = []
    for _ in range(args.processes - 1):
        pid = os.fork()
        if pid == 0:
            asyncio.run(run(poll=False))
            os._exit(0)
        children.append(pid)
    asyncio.run(run(poll=True))
    for pid in children:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
    return 0


def add_command(commands) -> None:
    parser = commands.add_parser(
        "mail-in", help="reçoit les courriels des demandeurs (SMTP ou LMTP, relève IMAP)"
    )
    parser.add_argument(
        "--port", type=int, default=None, help="port d'écoute (HELPDESK_MAILIN_PORT)"
    )
    parser.add_argument(
        "--processes", type=int, default=1, help="processus de réception (1 par cœur au plus)"
    )
    parser.set_defaults(func=cmd_mail_in)
