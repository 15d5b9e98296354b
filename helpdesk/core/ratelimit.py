"""Per-client rate limits: fixed windows counted in Redis when configured, else in the process."""

from __future__ import annotations

import time
from dataclasses import dataclass

from litestar import Request
from litestar.exceptions import TooManyRequestsException


@dataclass(frozen=True)
class Limit:
    bucket: str
    count: int
    seconds: int


class RateLimiter:
    def __init__(self, redis_url: str = "", disabled: bool = False, prefix: str = "helpdesk"):
        self.disabled = disabled
        self.prefix = prefix
        self._redis = None
        if redis_url:
            import redis.asyncio as redis

            self._redis = redis.from_url(redis_url)
        self._local: dict[str, tuple[int, float]] = {}
        self._failures: dict[str, tuple[int, float, float]] = {}  # count, last, expires

    async def hit(self, limit: Limit, key: str) -> bool:
        """Count one hit; False when the limit is already reached in this window."""
        if self.disabled:
            return True
        window = int(time.time() // limit.seconds)
        name = f"{self.prefix}:rl:{limit.bucket}:{key}:{window}"
        if self._redis is not None:
            count = await self._redis.incr(name)
            if count == 1:
                await self._redis.expire(name, limit.seconds)
            return count <= limit.count
        return self._hit_local(name, limit)

    def _hit_local(self, name: str, limit: Limit) -> bool:
        now = time.monotonic()
        if len(self._local) > 100_000:  # forget expired windows rather than grow forever
            self._local = {k: v for k, v in self._local.items() if v[1] > now}
        count, expires = self._local.get(name, (0, now + limit.seconds))
        self._local[name] = (count + 1, expires)
        return count + 1 <= limit.count

    async def failures(self, key: str) -> tuple[int, float]:
        """How many failures were recorded under key, and the time (epoch) of the last one."""
        name = f"{self.prefix}:fail:{key}"
        if self._redis is not None:
            stored = await self._redis.hgetall(name)
            return int(stored.get(b"count", 0)), float(stored.get(b"last", 0))
        count, last, expires = self._failures.get(name, (0, 0.0, 0.0))
        return (count, last) if expires > time.time() else (0, 0.0)

    async def add_failure(self, key: str, forget_after: int = 3600) -> None:
        """One more failure; they are forgotten forget_after seconds after the last one."""
        name, now = f"{self.prefix}:fail:{key}", time.time()
        if self._redis is not None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.hincrby(name, "count", 1).hset(name, "last", now).expire(name, forget_after)
                await pipe.execute()
            return
        if len(self._failures) > 100_000:
            self._failures = {k: v for k, v in self._failures.items() if v[2] > now}
        count, _last = await self.failures(key)
        self._failures[name] = (count + 1, now, now + forget_after)

    async def clear_failures(self, key: str) -> None:
        name = f"{self.prefix}:fail:{key}"
        if self._redis is not None:
            await self._redis.delete(name)
        else:
            self._failures.pop(name, None)

    async def check(self, request: Request, limit: Limit, key: str | None = None) -> None:
        client = key or (request.client.host if request.client else "inconnu")
        if not await self.hit(limit, client):
            raise TooManyRequestsException()

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
