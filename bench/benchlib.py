"""What bench/tickets.py and bench/queue_load.py share: servers started and stopped, the databases,
CPU accounting, the machine, Markdown tables. Runs with the project's venv (.venv/bin/python).

Everything is on 127.0.0.1; every process started here lives in a process group of its own
and is stopped (SIGTERM, then SIGKILL) by Processes.stop_all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import fcntl
import os
import platform
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
if not VENV_BIN.exists():  # a second checkout (git worktree) on the first one's venv
    VENV_BIN = Path(sys.executable).parent
PYTHON = str(VENV_BIN / "python")
HELPDESK = str(VENV_BIN / "helpdesk")
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"  # loopback only
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_PREFIX = "helpdesk_bench_"
# Other load tests that must not share the two cores with ours.
OTHER_BENCHES = ("bench/pages.py", "bench/tickets.py", "bench/queue_load.py")


class BenchError(Exception):
    """A failure that ends the run with a message."""


# --------------------------------------------------------------------------- processes


@dataclass
class Started:
    name: str
    proc: subprocess.Popen
    log: Path


@dataclass
class Processes:
    started: list[Started] = field(default_factory=list)

    def start(self, name: str, argv: list[str], log: Path, env=None, cwd=None) -> Started:
        with log.open("ab") as out:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd or PROJECT_DIR,
                start_new_session=True,
            )
        started = Started(name, proc, log)
        self.started.append(started)
        return started

    def stop(self, started: Started, grace: float = 10.0) -> None:
        _signal_group(started.proc.pid, signal.SIGTERM)
        try:
            started.proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        if started.proc.poll() is None or _group_alive(started.proc.pid):
            _signal_group(started.proc.pid, signal.SIGKILL)
            try:
                started.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                print(f"! {started.name} (pid {started.proc.pid}) ne s'arrête pas", file=sys.stderr)
        if started in self.started:
            self.started.remove(started)

    def stop_all(self) -> None:
        for s in reversed(list(self.started)):
            self.stop(s)

    def check_alive(self) -> None:
        for s in self.started:
            if s.proc.poll() is not None:
                raise BenchError(f"{s.name} s'est arrêté :\n{tail(s.log)}")

    @property
    def groups(self) -> set[int]:
        return {s.proc.pid for s in self.started}


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def raise_on_signal(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def install_signal_handlers() -> None:
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, raise_on_signal)
    signal.signal(signal.SIGHUP, raise_on_signal)


def ignore_signals() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_IGN)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def fetch(url: str, timeout: float = 10.0, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def wait_ready(started: Started, url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if started.proc.poll() is not None:
            raise BenchError(f"{started.name} s'est arrêté au démarrage :\n{tail(started.log)}")
        try:
            if fetch(url, timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"{started.name} ne répond pas sur {url} :\n{tail(started.log)}")


def wait_port(port: int, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex((HOST, port)) == 0:
                return
        time.sleep(0.1)
    raise BenchError(f"rien n'écoute sur {HOST}:{port}")


# --------------------------------------------------------------------------- other benches


def _ancestors() -> set[int]:
    pids, pid = set(), os.getpid()
    while pid > 1:
        pids.add(pid)
        try:
            pid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            break
    return pids


def other_benches() -> list[str]:
    """Command lines of the other load tests running now (not us, nor our parents)."""
    mine = _ancestors()
    found = []
    for pattern in OTHER_BENCHES:
        out = subprocess.run(["pgrep", "-af", pattern], capture_output=True, text=True).stdout
        for line in out.splitlines():
            pid, _, cmd = line.partition(" ")
            if pid.isdigit() and int(pid) not in mine and "pgrep" not in cmd:
                found.append(line)
    return found


LOCK_PATH = Path(tempfile.gettempdir()) / "helpdesk-bench.lock"
_held_lock = None  # the open lock file, kept until the process ends


def _take_lock(deadline: float) -> None:
    """One load test at a time on the machine: an exclusive lock held until this process ends.
    (Two scripts that each waited for the other's process to disappear waited forever.)"""
    global _held_lock
    if _held_lock is not None:
        return
    lock = LOCK_PATH.open("a")
    shown = False
    while True:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            _held_lock = lock
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                lock.close()
                raise BenchError("une autre mesure tient toujours la machine") from None
            if not shown:
                print("· une autre mesure tourne, attente de son verrou", flush=True)
                shown = True
            time.sleep(2)


def wait_for_other_benches(max_wait: float) -> None:
    """Wait (at most max_wait s) until no other load test shares the CPU: take the measuring
    lock, then wait for bench/pages.py (standard library only, it takes no lock)."""
    deadline = time.monotonic() + max_wait
    _take_lock(deadline)
    shown = False
    while busy := [line for line in other_benches() if "bench/pages.py" in line]:
        if time.monotonic() >= deadline:
            raise BenchError("une autre mesure tourne toujours :\n" + "\n".join(busy))
        if not shown:
            print("· une autre mesure tourne, attente :\n  " + "\n  ".join(busy), flush=True)
            shown = True
        time.sleep(5)


# --------------------------------------------------------------------------- CPU accounting

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the machine; interrupts left out of "busy"."""
    first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in first[1:9])
    return (
        user + nice + system + steal,
        user + nice + system + idle + iowait + irq + softirq + steal,
    )


def process_ticks() -> dict[str, int]:
    """CPU ticks so far by process group id ("pg:<id>") and of the PostgreSQL processes."""
    totals: dict[str, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
            comm = raw[raw.index("(") + 1 : raw.rindex(")")]
            fields = raw.rsplit(")", 1)[1].split()
            ticks = int(fields[11]) + int(fields[12])
            pgrp = int(fields[2])
        except (OSError, IndexError, ValueError):
            continue
        totals[f"pg:{pgrp}"] = totals.get(f"pg:{pgrp}", 0) + ticks
        if comm.startswith("postgres"):
            totals["postgres"] = totals.get("postgres", 0) + ticks
    return totals


def own_ticks() -> float:
    usage = [resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage) * CLOCK_TICKS


class CpuWatch:
    """CPU seconds used over a window by named process groups, PostgreSQL, this script (and
    its waited-for children, e.g. wrk), and the share of the machine taken by everything else."""

    def __init__(self, groups: dict[str, int]) -> None:
        self.groups = groups
        self.start = (machine_ticks(), process_ticks(), own_ticks(), time.monotonic())

    def stop(self) -> dict[str, float]:
        (busy0, total0), procs0, own0, t0 = self.start
        (busy1, total1), procs1, own1 = machine_ticks(), process_ticks(), own_ticks()
        out: dict[str, float] = {}
        accounted = 0.0
        for name, pgid in self.groups.items():
            ticks = procs1.get(f"pg:{pgid}", 0) - procs0.get(f"pg:{pgid}", 0)
            out[name] = ticks / CLOCK_TICKS
            accounted += ticks
        pg = procs1.get("postgres", 0) - procs0.get("postgres", 0)
        out["postgres"] = pg / CLOCK_TICKS
        own = own1 - own0
        out["client"] = own / CLOCK_TICKS
        accounted += pg + own
        window = total1 - total0
        out["autres (part)"] = max(0.0, (busy1 - busy0 - accounted) / window) if window else 0.0
        out["durée"] = time.monotonic() - t0
        return out


def wait_quiet(groups: dict[str, int], max_wait: float, limit: float = 0.10) -> float:
    """Wait (at most max_wait s) until processes that are not ours use ≤ limit of the CPU."""
    deadline = time.monotonic() + max_wait
    while True:
        watch = CpuWatch(groups)
        time.sleep(2)
        others = watch.stop()["autres (part)"]
        if others <= limit or time.monotonic() >= deadline:
            return others
        print(f"  … machine occupée par d'autres processus ({others:.0%}), attente", flush=True)


# --------------------------------------------------------------------------- machine


def code_fingerprint() -> str:
    """A short hash of helpdesk/ and templates/ (others may be editing them) and their last change."""
    import hashlib

    digest = hashlib.sha256()
    latest = 0.0
    for folder in ("helpdesk", "templates"):
        for path in sorted((PROJECT_DIR / folder).rglob("*")):
            if path.is_file() and path.suffix in (".py", ".html", ".txt", ".json", ".toml"):
                digest.update(str(path.relative_to(PROJECT_DIR)).encode())
                digest.update(path.read_bytes())
                latest = max(latest, path.stat().st_mtime)
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(latest))
    return f"{digest.hexdigest()[:12]} (dernière modification {when})"


def machine_info() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kib / 1024 / 1024:.1f} Gio"
    except (OSError, ValueError, IndexError):
        mem = "?"
    py = subprocess.run(
        [
            PYTHON,
            "-c",
            "import sys, importlib.metadata as m; print(sys.version.split()[0], *("
            "f'{p} {m.version(p)}' for p in ('litestar', 'uvicorn', 'piccolo', 'asyncpg',"
            " 'httpx')), sep=' · ')",
        ],
        capture_output=True,
        text=True,
    ).stdout.strip()
    return {
        "cœurs": str(len(os.sched_getaffinity(0))),
        "processeur": cpu or platform.processor() or "?",
        "mémoire": mem,
        "système": f"{platform.system()} {platform.release()}",
        "python": py,
        "charge (1, 5, 15 min)": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --------------------------------------------------------------------------- databases


def new_pg_name() -> str:
    return f"{PG_PREFIX}{secrets.token_hex(4)}"


def pg_url(name: str) -> str:
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


async def _pg_admin(statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


def create_pg_database(name: str) -> None:
    assert name.startswith(PG_PREFIX) and name.replace("_", "").isalnum()
    asyncio.run(_pg_admin(f'CREATE DATABASE "{name}"'))


def drop_pg_database(name: str) -> None:
    assert name.startswith(PG_PREFIX) and name.replace("_", "").isalnum()
    try:
        asyncio.run(_pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    except Exception as error:  # noqa: BLE001 - a leftover base is reported, not fatal
        print(f"! base {name} non supprimée : {error}", file=sys.stderr)


def helpdesk_env(data_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("HELPDESK_"):
            del env[key]  # nothing inherited: the run says everything it uses
    env |= {
        # This checkout's code, whichever checkout the venv's editable install points to.
        "PYTHONPATH": str(PROJECT_DIR),
        "HELPDESK_DATA_DIR": str(data_dir),
        "HELPDESK_DATABASE_URL": database_url,
        "HELPDESK_RATE_LIMIT_DISABLED": "1",
        "HELPDESK_DEMO": "0",
        "HELPDESK_HOST": HOST,
        "HELPDESK_SECRET_KEY": secrets.token_hex(32),
        "HELPDESK_MAIL_SENDER": "worker",
    }
    env |= extra
    return env


def run_migrate(env: dict[str, str]) -> None:
    result = subprocess.run(
        [HELPDESK, "migrate"], env=env, cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120
    )
    if result.returncode != 0:
        raise BenchError(f"helpdesk migrate a échoué :\n{result.stdout}{result.stderr}")


UVLOOP_WORKER = (  # `helpdesk worker` on uvloop: the command's asyncio.run replaced
    "import asyncio, sys, uvloop; asyncio.run = uvloop.run; "
    "from helpdesk.cli import main; sys.exit(main(['worker']))"
)


def worker_argv(loop: str = "asyncio", nice: int = 0) -> list[str]:
    """`helpdesk worker` as the command starts it (asyncio's loop) or on uvloop; at a lowered
    priority with nice > 0, as systemd's `Nice=` would start it."""
    if loop == "uvloop":
        argv = [PYTHON, "-c", UVLOOP_WORKER]
    else:
        argv = [PYTHON, "-m", "helpdesk.cli", "worker"]
    return (["nice", "-n", str(nice)] if nice else []) + argv


def start_helpdesk(
    procs: Processes, env: dict, log: Path, workers: int = 2, variants: str = ""
) -> tuple[Started, str]:
    """`helpdesk serve --workers N` (gunicorn's arbiter and its uvicorn workers, each its own
    socket; one worker: uvicorn alone); with variants, uvicorn on bench/variants.py (its own
    `--workers`, one shared socket)."""
    port = free_port()
    if variants:
        argv = [
            str(VENV_BIN / "uvicorn"),
            "variants:create",
            "--factory",
            "--app-dir",
            str(BENCH_DIR),
        ]
        env = env | {"BENCH_VARIANTS": variants}
    else:
        argv = [HELPDESK, "serve"]
    argv += ["--host", HOST, "--port", str(port), "--workers", str(workers), "--no-access-log"]
    app = procs.start("helpdesk", argv, log, env=env | {"HELPDESK_PORT": str(port)})
    base = f"http://{HOST}:{port}"
    wait_ready(app, f"{base}/health")
    if workers > 1:  # every worker up: each has a listening socket on the port
        deadline = time.monotonic() + 60
        while len(listening_processes(app.proc.pid, port)) < workers:
            if time.monotonic() > deadline:
                raise BenchError(f"les {workers} processus n'écoutent pas :\n{tail(log)}")
            time.sleep(0.2)
    for _ in range(20):
        fetch(f"{base}/health")
    return app, base


def _tcp_sockets(port: int, state: str) -> set[str]:
    """`socket:[inode]` of the TCP sockets on this local port (state 0A: listening, 01: open)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
                found.add(f"socket:[{fields[9]}]")
    return found


def _held(pid: int | str, sockets: set[str]) -> int:
    held = 0
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return 0
    for fd in fds:
        try:
            held += os.readlink(fd) in sockets
        except OSError:
            pass
    return held


def _children(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/task/{pid}/children").read_text().split()


def listening_processes(parent_pid: int, port: int) -> list[str]:
    """The children of parent_pid that listen on `port` (Linux /proc)."""
    listening = _tcp_sockets(port, "0A")
    return [c for c in _children(parent_pid) if _held(c, listening)]


def connections_by_process(parent_pid: int, port: int) -> list[int]:
    """Open TCP connections to `port` held by each child of parent_pid, busiest first (Linux
    /proc): how the kernel spread the clients between the app's processes."""
    opened = _tcp_sockets(port, "01")
    counts = [held for c in _children(parent_pid) if (held := _held(c, opened))]
    return sorted(counts, reverse=True)


def rss_mib(pid: int | str) -> float:
    """A process's resident memory (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def rss_by_process(parent_pid: int, port: int) -> list[float]:
    """The resident memory of each serving process (children of parent_pid on `port`), in MiB."""
    return sorted((rss_mib(c) for c in listening_processes(parent_pid, port)), reverse=True)


Measure = Callable[[Processes, Path, dict, dt.datetime], tuple[str, int]]


def run_measure(prefix: str, measure: Measure, args) -> int:
    """The frame of a measuring script: waits for the other measures (args.other_wait), notes
    the machine and the code, runs measure(procs, tmp, info, when) -> (report, exit code), writes the
    report (args.output), and, whatever happens, stops what was started and removes the
    temporary folder."""
    install_signal_handlers()
    procs = Processes()
    tmp = Path(tempfile.mkdtemp(prefix=f"helpdesk-bench-{prefix}-"))
    try:
        wait_for_other_benches(args.other_wait)
        info = machine_info()
        when = dt.datetime.now()
        code_before = code_fingerprint()
        info["code (helpdesk/, templates/)"] = code_before
        md, code = measure(procs, tmp, info, when)
        if code_fingerprint() != code_before:
            md += "\n**ATTENTION : helpdesk/ ou templates/ ont changé pendant la mesure.**\n"
        write_report(md, args.output, prefix, when)
        return code
    except BenchError as error:
        print(f"\n! {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n! interrompu", file=sys.stderr)
        return 130
    finally:
        ignore_signals()
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


def write_report(md: str, output: Path | None, prefix: str, when: dt.datetime) -> Path:
    """Prints the report and writes it to output, or to bench/results/<prefix>-<date>.md (with
    the seconds when a run started in the same minute wrote that one)."""
    print()
    print(md)
    out = output or RESULTS_DIR / f"{prefix}-{when:%Y-%m-%d-%H%M}.md"
    if not output and out.exists():
        out = RESULTS_DIR / f"{prefix}-{when:%Y-%m-%d-%H%M%S}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    print(f"· résultats : {out}")
    return out


# --------------------------------------------------------------------------- numbers


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), round(p / 100 * len(sorted_values) + 0.5)))
    return sorted_values[rank - 1]


def fr(n: float, digits: int = 0) -> str:
    """1 234,5: French thousands and decimal separators."""
    text = f"{n:,.{digits}f}".replace(",", " ").replace(".", ",")
    return text


def md_table(header: list[str], rows: list[list[str]], align_first_left: bool = True) -> str:
    lines = [
        "| " + " | ".join(header) + " |",
        "| "
        + " | ".join(["---" if align_first_left else "---:"] + ["---:"] * (len(header) - 1))
        + " |",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
