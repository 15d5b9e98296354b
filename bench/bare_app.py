"""The floor for /aide: a bare Litestar app whose single handler returns the same bytes.

Started by bench/pages.py with `BENCH_PAGE_FILE` pointing at the saved body of GET /aide:

    BENCH_PAGE_FILE=/tmp/aide.html .venv/bin/uvicorn bare_app:app --app-dir bench --workers 2
"""

from __future__ import annotations

import os
from pathlib import Path

from litestar import Litestar, Response, get

BYTES = Path(os.environ["BENCH_PAGE_FILE"]).read_bytes()


@get("/aide")
async def aide() -> Response:
    return Response(content=BYTES, media_type="text/html; charset=utf-8")


app = Litestar(route_handlers=[aide], debug=False)
