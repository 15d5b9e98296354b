"""Wrong passwords and codes slow an account down; they never lock it.

Only failures count (a sign-in that works clears them). The first FREE_FAILURES cost nothing;
after them each new attempt waits a delay that doubles with every further failure, up to
MAX_DELAY: someone guessing gets a few tries a minute, while the agent whose address they
use signs in as soon as the delay is over. An attempt made during the delay is refused without
checking the password, and is not a failure: it does not make the delay grow.

Counted per address typed (known or not: the answers tell nothing of which accounts exist),
in Redis when configured (every process), else in each process, as the other rate limits.
The per-address delay comes on top of the per-client-address limit (helpdesk.auth.routes).
"""

from __future__ import annotations

import math
import time

from helpdesk.core.ratelimit import RateLimiter

FREE_FAILURES = 5
MAX_DELAY = 60.0  # seconds


def delay_after(failures: int, first_delay: float) -> float:
    if failures < FREE_FAILURES:
        return 0.0
    return min(first_delay * 2 ** (failures - FREE_FAILURES), MAX_DELAY)


def key(email: str) -> str:
    return f"login:{email.strip().lower()}"


async def wait_left(limiter: RateLimiter, email: str, first_delay: float) -> float:
    """Seconds this address must still wait before its next attempt (0: it may try now)."""
    if limiter.disabled:
        return 0.0
    count, last = await limiter.failures(key(email))
    return max(0.0, last + delay_after(count, first_delay) - time.time())


async def failed(limiter: RateLimiter, email: str) -> None:
    if not limiter.disabled:
        await limiter.add_failure(key(email))


async def succeeded(limiter: RateLimiter, email: str) -> None:
    await limiter.clear_failures(key(email))


def wait_message(seconds: float) -> str:
    wait = max(1, math.ceil(seconds))
    unit = "seconde" if wait == 1 else "secondes"
    return (
        "Trop de tentatives manquées pour ce compte. Patientez "
        f"{wait}\u00a0{unit} avant de réessayer."
    )
