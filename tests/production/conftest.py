"""Redis for the production tier: always there in CI (a failure when it is not), else a skip."""

from __future__ import annotations

import os

import pytest
import redis

# A database of its own, emptied before each test: rate-limit counters of an earlier run (same
# client address, same minute) must not count.
REDIS_URL = os.environ.get("HELPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")


def redis_url_or_fail() -> str:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        client.flushdb()
        client.close()
    except redis.RedisError as error:
        message = f"Redis injoignable ({REDIS_URL}) : {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL
