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

    async def check(self, request: Request, limit: Limit, key: str | None = None) -> None:
        client = key or (request.client.host if request.client else "inconnu")
        if not await self.hit(limit, client):
            raise TooManyRequestsException()

    async def close(self) -> None:
        if self._redis is not None:
            await self._redis.aclose()
