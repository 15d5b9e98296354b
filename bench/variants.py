"""Experiments only: the help desk with candidate fixes applied by monkeypatching.

    BENCH_VARIANTS=noreset,rawlist .venv/bin/uvicorn variants:create --factory --app-dir bench …
    .venv/bin/python bench/queue_load.py --variants noreset,rawlist,sessionskip,staffcache

Each variant is the measurable shape of a patch proposed in bench/README.md for helpdesk/
(which this file never edits): it lets the gain be measured before anyone writes the patch.
Monkeypatches follow the code of the day: when helpdesk/ changes, a variant may stop applying.

- noreset:     asyncpg pool without the reset query sent on every connection release
               (`SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL;`);
               an open transaction is still rolled back by asyncpg itself.
- rawlist:     the queue's SQL compiled once per filter shape and run straight on the pool,
               instead of being rebuilt by Piccolo on every request (same SQL, same rows;
               PostgreSQL only, SQLite keeps the app's code).
- sessionskip: the server-side session is written back (file or Redis, and its cookie re-sent)
               only when it changed, not on every response.
- staffcache:  staff_by_id and academy_agents cached 10 s per process (as tokens and counts).
- auth1q, tokencache: one query for a bearer token and its user; a 5 s token cache.
- redis:       sessions in Redis (BENCH_REDIS_URL, default redis://127.0.0.1:6379/15).
- smtpreuse:   `helpdesk worker` sends a claimed batch over one SMTP connection instead of one
               connection per mail (each mail still marked sent right after it was accepted).
"""

import datetime as dt
import os
import time

V = set(filter(None, os.environ.get("BENCH_VARIANTS", "").split(",")))

if "noreset" in V:
    from piccolo.engine.postgres import PostgresEngine

    _orig_start = PostgresEngine.start_connection_pool

    async def _no_reset(connection):  # asyncpg still rolls back an open transaction itself
        return None

    async def start_connection_pool(self, **kwargs):
        kwargs.setdefault("reset", _no_reset)
        return await _orig_start(self, **kwargs)

    PostgresEngine.start_connection_pool = start_connection_pool

if "sessionskip" in V:
    from litestar.middleware.session.server_side import ServerSideSessionBackend
    from litestar.types import Empty

    _orig_load = ServerSideSessionBackend.load_from_connection
    _orig_store = ServerSideSessionBackend.store_in_message

    async def load_from_connection(self, connection):
        data = await _orig_load(self, connection)
        connection.scope["_helpdesk_session_loaded"] = dict(data)
        return data

    async def store_in_message(self, scope_session, message, connection):
        loaded = connection.scope.get("_helpdesk_session_loaded")
        if scope_session is not Empty and scope_session and loaded == scope_session:
            return  # unchanged: neither write the store nor re-send the cookie
        return await _orig_store(self, scope_session, message, connection)

    ServerSideSessionBackend.load_from_connection = load_from_connection
    ServerSideSessionBackend.store_in_message = store_in_message

if "auth1q" in V or "tokencache" in V:
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

    _fetch = staff_from_token_1q if "auth1q" in V else service.staff_from_token
    if "tokencache" in V:
        _cache = {}

        async def staff_from_token_cached(token):
            hit = _cache.get(token)
            now = time.monotonic()
            if hit and hit[0] > now:
                return hit[1]
            staff = await _fetch(token)
            if len(_cache) > 10000:
                _cache.clear()
            _cache[token] = (now + 5.0, staff)
            return staff

        service.staff_from_token = staff_from_token_cached
    else:
        service.staff_from_token = _fetch

if "redis" in V:
    os.environ["HELPDESK_REDIS_URL"] = os.environ.get(
        "BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"
    )


