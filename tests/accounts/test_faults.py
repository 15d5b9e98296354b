"""HttpAccountService when the account API is down, too slow, or failing: a clear
AccountServiceUnavailable, nothing changed by a call that failed, and a retry with the same
idempotency key that does the work once."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from helpdesk.accounts.port import UNAVAILABLE_MESSAGE, AccountServiceUnavailable
from helpdesk.accounts.tables import DirectoryAction
from helpdesk.mail.tables import OutboxMail
from tests.accounts.conftest import OT, free_port, http_service


class TinyServer:
    """A small HTTP server on loopback: answers `status` after `delay` seconds, or forwards the
    request to `upstream` first (the work is done, the answer comes too late)."""

    def __init__(self, status: int = 500, delay: float = 0.0, upstream: str = ""):
        self.status, self.delay, self.upstream = status, delay, upstream
        self.requests = 0
        self.forwarded = 0
        self.tasks: set[asyncio.Task] = set()
        self.server: asyncio.AbstractServer | None = None
        self.port = 0

    async def __aenter__(self) -> TinyServer:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        self.port = self.server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc) -> None:
        self.server.close()
        for task in self.tasks:  # handlers still sleeping: a stuck server goes away
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.tasks.add(asyncio.current_task())
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1")
            request_line, *header_lines = head.split("\r\n")
            lowered = {
                name.lower(): value
                for name, value in (line.split(": ", 1) for line in header_lines if ": " in line)
            }
            body = await reader.readexactly(int(lowered.get("content-length", "0")))
            self.requests += 1
            status, payload = self.status, b'{"errors": {"_": "panne"}}'
            if self.upstream:
                method, target, _ = request_line.split(" ")
                async with httpx.AsyncClient() as client:
                    answer = await client.request(
                        method,
                        self.upstream + target,
                        content=body,
                        headers={
                            k: v
                            for k, v in lowered.items()
                            if k in ("x-api-key", "idempotency-key", "content-type")
                        },
                    )
                self.forwarded += 1
                status, payload = answer.status_code, answer.content
            await asyncio.sleep(self.delay)
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                f"content-length: {len(payload)}\r\nconnection: close\r\n\r\n".encode()
                + payload
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            writer.close()


async def test_account_api_down(local, family):
    service = http_service(f"http://127.0.0.1:{free_port()}", backoff=0.01)
    started = time.monotonic()
    with pytest.raises(AccountServiceUnavailable) as error:
        await service.reset_password(family.paul, {}, scope=OT, idempotency_key="k-down")
    assert error.value.message == UNAVAILABLE_MESSAGE
    assert error.value.message == (
        "Le service des comptes est indisponible. Réessayez dans quelques minutes."
    )
    assert "ConnectError" in error.value.detail
    with pytest.raises(AccountServiceUnavailable):
        await service.get(family.paul, OT)
    assert time.monotonic() - started < 3
    assert (await local.get(family.paul, OT)).password == "choisi"
    assert await DirectoryAction.count() == 0


async def test_answering_500_is_retried_for_idempotent_calls_only(local, api_server, family):
    async with TinyServer(status=500) as failing:
        service = http_service(failing.url, backoff=0.01)
        with pytest.raises(AccountServiceUnavailable):
            await service.inform(family.claire, {"mode": "mail"}, scope=OT, idempotency_key="k-500")
        assert failing.requests == 3  # with a key: retried
        with pytest.raises(AccountServiceUnavailable):
            await service.inform(family.claire, {"mode": "mail"}, scope=OT)
        assert failing.requests == 4  # without a key: sent once
        with pytest.raises(AccountServiceUnavailable):
            await service.get(family.claire, OT)
        assert failing.requests == 7  # reads: retried
    assert await OutboxMail.count() == 0 and await DirectoryAction.count() == 0
    # The same key, once the account API answers again: the work is done, once.
    real = http_service(api_server.url)
    done = await real.inform(family.claire, {"mode": "mail"}, scope=OT, idempotency_key="k-500")
    again = await real.inform(family.claire, {"mode": "mail"}, scope=OT, idempotency_key="k-500")
    assert not done.replayed and again.replayed
    assert await OutboxMail.count() == 1


async def test_too_slow_then_retried_with_the_same_key(local, api_server, family):
    async with TinyServer(delay=3.0, upstream=api_server.url) as slow:
        service = http_service(slow.url, timeout=0.4, connect_timeout=0.4, backoff=0.01)
        started = time.monotonic()
        with pytest.raises(AccountServiceUnavailable) as error:
            await service.reset_password(family.paul, {}, scope=OT, idempotency_key="k-slow")
        assert "Timeout" in error.value.detail
        assert time.monotonic() - started < 3.5
        assert slow.requests == 3
        for _ in range(100):  # the forwarded calls reach the API within its timeout
            if slow.forwarded == 3:
                break
            await asyncio.sleep(0.02)
        assert slow.forwarded == 3
    # Three calls reached the directory with the key: the password was reset once.
    assert await DirectoryAction.count().where(DirectoryAction.idempotency_key == "k-slow") == 1
    paul = await local.get(family.paul, OT)
    real = http_service(api_server.url)
    result = await real.reset_password(family.paul, {}, scope=OT, idempotency_key="k-slow")
    assert result.replayed
    assert result.secrets["provisional_password"] == paul.provisional_password
    assert (await local.get(family.paul, OT)).provisional_password == paul.provisional_password


async def test_wrong_key_or_wrong_address_is_unavailable(local, api_server, family):
    from helpdesk.accounts.http import HttpAccountService

    wrong_key = HttpAccountService(api_server.url, "pas-la-bonne-cle", retries=0)
    with pytest.raises(AccountServiceUnavailable) as error:
        await wrong_key.get(family.paul, OT)
    assert "401" in error.value.detail
    wrong_url = http_service(api_server.url + "/ailleurs", retries=0)
    with pytest.raises(AccountServiceUnavailable) as error:
        await wrong_url.get(family.paul, OT)
    assert "404" in error.value.detail
