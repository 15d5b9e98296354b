"""A mail sink for the load tests: accepts every message on 127.0.0.1 and discards it.

    .venv/bin/python bench/smtp_sink.py --port 2525 [--count-file F]

Writes the number of messages received to the count file once a second (and on exit),
so that the load test can compare what the outbox says it sent with what arrived.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self) -> None:
        self.received = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 (aiosmtpd API)
        self.received += 1
        return "250 OK"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count-file", type=Path, default=None)
    args = parser.parse_args()
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=args.port, ready_timeout=10)
    controller.start()

    def write_count() -> None:
        if args.count_file:
            tmp = args.count_file.with_suffix(".tmp")
            tmp.write_text(str(sink.received))
            tmp.replace(args.count_file)

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"capteur SMTP sur 127.0.0.1:{args.port}", flush=True)
        while not stop.is_set():
            write_count()
            try:
                await asyncio.wait_for(stop.wait(), timeout=1)
            except TimeoutError:
                pass

    try:
        asyncio.run(run())
    finally:
        controller.stop()
        write_count()


if __name__ == "__main__":
    main()
