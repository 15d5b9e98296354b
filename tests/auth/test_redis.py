"""With HELPDESK_REDIS_URL, app instances share the staff sessions and the rate-limit buckets,
against the real Redis at 127.0.0.1:6379 (HELPDESK_TEST_REDIS_URL to use another).

Outside CI, these tests are skipped when Redis is unreachable; in CI (CI set) they fail then.
Each test uses keys of its own (a random HELPDESK_REDIS_PREFIX) and deletes only those.
"""

import os
import uuid
from dataclasses import replace

import pytest
import redis
from litestar.testing import AsyncTestClient

from helpdesk.app import create_app
from helpdesk.auth.throttle import FREE_FAILURES
from tests.helpers import csrf_token, login, make_staff, text_of

REDIS_URL = os.environ.get("HELPDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
BASE = "http://testserver.local"
COOKIE = "helpdesk_session"


@pytest.fixture
def redis_settings(settings):
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        client.close()
        if os.environ.get("CI"):
            pytest.fail(f"Redis injoignable à {REDIS_URL} en CI : {error}")
        pytest.skip(f"Redis injoignable à {REDIS_URL} : {error}")
    settings = replace(
        settings,
        redis_url=REDIS_URL,
        redis_prefix=f"helpdesk_test_{uuid.uuid4().hex[:12]}",
    )
    yield settings
    for key in client.scan_iter(match=f"{settings.redis_prefix}*"):
        client.delete(key)
    client.close()


def our_keys(settings, pattern: str) -> list[bytes]:
    with redis.Redis.from_url(REDIS_URL) as client:
        return list(client.scan_iter(match=f"{settings.redis_prefix}{pattern}"))


async def test_a_session_opened_on_one_instance_is_valid_on_another(redis_settings):
    settings = redis_settings
    first_app, second_app = create_app(settings), create_app(settings)
    async with (
        AsyncTestClient(app=first_app, base_url=BASE) as first,
        AsyncTestClient(app=second_app, base_url=BASE) as second,
    ):
        await make_staff("agent@ot.fr")
        opened = await login(first, "agent@ot.fr")
        assert opened.status_code == 303
        session_id = first.cookies[COOKIE]
        assert our_keys(settings, "_sessions:*")  # in Redis…
        folder = settings.data_dir / "sessions"
        assert not folder.exists() or not any(folder.iterdir())  # …not in files
        second.cookies.set(COOKIE, session_id, domain="testserver.local")
        page = await second.get("/agent", follow_redirects=False)
        assert page.status_code == 200 and "File d'attente" in text_of(page)
        # Logging out on the second instance ends the session on the first one too.
        logout = await second.post(
            "/deconnexion", data={"_csrf_token": csrf_token(page.text)}, follow_redirects=False
        )
        assert logout.status_code == 303
        assert (await first.get("/agent", follow_redirects=False)).status_code == 303
        assert our_keys(settings, "_sessions:*") == []


async def test_two_instances_share_one_rate_limit_bucket(redis_settings):
    # the delay after the failures outlasts the test
    settings = redis_settings.with_changes(rate_limits={"login_delay_seconds": 30.0})
    assert FREE_FAILURES == 5
    first_app, second_app = create_app(settings), create_app(settings)
    async with (
        AsyncTestClient(app=first_app, base_url=BASE) as first,
        AsyncTestClient(app=second_app, base_url=BASE) as second,
    ):
        await make_staff("agent@ot.fr")
        statuses = [(await login(first, "agent@ot.fr", "mauvais")).status_code for _ in range(3)]
        statuses += [(await login(second, "agent@ot.fr", "mauvais")).status_code for _ in range(2)]
        assert statuses == [401] * 5
        # Each instance alone has seen fewer than 5 failures: only a shared bucket says no.
        blocked = await login(second, "agent@ot.fr")
        assert blocked.status_code == 429 and "Trop de tentatives" in text_of(blocked)
        assert (await login(first, "agent@ot.fr")).status_code == 429
        assert our_keys(settings, ":fail:login:agent@ot.fr")
