"""`helpdesk serve`: uvicorn, in one process or several sharing the port.

With several processes, each listens on a socket of its own bound with SO_REUSEPORT, and the
kernel spreads new connections between them by a hash of their addresses. uvicorn's own
`--workers` shares one listening socket: the process that wakes first accepts a whole burst of
connections and keeps them for as long as they live, so under keep-alive load (a reverse proxy's
pool, 32 clients at once) one process did all the work while the others idled.

A hash still splits 32 connections 21 / 11 about as often as 16 / 16, and the busier process
answers more slowly for as long as they live: FairShare evens them out.
"""

from __future__ import annotations

import gc
import logging
import math
import multiprocessing
import signal
import socket
import time
from multiprocessing.connection import wait

import uvicorn

APP = "helpdesk.server:served_app"
BACKLOG = 2048
log = logging.getLogger("helpdesk.server")


def served_app():
    """The app of a served process, its startup objects (templates, FAQ, triage model,
    académies…) frozen out of the cyclic collector's sight: they live as long as the process,
    and full collections walking them paused a process up to 180 ms under load."""
    from helpdesk.app import create_app

    app = create_app()
    gc.collect()
    gc.freeze()
    return app


def serve(host: str, port: int, workers: int, access_log: bool) -> None:
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(
            APP,
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            proxy_headers=True,
            access_log=access_log,
        )
        return
    # Bound, never listening: it keeps the port (and gives one when 0 is asked) while the
    # processes start; a socket that does not listen receives no connection.
    reserved = reuse_port_socket(host, port)
    port = reserved.getsockname()[1]
    Supervisor(host, port, workers, access_log).run()
    reserved.close()


def reuse_port_socket(host: str, port: int) -> socket.socket:
    family, kind, proto, _, address = socket.getaddrinfo(
        host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def run_one(host: str, port: int, access_log: bool, counts, index: int) -> None:
    """One app process: its own listening socket on the shared port."""
    sock = reuse_port_socket(host, port)
    sock.listen(BACKLOG)
    app = FairShare(served_app(), counts, index)
    config = uvicorn.Config(
        app, host=host, port=port, log_level="info", proxy_headers=True, access_log=access_log
    )
    server = uvicorn.Server(config)
    app.connections = server.server_state.connections
    server.run(sockets=[sock])


class FairShare:
    """Keeps a process to its share of the open connections.

    Each process writes in `counts` (shared memory) how many connections it holds. One that
    holds more than its share closes the connection of a response (`Connection: close`; every
    HTTP client, browser or proxy, opens a new one, which the kernel places anew), one at a time
    and at most every CLOSE_EVERY seconds: within a second or so each process holds its share.
    """

    CLOSE_EVERY = 0.05

    def __init__(self, app, counts, index: int) -> None:
        self.app, self.counts, self.index = app, counts, index
        self.connections: set = set()  # uvicorn's, once its server exists
        self.last_close = 0.0

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and self.over_share():
            send = with_connection_close(send)
        await self.app(scope, receive, send)

    def over_share(self) -> bool:
        held = self.counts[self.index] = len(self.connections)
        share = math.ceil(sum(self.counts) / len(self.counts))
        now = time.monotonic()
        if held <= share or now - self.last_close < self.CLOSE_EVERY:
            return False
        self.last_close = now
        return True


def with_connection_close(send):
    async def send_closing(message) -> None:
        if message["type"] == "http.response.start":
            headers = [*message.get("headers", ()), (b"connection", b"close")]
            message = {**message, "headers": headers}
        await send(message)

    return send_closing


class Supervisor:
    """Starts the processes, restarts one that dies, stops them all on SIGINT or SIGTERM.

    A process that dies soon after its start (a setting it cannot use, a port taken) is
    restarted after a growing delay, up to MAX_DELAY seconds, not in a tight loop."""

    SHORT_LIFE = 10.0
    MAX_DELAY = 30.0

    def __init__(self, host: str, port: int, workers: int, access_log: bool) -> None:
        self.args = (host, port, access_log)
        self.workers = workers
        self.context = multiprocessing.get_context("spawn")
        self.counts = self.context.Array("i", workers, lock=False)  # connections of each
        self.processes: list = []
        self.started = [0.0] * workers
        self.quick_deaths = [0] * workers
        self.stopping = False

    def start_one(self, index: int):
        self.counts[index] = 0
        self.started[index] = time.monotonic()
        args = (*self.args, self.counts, index)
        process = self.context.Process(target=run_one, args=args, daemon=False)
        process.start()
        return process

    def delay_before_restart(self, index: int, now: float) -> float:
        if now - self.started[index] < self.SHORT_LIFE:
            self.quick_deaths[index] += 1
        else:
            self.quick_deaths[index] = 0
        deaths = self.quick_deaths[index]
        return 0.0 if deaths == 0 else min(self.MAX_DELAY, 2.0 ** (deaths - 1))

    def stop(self, *_):
        self.stopping = True

    def run(self) -> None:
        signal.signal(signal.SIGINT, self.stop)
        signal.signal(signal.SIGTERM, self.stop)
        host, port, _ = self.args
        print(f"{self.workers} processus sur http://{host}:{port} (SO_REUSEPORT)", flush=True)
        self.processes = [self.start_one(i) for i in range(self.workers)]
        restart_at: dict[int, float] = {}
        while not self.stopping:
            wait([p.sentinel for p in self.processes if p.is_alive()], timeout=0.5)
            now = time.monotonic()
            for i, process in enumerate(self.processes):
                if self.stopping or process.is_alive():
                    continue
                if i not in restart_at:
                    restart_at[i] = now + self.delay_before_restart(i, now)
                    log.warning(
                        "Processus %s arrêté (code %s)\u00a0: relancé dans %.0f s.",
                        process.pid,
                        process.exitcode,
                        restart_at[i] - now,
                    )
                elif now >= restart_at[i]:
                    del restart_at[i]
                    self.processes[i] = self.start_one(i)
        for process in self.processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests under way
        for process in self.processes:
            process.join(timeout=30)
            if process.is_alive():
                process.kill()
