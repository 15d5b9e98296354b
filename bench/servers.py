"""Three ways to run the app's processes, side by side: `GET /aide` on 32 kept-alive connections.

    .venv/bin/python bench/servers.py                     # 2 rounds × 3 servers × 10 s, ≈ 2 min
    .venv/bin/python bench/servers.py --servers gunicorn --rounds 1 --duration 5

- uvicorn: `uvicorn --workers 2` (one listening socket shared by its processes);
- gunicorn: gunicorn's arbiter, uvicorn's worker class, `--reuse-port` (a socket each), what
  `helpdesk serve --workers 2` runs;
- granian: `granian --interface asgi --workers 2`.

Each serves the same app (`helpdesk.app:create_app`, SQLite, rate limits off) on 127.0.0.1; the
client is the minimal HTTP/1.1 client of bench/tickets.py (uvloop), 32 connections opened at
once after 2 s of warm-up. Printed: requests/s, p50 / p99, CPU time of all the server's
processes per request, and how many of the 32 connections each process holds one second in.
The client shares the 2 cores with the server: compare the lines, not the capacity.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import uvloop
from benchlib import (
    HOST,
    PROJECT_DIR,
    VENV_BIN,
    Processes,
    connections_by_process,
    fetch,
    free_port,
    helpdesk_env,
    run_migrate,
    wait_ready,
)
from tickets import Connection, request_head

CLIENTS = 32
APP = "helpdesk.app:create_app"


def argv_of(server: str, port: int) -> list[str]:
    bind = ["--host", HOST, "--port", str(port)]
    if server == "uvicorn":
        return (
            [str(VENV_BIN / "uvicorn"), APP, "--factory", "--workers", "2", "--no-access-log"]
            + bind
            + ["--log-level", "warning"]
        )
    if server == "gunicorn":
        return [
            str(VENV_BIN / "gunicorn"),
            f"{APP}()",
            "--worker-class",
            "uvicorn_worker.UvicornWorker",
            "--workers",
            "2",
            "--reuse-port",
            "--no-control-socket",
            "--bind",
            f"{HOST}:{port}",
            "--log-level",
            "warning",
        ]
    return (
        [str(VENV_BIN / "granian"), "--interface", "asgi", "--factory", APP, "--workers", "2"]
        + bind
        + ["--log-level", "warning"]
    )


def group_ticks(pgid: int) -> int:
    total = 0
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                total += int(fields[11]) + int(fields[12])
    return total


async def load(port: int, pid: int, duration: float) -> tuple[list[float], list[int], float]:
    head = request_head("GET", "/aide", f"{HOST}:{port}")
    latencies: list[float] = []

    async def client(until: float, record: bool) -> None:
        connection = Connection(HOST, port)
        while time.monotonic() < until:
            started = time.monotonic()
            reply = await connection.request(head)
            assert reply.status == 200, reply.status
            if record:
                latencies.append(time.monotonic() - started)
        await connection.close()

    await asyncio.gather(*(client(time.monotonic() + 2, False) for _ in range(CLIENTS)))
    start = time.monotonic()
    tasks = [asyncio.create_task(client(start + duration, True)) for _ in range(CLIENTS)]
    await asyncio.sleep(1)
    spread = connections_by_process(pid, port)
    await asyncio.gather(*tasks)
    return latencies, spread, time.monotonic() - start


def measure(server: str, duration: float, tmp: Path) -> str:
    procs = Processes()
    folder = tmp / server
    folder.mkdir(parents=True, exist_ok=True)
    env = helpdesk_env(folder, f"sqlite:///{folder / 'helpdesk.sqlite3'}")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get("PYTHONPATH")]))
    run_migrate(env)
    port = free_port()
    started = procs.start(server, argv_of(server, port), folder / "server.log", env=env)
    try:
        wait_ready(started, f"http://{HOST}:{port}/aide")
        for _ in range(40):
            fetch(f"http://{HOST}:{port}/aide")
        ticks = group_ticks(started.proc.pid)
        latencies, spread, elapsed = uvloop.run(load(port, started.proc.pid, duration))
        cpu_s = (group_ticks(started.proc.pid) - ticks) / os.sysconf("SC_CLK_TCK")
    finally:
        procs.stop_all()
    latencies.sort()
    n = len(latencies)

    def number(value: float, decimals: int) -> str:  # French: 12 345,6
        return f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")

    return (
        f"| {server} | {number(n / elapsed, 0)} | {number(latencies[n // 2] * 1000, 1)} | "
        f"{number(latencies[int(n * 0.99)] * 1000, 1)} | {number(1000 * cpu_s / n, 3)} | "
        f"{' / '.join(map(str, spread))} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--servers", default="uvicorn,gunicorn,granian")
    parser.add_argument("--duration", type=float, default=10.0, help="secondes mesurées (10)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="helpdesk-bench-servers-"))
    print(
        "| serveur | req/s | p50 (ms) | p99 (ms) | CPU serveur (ms/req) | connexions par processus |"
    )
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    try:
        for _ in range(args.rounds):
            for server in args.servers.split(","):
                print(measure(server.strip(), args.duration, tmp), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
