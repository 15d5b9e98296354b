"""Behind a load balancer, rate limits count per real client: `helpdesk serve` (uvicorn) reads
X-Forwarded-For from the addresses of HELPDESK_TRUSTED_PROXIES only. A real server process.
(That an untrusted peer's X-Forwarded-For is ignored: tests/site/test_embedded.py.)"""

import http.client
import json

from tests.e2e.conftest import start_live_server

ENV = {"HELPDESK_DEMO": "0", "HELPDESK_RATE_LIMIT_DISABLED": "0", "HELPDESK_RATE_LIMIT_TRIAGE": "3"}


def triage(server, forwarded_for: str) -> int:
    """POST /api/v1/triage through the "proxy" (this test, on 127.0.0.1) for a client."""
    port = int(server.url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = json.dumps({"text": "Je n'ai pas reçu le mail de confirmation."})
        headers = {"Content-Type": "application/json", "X-Forwarded-For": forwarded_for}
        connection.request("POST", "/api/v1/triage", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def test_limits_apply_per_real_client_behind_a_trusted_proxy(tmp_path):
    with start_live_server(tmp_path, {**ENV, "HELPDESK_TRUSTED_PROXIES": "127.0.0.1"}) as server:
        first = [triage(server, "203.0.113.10") for _ in range(4)]
        assert first == [200, 200, 200, 429]
        # Another parent behind the same load balancer still has their own three requests.
        assert [triage(server, "203.0.113.20") for _ in range(3)] == [200, 200, 200]