if "rawlist" in V:
    # The list query compiled once per filter shape (Piccolo builds it on every request today).
    from helpdesk.tickets import queue as _q
    from helpdesk.tickets.tables import Ticket as _T

    _sql_cache = {}

    _orig_list = _q.list_tickets

    async def list_tickets(staff, f, cursor="", limit=_q.PAGE_SIZE, now=None):
        if getattr(_T._meta.db, "pool", None) is None:  # SQLite, or no pool: unchanged
            return await _orig_list(staff, f, cursor, limit, now)
        now = now or dt.datetime.now(dt.UTC)
        cacheable = not cursor and not f.older_than_days and not f.overdue
        key = (
            staff.academie,
            staff.id,
            tuple(f.statuses),
            f.category,
            f.degre,
            f.uai,
            f.assignee,
            f.channel,
            f.q,
            f.sort,
            limit,
        )
        compiled = _sql_cache.get(key) if cacheable else None
        if compiled is None:
            column_name, descending = _q.SORTS[f.sort]
            column = getattr(_T, column_name)
            clause = _q.where_clause(staff, f, now)
            position = _q.decode_cursor(cursor) if cursor else None
            if position:
                value, row_id = position
                if value is None:
                    clause &= column.is_null() & (_T.id > row_id)
                elif descending:
                    clause &= (column < value) | ((column == value) & (_T.id < row_id))
                else:
                    clause &= (
                        (column > value) | ((column == value) & (_T.id > row_id)) | column.is_null()
                    )
            query = (
                _T.select(*_q.LIST_COLUMNS)
                .where(clause)
                .order_by(column, _T.id, ascending=not descending)
                .limit(limit + 1)
            )
            compiled = query.querystrings[0].compile_string(engine_type="postgres")
            if cacheable:
                if len(_sql_cache) > 1000:
                    _sql_cache.clear()
                _sql_cache[key] = compiled
        sql, args = compiled
        records = await _T._meta.db.pool.fetch(sql, *args)
        rows = [dict(r) for r in records]
        next_cursor = _q.encode_cursor(rows[limit - 1], f.sort) if len(rows) > limit else ""
        return rows[:limit], next_cursor

    _q.list_tickets = list_tickets
    import helpdesk.tickets.agent_api as _api
    import helpdesk.tickets.agent_routes as _routes

    _api.list_tickets = list_tickets
    _routes.list_tickets = list_tickets

if "staffcache" in V:
    # 10 s per-process caches, like the token cache and the status counts.
    from helpdesk.auth import service as _auth
    from helpdesk.tickets import agent as _agent

    _staff_cache, _agents_cache = {}, {}
    _orig_staff_by_id, _orig_agents = _auth.staff_by_id, _agent.academy_agents

    async def staff_by_id(user_id, epoch=None):
        hit = _staff_cache.get((user_id, epoch))
        if hit and hit[0] > time.monotonic():
            return hit[1]
        staff = await _orig_staff_by_id(user_id, epoch)
        _staff_cache[(user_id, epoch)] = (time.monotonic() + 10, staff)
        return staff

    async def academy_agents(academie):
        hit = _agents_cache.get(academie)
        if hit and hit[0] > time.monotonic():
            return hit[1]
        agents = await _orig_agents(academie)
        _agents_cache[academie] = (time.monotonic() + 10, agents)
        return agents

    _auth.staff_by_id = staff_by_id
    _agent.academy_agents = academy_agents

if "smtpreuse" in V:
    import aiosmtplib

    from helpdesk.mail import sender as _mail

    async def run_once(self):
        rows = await self.claim()
        if not rows:
            return 0
        s = self.settings
        errors = (aiosmtplib.SMTPException, OSError, TimeoutError)

        async def connect():
            smtp = aiosmtplib.SMTP(
                hostname=s.smtp_host,
                port=s.smtp_port,
                use_tls=s.smtp_tls == "tls",
                start_tls=True if s.smtp_tls == "starttls" else False,
                timeout=s.smtp_timeout_seconds,
            )
            await smtp.connect()
            if s.smtp_user:
                await smtp.login(s.smtp_user, s.smtp_password)
            return smtp

        sent = 0
        smtp = None
        for row in rows:
            try:
                smtp = smtp if smtp is not None and smtp.is_connected else await connect()
                await smtp.send_message(_mail.build_message(s, row))
            except errors as error:
                _mail.log.warning("Courriel %s non envoyé : %s", row["id"], error)
                await self.mark_failed(row, error)
                continue
            await self.mark_sent(row)
            sent += 1
        if smtp is not None and smtp.is_connected:
            try:
                await smtp.quit()
            except errors:
                pass
        return sent

    _mail.MailSender.run_once = run_once


def create():
    from helpdesk.app import create_app

    return create_app()
