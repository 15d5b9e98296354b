"""/suivi/perdu answers at once, the same for any address: the lookup and the mail come after
the response has been sent."""

from urllib.parse import urlencode

from helpdesk.mail.tables import OutboxMail
from tests.helpers import VALID_FORM, csrf_token, submit_form


async def post_and_count_at_response_end(client, email: str) -> tuple[int, bytes, int]:
    """POST /suivi/perdu straight to the app; (status, body, lost-link mails queued at the
    moment the last byte of the response was sent)."""
    page = await client.get("/suivi/perdu")
    body = urlencode({"_csrf_token": csrf_token(page.text), "email": email}).encode()
    cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/suivi/perdu",
        "raw_path": b"/suivi/perdu",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"testserver.local"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(body)).encode()),
            (b"cookie", cookie.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver.local", 80),
        "state": {},
    }
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    seen = {"status": 0, "body": b"", "queued_when_sent": -1}

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        if message["type"] == "http.response.start":
            seen["status"] = message["status"]
        elif message["type"] == "http.response.body":
            seen["body"] += message.get("body", b"")
            if not message.get("more_body"):
                seen["queued_when_sent"] = await OutboxMail.count().where(
                    OutboxMail.kind == "liens_de_suivi"
                )

    await client.app(scope, receive, send)
    return seen["status"], seen["body"], seen["queued_when_sent"]


async def test_known_and_unknown_addresses_get_the_same_answer_before_any_lookup(client):
    await submit_form(client, VALID_FORM)
    status, known, queued = await post_and_count_at_response_end(client, "claire.martin@example.fr")
    assert status == 200
    assert queued == 0  # the answer was sent before the mail was even queued…
    mails = await OutboxMail.select().where(OutboxMail.kind == "liens_de_suivi")
    assert [m["recipient"] for m in mails] == ["claire.martin@example.fr"]  # …and it came after
    status, unknown, queued = await post_and_count_at_response_end(client, "personne@example.fr")
    assert status == 200 and queued == 1
    assert await OutboxMail.count().where(OutboxMail.kind == "liens_de_suivi") == 1
    assert known == unknown
    assert "Demande prise en compte" in known.decode()
