"""A mail sink for the load tests: accepts every message on 127.0.0.1 and discards it.

    .venv/bin/python bench/smtp_sink.py --port 2525 [--count-file F] [--aiosmtpd]

Writes the number of messages received to the count file once a second (and on exit),
so that the load test can compare what the outbox says it sent with what arrived.

The sink stands for the académie's mail server, which would run elsewhere: it only has to speak
enough SMTP for aiosmtplib (EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) and to cost the machine
as little as possible. aiosmtpd, which the tests use, took ≈ 0.7 ms of CPU a message here; this
minimal server (asyncio protocol, uvloop) about a tenth of that. With --aiosmtpd, the sink is
aiosmtpd's SMTP server, a real server's full exchange (a few times the CPU).
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from pathlib import Path

GREETING = b"220 127.0.0.1 bench sink ESMTP\r\n"
EHLO = b"250-127.0.0.1\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 33554432\r\n"
REPLIES = {
    b"HELO": b"250 127.0.0.1\r\n",
    b"MAIL": b"250 OK\r\n",
    b"RCPT": b"250 OK\r\n",
    b"RSET": b"250 OK\r\n",
    b"NOOP": b"250 OK\r\n",
    b"DATA": b"354 End data with <CR><LF>.<CR><LF>\r\n",
}
END_OF_DATA = b"\r\n.\r\n"


class Counter:
    received = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.received += 1
        return "250 OK: queued"


class SinkProtocol(asyncio.Protocol):
    def __init__(self, counter: Counter) -> None:
        self.counter = counter
        self.buffer = b""
        self.in_data = False

    def connection_made(self, transport) -> None:
        self.transport = transport
        transport.write(GREETING)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            if self.in_data:
                # The DATA command's own CRLF is kept in the buffer: an empty message still
                # ends with CRLF . CRLF.
                end = self.buffer.find(END_OF_DATA)
                if end < 0:
                    return
                self.buffer = self.buffer[end + len(END_OF_DATA) :]
                self.in_data = False
                self.counter.received += 1
                self.transport.write(b"250 OK: queued\r\n")
                continue
            end = self.buffer.find(b"\r\n")
            if end < 0:
                return
            line, self.buffer = self.buffer[:end], self.buffer[end:]
            verb = line[:4].upper()
            if verb == b"DATA":
                self.in_data = True
            else:
                self.buffer = self.buffer[2:]
            if verb == b"QUIT":
                self.transport.write(b"221 Bye\r\n")
                self.transport.close()
                return
            if verb == b"EHLO":
                self.transport.write(EHLO)
            else:
                self.transport.write(REPLIES.get(verb, b"502 Command not implemented\r\n"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count-file", type=Path, default=None)
    parser.add_argument("--aiosmtpd", action="store_true", help="aiosmtpd's server, not this one")
    args = parser.parse_args()
    counter = Counter()

    def write_count() -> None:
        if args.count_file:
            tmp = args.count_file.with_suffix(".tmp")
            tmp.write_text(str(counter.received))
            tmp.replace(args.count_file)

    async def run() -> None:
        loop = asyncio.get_running_loop()
        if args.aiosmtpd:
            from aiosmtpd.smtp import SMTP

            def protocol():
                return SMTP(counter, hostname="127.0.0.1", enable_SMTPUTF8=True)
        else:

            def protocol():
                return SinkProtocol(counter)

        server = await loop.create_server(protocol, "127.0.0.1", args.port)
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print(f"capteur SMTP sur 127.0.0.1:{args.port}", flush=True)
        while not stop.is_set():
            write_count()
            try:
                await asyncio.wait_for(stop.wait(), timeout=1)
            except TimeoutError:
                pass
        server.close()

    try:
        import uvloop
    except ImportError:
        asyncio.run(run())
    else:
        uvloop.run(run())
    write_count()


if __name__ == "__main__":
    main()
