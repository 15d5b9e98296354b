"""`helpdesk serve`: a maintained server's own processes, no supervisor or socket code here.

- One process (`make run`, the embedded default): uvicorn in this very process, which also
  migrates (the app's lifespan) and sends mail (HELPDESK_MAIL_SENDER=app).
- Several (production): gunicorn's arbiter replaces this process, with uvicorn's worker class
  (`uvicorn_worker.UvicornWorker`) and `--reuse-port`: each worker listens on a socket of its
  own and the kernel spreads new connections between them (uvicorn's `--workers` shares one
  socket, where the process that wakes first can take a whole burst of connections). gunicorn
  restarts a worker that dies and stops them all on SIGTERM. Measures: bench/README.md.

Proxy headers (X-Forwarded-For, X-Forwarded-Proto) are trusted only from
HELPDESK_TRUSTED_PROXIES (uvicorn's and gunicorn's forwarded_allow_ips).
"""

from __future__ import annotations

import gc
import os
import sys

import uvicorn

from helpdesk.core.settings import Settings

APP = "helpdesk.server:served_app"
KEEP_ALIVE_SECONDS = 5  # uvicorn's default (gunicorn's is 2)
GRACEFUL_SECONDS = 30  # requests under way finish after SIGTERM


def serve(settings: Settings, workers: int, access_log: bool) -> None:
    """Serve on settings.host:settings.port; does not return before the server stops (one
    process) or at all (several: this process becomes gunicorn's arbiter)."""
    if workers <= 1:
        uvicorn.run(
            APP,
            factory=True,
            host=settings.host,
            port=settings.port,
            log_level="info",
            proxy_headers=True,
            forwarded_allow_ips=settings.trusted_proxies,
            access_log=access_log,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
        )
        return
    argv = [
        sys.executable,
        "-m",
        "gunicorn",
        f"{APP}()",
        "--worker-class",
        "uvicorn_worker.UvicornWorker",
        "--workers",
        str(workers),
        "--reuse-port",
        "--bind",
        bind_address(settings.host, settings.port),
        "--forwarded-allow-ips",
        settings.trusted_proxies,
        "--keep-alive",
        str(KEEP_ALIVE_SECONDS),
        "--graceful-timeout",
        str(GRACEFUL_SECONDS),
        "--log-level",
        "info",
        "--no-control-socket",  # gunicorn 27's one is a single path per user (~/.gunicorn)
    ]
    if access_log:
        argv += ["--access-logfile", "-"]
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, argv)


def settle_memory() -> None:
    """Leave what a process made to start (modules, routes, templates: most of its objects)
    out of the garbage collector's full passes, which otherwise walk it all, ≈ 80 ms in the
    middle of a request that makes many objects, such as a school's list of 2 000 accounts
    (bench/README.md). Collected first, so that no garbage is kept for good."""
    gc.collect()
    gc.freeze()


def served_app():
    """The app of a server's process (uvicorn's or each gunicorn worker's factory)."""
    from helpdesk.app import create_app

    app = create_app()
    settle_memory()
    return app


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
