#!/usr/bin/env python3
"""Load test of the public pages, on one machine, in one run: `python3 bench/pages.py`.

Starts, on 127.0.0.1 only:
- the help desk (2 uvicorn workers, rate limits off, a temporary data dir and SQLite base);
- nginx (its own temporary configuration, 2 workers) serving the bytes of GET /aide as a file;
- a bare Litestar app (bench/bare_app.py, 2 uvicorn workers) returning those same bytes;
then runs wrk against each target (a warm-up run, then a measured run, each bounded in time),
prints a table and writes it as Markdown to bench/results/pages-<date>.md.
Everything it started is stopped on exit, on error, on Ctrl-C and on SIGTERM.

Standard library only: it runs with the system python3 and installs what it needs itself
(`make deps` for the project, wrk and nginx with apt-get when they are missing).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
RESULTS_DIR = BENCH_DIR / "results"
HOST = "127.0.0.1"  # loopback only: nothing else is ever targeted
TARGET_RATIO = 0.75  # /aide should reach 75 % of the bare handler's requests/s

NGINX_CONF = """\
worker_processes 2;
daemon off;
pid {tmp}/nginx.pid;
error_log {tmp}/nginx-error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    # nginx closes a keep-alive connection after 1000 requests by default, uvicorn never does.
    keepalive_requests 1000000;
    server {{
        listen {host}:{port};
        root {www};
        location = /aide {{
            default_type "text/html; charset=utf-8";
            try_files /aide.html =404;
        }}
    }}
}}
"""


class BenchError(Exception):
    """A failure that ends the run with a message (and the log of the culprit)."""


# --------------------------------------------------------------------------- processes


@dataclass
class Started:
    name: str
    proc: subprocess.Popen
    log: Path


@dataclass
class Processes:
    """Every server this run started, each in a session (process group) of its own."""

    started: list[Started] = field(default_factory=list)

    def start(
        self,
        name: str,
        argv: list[str],
        log: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> Started:
        with log.open("wb") as out:
            proc = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=cwd,
                start_new_session=True,  # Ctrl-C reaches only us and wrk; we stop the servers
            )
        started = Started(name, proc, log)
        self.started.append(started)
        return started

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM to each process group we created (master and workers), then SIGKILL."""
        for s in reversed(self.started):
            _signal_group(s.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for s in reversed(self.started):
            try:
                s.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pass
            # Workers may outlive their master: the group is killed whatever the master did.
            if s.proc.poll() is None or _group_alive(s.proc.pid):
                _signal_group(s.proc.pid, signal.SIGKILL)
                try:
                    s.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    print(f"! {s.name} (pid {s.proc.pid}) ne s'est pas arrêté", file=sys.stderr)
        self.started.clear()


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


def _raise_on_signal(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


# --------------------------------------------------------------------------- set-up


def sudo() -> list[str]:
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo") is None:
        raise BenchError("il faut être root ou avoir sudo pour installer wrk et nginx")
    return ["sudo"]


def apt_install(*packages: str) -> bool:
    cmd = [
        *sudo(),
        "env",
        "DEBIAN_FRONTEND=noninteractive",
        "apt-get",
        "install",
        "-y",
        "-qq",
        "--no-install-recommends",
        *packages,
    ]
    return subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode == 0


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def ensure_tools() -> tuple[str, str]:
    """wrk and nginx, installed with apt-get when missing."""
    wrk, nginx = shutil.which("wrk"), find_nginx()
    if wrk and nginx:
        return wrk, nginx
    if shutil.which("apt-get") is None:
        raise BenchError("wrk ou nginx manque et apt-get n'est pas disponible : installez-les")
    print("· installation de wrk / nginx (apt-get)…", flush=True)
    subprocess.run([*sudo(), "apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
    if not wrk and not apt_install("wrk"):
        raise BenchError("apt-get install wrk a échoué")
    # nginx-light is Debian ≤ 12; later releases ship only "nginx".
    if not nginx and not (apt_install("nginx-light") or apt_install("nginx")):
        raise BenchError("apt-get install nginx a échoué")
    wrk, nginx = shutil.which("wrk"), find_nginx()
    if not (wrk and nginx):
        raise BenchError("wrk ou nginx introuvable après installation")
    return wrk, nginx


def ensure_project() -> None:
    """The project's own set-up (.venv, node_modules) with `make deps`, when it is missing."""
    needed = [
        VENV_BIN / "helpdesk",
        VENV_BIN / "uvicorn",
        PROJECT_DIR / "node_modules" / "@gouvfr" / "dsfr",
        PROJECT_DIR / "node_modules" / "@svg-maps" / "france.departments",
    ]
    if all(path.exists() for path in needed):
        return
    print("· installation du projet (make deps)…", flush=True)
    result = subprocess.run(["make", "--no-print-directory", "-s", "deps"], cwd=PROJECT_DIR)
    if result.returncode != 0 or not all(path.exists() for path in needed):
        raise BenchError("`make deps` a échoué")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes


def fetch(url: str, timeout: float = 10.0) -> Fetched:
    # urllib sends "Accept-Encoding: identity": like wrk, it gets the uncompressed page.
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return Fetched(
                resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
            )
    except urllib.error.HTTPError as err:
        return Fetched(err.code, {k.lower(): v for k, v in err.headers.items()}, err.read())


def wait_ready(started: Started, url: str, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if started.proc.poll() is not None:
            raise BenchError(f"{started.name} s'est arrêté au démarrage :\n{tail(started.log)}")
        try:
            if fetch(url, timeout=2).status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"{started.name} ne répond pas sur {url} :\n{tail(started.log)}")


# --------------------------------------------------------------------------- wrk


@dataclass
class Result:
    label: str
    url: str
    size: int
    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx: int
    socket_errors: str
    server_cpu_ms: float  # CPU time of the servers per request (all their processes)
    others_cpu: float  # share of the machine's CPU taken by processes that are not ours


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def parse_latency(text: str, percentile: str) -> float:
    match = re.search(rf"^\s*{percentile}%\s+([\d.]+)(us|ms|s|m|h)\s*$", text, re.M)
    if not match:
        raise BenchError(f"pas de latence {percentile} % dans la sortie de wrk :\n{text}")
    return float(match.group(1)) * UNITS_MS[match.group(2)]


def parse_wrk(text: str) -> tuple[float, float, float, int, int, str]:
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", text, re.M)
    total = re.search(r"^\s*(\d+) requests in", text, re.M)
    if not (rps and total):
        raise BenchError(f"sortie de wrk illisible :\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:\s+(.+)$", text, re.M)
    return (
        float(rps.group(1)),
        parse_latency(text, "50"),
        parse_latency(text, "99"),
        int(total.group(1)),
        int(non_2xx.group(1)) if non_2xx else 0,
        errors.group(1).strip() if errors else "",
    )


def run_wrk(wrk: str, url: str, args: argparse.Namespace, seconds: int) -> str:
    cmd = [
        wrk,
        f"-t{args.threads}",
        f"-c{args.connections}",
        f"-d{seconds}s",
        f"--timeout={args.wrk_timeout}s",
        "--latency",
        url,
    ]
    # wrk stops by itself after -d; the timeout is a second bound should it hang.
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 30)
    if result.returncode != 0:
        raise BenchError(f"wrk a échoué sur {url} :\n{result.stdout}{result.stderr}")
    return result.stdout


def measure(wrk: str, label: str, url: str, args: argparse.Namespace, servers: set[int]) -> Result:
    """One target: warm-up, then the measured run, redone (--retries) if others disturbed it."""
    page = fetch(url)
    if page.status != 200:
        raise BenchError(f"{url} répond {page.status}, pas 200")
    best: Result | None = None
    for attempt in range(1 + args.retries):
        busy = wait_quiet(servers, args.quiet_wait)
        if busy > QUIET:
            print(f"  ! la machine reste occupée par d'autres processus ({busy:.0%})", flush=True)
        again = " (reprise)" if attempt else ""
        print(f"· {label + again:<38} {len(page.body):>7} octets  ", end="", flush=True)
        if args.warmup > 0:
            run_wrk(wrk, url, args, args.warmup)
        watch = CpuWatch(servers)
        out = run_wrk(wrk, url, args, args.duration)
        servers_s, others = watch.stop()
        rps, p50, p99, total, non_2xx, errors = parse_wrk(out)
        cpu_ms = 1000 * servers_s / total if total else 0.0
        print(
            f"{rps:>9.0f} req/s  p50 {p50:6.2f} ms  p99 {p99:7.2f} ms  "
            f"serveur {cpu_ms:.3f} ms CPU/req  autres {others:4.0%}",
            flush=True,
        )
        if non_2xx:
            print(f"  ! {non_2xx} réponses non 2xx/3xx", flush=True)
        if errors:
            print(f"  ! erreurs de socket : {errors}", flush=True)
        result = Result(
            label, url, len(page.body), rps, p50, p99, total, non_2xx, errors, cpu_ms, others
        )
        if best is None or result.others_cpu < best.others_cpu:
            best = result
        if others <= QUIET:
            break
    return best


# --------------------------------------------------------------------------- CPU accounting

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
QUIET = 0.10  # other processes may use up to 10 % of the machine without spoiling a run


def machine_ticks() -> tuple[int, int]:
    """(busy, total) CPU ticks of the whole machine since boot, every core.

    "busy" leaves out interrupts: the loopback traffic of the run itself is handled there
    (about 10 % of the machine at 20 000 req/s of 72 kB), and no process is charged for it.
    """
    first = Path("/proc/stat").read_text().split("\n", 1)[0].split()
    user, nice, system, idle, iowait, irq, softirq, steal = (int(v) for v in first[1:9])
    total = user + nice + system + idle + iowait + irq + softirq + steal
    return user + nice + system + steal, total


def group_ticks(pgids: set[int]) -> int:
    """CPU ticks used so far by the live processes of these process groups (our servers)."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) in pgids:  # pgrp; utime and stime follow
                total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            continue
    return total


def own_ticks() -> float:
    """CPU ticks of this script and of its waited-for children (wrk)."""
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return sum(u.ru_utime + u.ru_stime for u in usage) * CLOCK_TICKS


class CpuWatch:
    """Over a window: CPU seconds of our servers, and the machine's share used by the rest."""

    def __init__(self, servers: set[int]) -> None:
        self.servers = servers
        self.busy, self.total = machine_ticks()
        self.server_ticks = group_ticks(servers)
        self.own = own_ticks()

    def stop(self) -> tuple[float, float]:
        busy, total = machine_ticks()
        servers = group_ticks(self.servers) - self.server_ticks
        others = (busy - self.busy) - servers - (own_ticks() - self.own)
        share = max(0.0, others / (total - self.total)) if total > self.total else 0.0
        return servers / CLOCK_TICKS, share


def wait_quiet(servers: set[int], max_wait: float, window: float = 2.0) -> float:
    """Wait (at most max_wait s) until other processes leave the machine nearly idle."""
    deadline = time.monotonic() + max_wait
    while True:
        watch = CpuWatch(servers)
        time.sleep(window)
        others = watch.stop()[1]
        if others <= QUIET or time.monotonic() >= deadline:
            return others
        print(f"  … machine occupée par d'autres processus ({others:.0%}), attente", flush=True)


# --------------------------------------------------------------------------- report


def machine() -> dict[str, str]:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kib / 1024 / 1024:.1f} Gio"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cœurs": str(len(os.sched_getaffinity(0))),
        "processeur": cpu or platform.processor() or "?",
        "mémoire": mem or "?",
        "système": f"{platform.system()} {platform.release()}",
    }


def versions(wrk: str, nginx: str) -> dict[str, str]:
    def out(cmd: list[str]) -> str:
        r = subprocess.run(cmd, capture_output=True, text=True)
        return (r.stdout + r.stderr).strip().splitlines()[0] if (r.stdout + r.stderr) else "?"

    py = out(
        [
            str(VENV_BIN / "python"),
            "-c",
            "import sys, importlib.metadata as m; print(sys.version.split()[0], *("
            "f'{p} {m.version(p)}' for p in ('litestar', 'uvicorn', 'uvloop', 'httptools',"
            " 'jinja2')), sep=' · ')",
        ]
    )
    return {
        "python": py,
        "nginx": out([nginx, "-v"]).replace("nginx version: ", ""),
        "wrk": out([wrk, "-v"]).split(" [")[0],
    }


def median_run(runs: list[Result]) -> Result:
    """The run with the median requests/s (the lower one for an even count)."""
    return sorted(runs, key=lambda r: r.rps)[(len(runs) - 1) // 2]


def ratio(a: float, b: float) -> str:
    return f"{100 * a / b:.0f} %" if b else "?"


def render(
    runs: dict[str, list[Result]],
    args: argparse.Namespace,
    info: dict[str, str],
    when: dt.datetime,
) -> tuple[str, str]:
    """(console table, Markdown report) of the median run of each target."""
    results = [median_run(r) for r in runs.values()]
    by_label = {r.label: r for r in results}
    bare, static, aide = (by_label.get(k) for k in ("Litestar nu", "nginx statique", "/aide"))
    header = [
        "cible",
        "octets",
        "req/s",
        "p50 (ms)",
        "p99 (ms)",
        "CPU serveur (ms/req)",
        "vs Litestar nu",
        "CPU autres",
        "erreurs",
    ]
    if args.rounds > 1:
        header.insert(3, "req/s min–max")

    def spaced(n: float) -> str:
        return f"{n:,.0f}".replace(",", " ")

    rows = []
    for r in results:
        row = [
            r.label,
            spaced(r.size),
            spaced(r.rps),
            f"{r.p50_ms:.2f}",
            f"{r.p99_ms:.2f}",
            f"{r.server_cpu_ms:.3f}",
            ratio(r.rps, bare.rps) if bare else "?",
            f"{100 * r.others_cpu:.0f} %",
            ", ".join(filter(None, [f"{r.non_2xx} non-2xx" if r.non_2xx else "", r.socket_errors]))
            or "0",
        ]
        if args.rounds > 1:
            all_rps = [x.rps for x in runs[r.label]]
            row.insert(3, f"{spaced(min(all_rps))}–{spaced(max(all_rps))}")
        rows.append(row)

    notes = []
    if aide and bare:
        # Each pass measures the bare handler and /aide one after the other: the ratio of a
        # pass compares two runs that saw the same machine; the median of those ratios is kept.
        pairs = sorted(
            (a.rps / b.rps, a, b)
            for a, b in zip(runs["/aide"], runs["Litestar nu"], strict=True)
            if b.rps
        )
        paired = pairs[(len(pairs) - 1) // 2][0] if pairs else aide.rps / bare.rps
        verdict = "atteint" if paired >= TARGET_RATIO else "NON ATTEINT"
        notes.append(
            f"/aide / Litestar nu : {100 * paired:.0f} % des req/s "
            f"(objectif ≥ {100 * TARGET_RATIO:.0f} %) : {verdict} ; "
            f"CPU serveur par requête : {ratio(aide.server_cpu_ms, bare.server_cpu_ms)}"
        )
        if len(pairs) > 1:
            by_pass = sorted(pairs, key=lambda p: runs["/aide"].index(p[1]))
            notes.append(
                "rapport de chaque passe (CPU autres pendant Litestar nu / /aide) : "
                + ", ".join(
                    f"{100 * r:.0f} % ({100 * b.others_cpu:.0f} % / {100 * a.others_cpu:.0f} %)"
                    for r, a, b in by_pass
                )
            )
    if aide and static:
        notes.append(
            f"/aide / nginx statique : {ratio(aide.rps, static.rps)} des req/s ; "
            f"CPU serveur par requête : {ratio(aide.server_cpu_ms, static.server_cpu_ms)}"
        )
    disturbed = [r.label for r in results if r.others_cpu > QUIET]
    if disturbed:
        notes.append(
            "MESURE PERTURBÉE : d'autres processus ont pris plus de "
            f"{QUIET * 100:.0f} % du processeur pendant : {', '.join(disturbed)}"
        )

    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(header)]
    line = "  ".join
    console = "\n".join(
        [
            line(h.ljust(w) for h, w in zip(header, widths, strict=True)),
            line("-" * w for w in widths),
            *(
                line(
                    (c.ljust(w) if i == 0 else c.rjust(w))
                    for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
                for row in rows
            ),
            "",
            *notes,
        ]
    )

    rounds = (
        f"{args.rounds} passes sur toutes les cibles, le tableau garde la passe médiane de chacune"
        if args.rounds > 1
        else "une passe"
    )
    md = [
        f"# Pages publiques : mesure de charge du {when:%Y-%m-%d %H:%M}",
        "",
        f"wrk {args.threads} threads, {args.connections} connexions, {args.duration} s mesurées "
        f"après {args.warmup} s de chauffe, `--latency`, {rounds} ; serveurs et wrk sur la même "
        f"machine, {HOST} uniquement. Aide : 2 processus uvicorn, limites de débit coupées, "
        "SQLite temporaire ; nginx : 2 processus, sans journal d'accès ; Litestar nu : "
        "`bench/bare_app.py`, 2 processus uvicorn. Corps sans compression (wrk n'envoie pas "
        "d'`Accept-Encoding`). « CPU serveur » : temps processeur de tous les processus du "
        "serveur mesuré divisé par le nombre de requêtes ; « CPU autres » : part du processeur "
        "de la machine prise par d'autres processus que les serveurs et wrk pendant la mesure.",
        "",
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(["---"] + ["---:"] * (len(header) - 1)) + " |",
        *(
            "| "
            + " | ".join(f"`{c}`" if i == 0 and c.startswith("/") else c for i, c in enumerate(row))
            + " |"
            for row in rows
        ),
        "",
        *(f"- {n}" for n in notes),
        "",
        "## Machine",
        "",
        *(f"- {k} : {v}" for k, v in info.items()),
        "",
    ]
    return console, "\n".join(md)


# --------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=15, help="secondes mesurées par cible (15)")
    p.add_argument("--warmup", type=int, default=3, help="secondes de chauffe par cible (3)")
    p.add_argument("--connections", type=int, default=32, help="connexions wrk (32)")
    p.add_argument("--threads", type=int, default=2, help="threads wrk (2)")
    p.add_argument("--wrk-timeout", type=int, default=5, help="délai d'une requête wrk (5 s)")
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="passes sur toutes les cibles ; le tableau garde la passe médiane (1)",
    )
    p.add_argument(
        "--retries",
        type=int,
        default=2,
        help="reprises d'une mesure pendant laquelle d'autres processus ont pris plus de 10 %% "
        "du processeur ; la moins perturbée est gardée (2)",
    )
    p.add_argument(
        "--quiet-wait",
        type=int,
        default=30,
        help="attente maximale, avant chaque cible, que les autres processus libèrent "
        "le processeur (30 s)",
    )
    p.add_argument(
        "--no-setup",
        action="store_true",
        help="ne pas lancer `make deps` ni apt-get (tout est déjà installé)",
    )
    p.add_argument(
        "--output",
        type=Path,
        default=None,
        help="fichier Markdown (par défaut bench/results/pages-<date>.md)",
    )
    args = p.parse_args(argv)
    if not 1 <= args.duration <= 600 or not 0 <= args.warmup <= 60:
        p.error("--duration entre 1 et 600 s, --warmup entre 0 et 60 s")
    if not 1 <= args.rounds <= 10 or not 0 <= args.quiet_wait <= 600:
        p.error("--rounds entre 1 et 10, --quiet-wait entre 0 et 600 s")
    if not 0 <= args.retries <= 5:
        p.error("--retries entre 0 et 5")
    return args


def run(args: argparse.Namespace, procs: Processes, tmp: Path) -> int:
    if args.no_setup:
        wrk, nginx = shutil.which("wrk"), find_nginx()
        if not (wrk and nginx):
            raise BenchError("wrk ou nginx manque (relancer sans --no-setup pour les installer)")
    else:
        wrk, nginx = ensure_tools()
        ensure_project()

    when = dt.datetime.now()
    info = machine() | versions(wrk, nginx)

    # 1. The help desk.
    data = tmp / "data"
    data.mkdir()
    env = os.environ | {
        "HELPDESK_RATE_LIMIT_DISABLED": "1",
        "HELPDESK_DATA_DIR": str(data),
        "HELPDESK_DATABASE_URL": f"sqlite:///{data / 'helpdesk.sqlite3'}",
        "HELPDESK_REDIS_URL": "",
        "HELPDESK_DEMO": "0",
        "HELPDESK_HOST": HOST,
    }
    helpdesk_bin = str(VENV_BIN / "helpdesk")
    migrate = subprocess.run(
        [helpdesk_bin, "migrate"],
        env=env,
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if migrate.returncode != 0:
        raise BenchError(f"helpdesk migrate a échoué :\n{migrate.stdout}{migrate.stderr}")
    app_port = free_port()
    app = procs.start(
        "helpdesk",
        [
            helpdesk_bin,
            "serve",
            "--host",
            HOST,
            "--port",
            str(app_port),
            "--workers",
            "2",
            "--no-access-log",
        ],
        tmp / "helpdesk.log",
        env=env,
        cwd=PROJECT_DIR,
    )
    base = f"http://{HOST}:{app_port}"
    print(f"· aide : {base} (2 processus)", flush=True)
    wait_ready(app, f"{base}/aide")
    # Both workers have to be up: a few more requests give the second one time to start.
    for _ in range(20):
        fetch(f"{base}/aide")

    # 2. The bytes of /aide, served by nginx and by a bare Litestar handler.
    aide = fetch(f"{base}/aide")
    if aide.status != 200 or "content-encoding" in aide.headers:
        raise BenchError(f"GET /aide : {aide.status} {aide.headers.get('content-encoding', '')}")
    www = tmp / "www"
    www.mkdir()
    page_file = www / "aide.html"
    page_file.write_bytes(aide.body)
    # nginx started as root drops its workers to "nobody": they must be able to read the file.
    for path in (tmp, www):
        path.chmod(0o755)
    page_file.chmod(0o644)

    nginx_port = free_port()
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp, www=www, host=HOST, port=nginx_port))
    test = subprocess.run(
        [nginx, "-t", "-q", "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)],
        capture_output=True,
        text=True,
    )
    if test.returncode != 0:
        raise BenchError(f"configuration nginx refusée :\n{test.stderr}")
    static = procs.start(
        "nginx",
        [nginx, "-p", str(tmp), "-e", str(tmp / "nginx-error.log"), "-c", str(conf)],
        tmp / "nginx.log",
    )
    static_url = f"http://{HOST}:{nginx_port}/aide"
    wait_ready(static, static_url)

    bare_port = free_port()
    bare = procs.start(
        "Litestar nu",
        [
            str(VENV_BIN / "uvicorn"),
            "bare_app:app",
            "--app-dir",
            str(BENCH_DIR),
            "--host",
            HOST,
            "--port",
            str(bare_port),
            "--workers",
            "2",
            "--no-access-log",
        ],
        tmp / "bare.log",
        env=os.environ | {"BENCH_PAGE_FILE": str(page_file)},
        cwd=BENCH_DIR,
    )
    bare_url = f"http://{HOST}:{bare_port}/aide"
    wait_ready(bare, bare_url)
    for url in (static_url, bare_url):
        if fetch(url).body != aide.body:
            raise BenchError(f"{url} ne sert pas les mêmes octets que /aide")

    # 3. wrk, one target after the other.
    targets = [
        ("nginx statique", static_url),
        ("Litestar nu", bare_url),
        ("/aide", f"{base}/aide"),
        ("/aide?q=mot%20de%20passe", f"{base}/aide?q=mot%20de%20passe"),
        ("/aide/contact", f"{base}/aide/contact"),
        ("/aide/contact?academie=orleans-tours", f"{base}/aide/contact?academie=orleans-tours"),
    ]
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["charge avant wrk (1, 5, 15 min)"] = load
    per_target = args.warmup + args.duration
    print(
        f"· wrk : {args.rounds} × {len(targets)} cibles × ({args.warmup} s + {args.duration} s)"
        f" ≈ {args.rounds * len(targets) * per_target} s",
        flush=True,
    )
    servers = {s.proc.pid for s in procs.started}
    runs: dict[str, list[Result]] = {label: [] for label, _url in targets}
    for round_ in range(1, args.rounds + 1):
        if args.rounds > 1:
            print(f"· passe {round_}/{args.rounds}", flush=True)
        for label, url in targets:
            runs[label].append(measure(wrk, label, url, args, servers))
    for s in procs.started:
        if s.proc.poll() is not None:
            raise BenchError(f"{s.name} s'est arrêté pendant la mesure :\n{tail(s.log)}")

    # 4. The table, on screen and as Markdown.
    console, md = render(runs, args, info, when)
    print()
    print(console)
    out = args.output or RESULTS_DIR / f"pages-{when:%Y-%m-%d-%H%M}.md"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(md)
    print(f"\n· résultats : {out}")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    # Ctrl-C even when started from a shell that ignores SIGINT in background jobs.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, _raise_on_signal)
    signal.signal(signal.SIGHUP, _raise_on_signal)
    procs = Processes()
    tmp = Path(tempfile.mkdtemp(prefix="helpdesk-bench-"))
    try:
        return run(args, procs, tmp)
    except BenchError as err:
        print(f"\n! {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\n! interrompu", file=sys.stderr)
        return 130
    finally:
        # A second Ctrl-C must not leave servers behind.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_IGN)
        procs.stop_all()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
