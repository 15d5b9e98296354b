"""One JSON line per request (production, not demo mode), with a request id.

The id comes from the proxy (`X-Request-Id`, nginx's `$request_id`) when it looks like one,
else it is made here; the response carries it back in `X-Request-Id`. The line gives the
route's template (`/suivi/{token:str}`), never the path as typed nor its query string: a follow
link's token is a password.

The wrapper goes around Litestar's whole handler (like its OpenTelemetry middleware): it sees
404, 405 and exception responses too, which a route middleware never sees.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid

from litestar.types import ASGIApp, Message, Receive, Scope, Send

LOGGER_NAME = "helpdesk.requests"
log = logging.getLogger(LOGGER_NAME)

SANE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
UNMATCHED = "(aucune route)"


class JsonFormatter(logging.Formatter):
    """A log record as one JSON object: time, level, logger, message and the record's `fields`."""

    converter = time.gmtime

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure_logging() -> None:
    """The request log on stderr (journald under systemd), once per process."""
    if any(isinstance(h.formatter, JsonFormatter) for h in log.handlers):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    log.propagate = False


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            given = value.decode("latin-1").strip()
            if SANE_ID.fullmatch(given):
                return given
            break
    return uuid.uuid4().hex


class RequestLog:
    """ASGI wrapper: the request id in and out, then the line."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = request_id_of(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            fields = {
                "request_id": request_id,
                "method": scope.get("method", ""),
                "path": scope.get("path_template") or UNMATCHED,
                "status": status,
                "duration_ms": round((time.perf_counter() - start) * 1000, 2),
            }
            log.info("%s %s %s", fields["method"], fields["path"], status, extra={"fields": fields})
