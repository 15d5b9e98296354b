"""Experiments only: the help desk with candidate fixes applied by monkeypatching.

    BENCH_VARIANTS=redis .venv/bin/uvicorn variants:create --factory --app-dir bench …
    .venv/bin/python bench/queue_load.py --variants redis

Each variant is the measurable shape of a patch proposed in bench/README.md for helpdesk/
(which this file never edits): it lets the gain be measured before anyone writes the patch.
Monkeypatches follow the code of the day: when helpdesk/ changes, a variant may stop applying.
A variant that became code is removed from here (noreset, rawlist, staffcache and
tokencache are now in helpdesk/, see bench/README.md; sessionskip was, until the sessions
went back to Litestar's own; smtpreuse, one SMTP connection for a claimed batch and each mail
marked sent once accepted, is how helpdesk/mail/sender.py sends).

- auth1q:      one query for a bearer token and its user, instead of the app's cached lookup
               (measures a cache miss).
- redis:       sessions in Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/15).
"""

import os

V = set(filter(None, os.environ.get("BENCH_VARIANTS", "").split(",")))

if "auth1q" in V:
    # One query for a bearer token and its user, in place of the app's two queries and its
    # 10 s cache: measures what a cache miss costs.
    from helpdesk.auth import service
    from helpdesk.auth.tables import User

    async def staff_from_token_1q(token):
        rows = await User.raw(
            "SELECT u.id, u.email, u.name, u.role, u.academie, u.uais, t.expires_at "
            'FROM api_token t JOIN staff_user u ON u.id = t."user" '
            "WHERE t.token_hash = {} AND NOT t.revoked AND u.active",
            service.token_hash(token),
        )
        if not rows or rows[0]["expires_at"] < service.utcnow():
            return None
        return service.staff_from_row(rows[0])

    service.staff_from_token = staff_from_token_1q

if "redis" in V:
    os.environ["HELPDESK_REDIS_URL"] = os.environ.get(
        "BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"
    )


def create():
    from helpdesk.app import create_app

    return create_app()
