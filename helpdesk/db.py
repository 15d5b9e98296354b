"""The database: engine from HELPDESK_DATABASE_URL, bound to every table of every domain."""

from __future__ import annotations

import asyncio
import functools
import importlib
import sqlite3
import time
import weakref
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import asyncpg
from piccolo.columns import JSON, Column
from piccolo.columns.defaults.base import Default
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.query.base import Query
from piccolo.table import Table
from piccolo.utils.encoding import dump_json

from helpdesk import PROJECT_DIR
from helpdesk.migrations import migrate as run_migrations


class DatabaseUrlError(ValueError):
    pass


def sqlite_path(url: str) -> Path:
    """`sqlite:///relative/path` is relative to the project, `sqlite:////abs/path` absolute."""
    rest = url.removeprefix("sqlite://")
    if not rest.startswith("/"):
        raise DatabaseUrlError(f"URL SQLite invalide : {url}")
    path = rest[1:]
    return Path(path) if path.startswith("/") else PROJECT_DIR / path


def postgres_config(url: str) -> dict:
    parts = urlsplit(url)
    config = {
        "host": parts.hostname or "127.0.0.1",
        "port": parts.port or 5432,
        "user": unquote(parts.username or "postgres"),
        "database": parts.path.lstrip("/") or "postgres",
    }
    if parts.password:
        config["password"] = unquote(parts.password)
    return config


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite:"):
        path = sqlite_path(url)
        path.parent.mkdir(parents=True, exist_ok=True)
        # WAL lets readers go on while one writer writes; Piccolo never sets it itself.
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
        return SQLiteEngine(path=str(path), timeout=60)
    if url.startswith(("postgres://", "postgresql://")):
        return PostgresEngine(config=postgres_config(url))
    raise DatabaseUrlError(
        f"HELPDESK_DATABASE_URL doit commencer par sqlite:/// ou postgresql:// (reçu : {url!r})"
    )


# Each domain's tables module lists its tables in TABLES (creation order).
TABLE_MODULES = [
    "helpdesk.faq.tables",
    "helpdesk.contacts.tables",
    "helpdesk.mail.tables",
    "helpdesk.auth.tables",
    "helpdesk.accounts.tables",
    "helpdesk.tickets.tables",
]


def _table_modules():
    return [importlib.import_module(name) for name in TABLE_MODULES]


def all_tables() -> list[type[Table]]:
    return [table for module in _table_modules() for table in module.TABLES]


def bind(engine: Engine) -> None:
    for table in all_tables():
        table._meta.db = engine


async def migrate(engine: Engine) -> None:
    """Brings the schema up to date: the domains' Piccolo migrations (helpdesk/migrations.py)."""
    bind(engine)
    await run_migrations(engine)


def is_postgres(engine: Engine) -> bool:
    return isinstance(engine, PostgresEngine)


def write_transaction(engine: Engine):
    """A transaction that will write: on SQLite it takes the write lock at once (IMMEDIATE), so
    that two requests that read then write never fail with "database is locked"."""
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


# --- several linked rows written at once (the hot write paths) ----------------------------
#
# Piccolo builds every query anew (≈ 0.3 ms of CPU each) and, in a transaction, each is a round
# trip to the server. For a write made of several rows (a ticket, its events, its link, its
# mail), `Row`s are written in one statement on PostgreSQL and in one call of SQLite's own
# writer thread, with the Piccolo tables as the schema: same columns, same defaults, same
# values as `Table(**values).save()` would write.


@dataclass
class Row:
    """A row to insert; `links` fills a column with the id of an earlier row of the same write
    (its index in the list), e.g. an event's `ticket`."""

    table: type[Table]
    values: dict[str, Any]
    links: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Layout:
    columns: list[tuple[str, Column, bool]]  # (name, column, is JSON): those given values
    names: frozenset[str]  # their names
    sql_names: list[str]  # the INSERT's columns: those, then the linked ones


@functools.cache
def _layout(table: type[Table], linked: tuple[str, ...]) -> _Layout:
    """Every column is given a value but the primary key and the linked ones (last in SQL)."""
    meta = table._meta
    columns = [c for c in meta.columns if c is not meta.primary_key and c._meta.name not in linked]
    sql_names = [c._meta.db_column_name for c in columns]
    sql_names += [meta.get_column_by_name(name)._meta.db_column_name for name in linked]
    return _Layout(
        [(c._meta.name, c, isinstance(c, JSON)) for c in columns],
        frozenset(c._meta.name for c in columns),
        sql_names,
    )


def _row_values(row: Row) -> list[Any]:
    """The values of the row's columns, as Piccolo would send them: defaults filled in."""
    layout = _layout(row.table, tuple(row.links))
    if not layout.names.issuperset(row.values):
        unknown = sorted(set(row.values) - layout.names)
        raise ValueError(f"{row.table.__name__} : colonnes inconnues {unknown}")
    values = []
    for name, column, is_json in layout.columns:
        if name in row.values:
            value = row.values[name]
        elif isinstance(value := column.get_default_value(), Default):
            value = value.python()  # e.g. the time now
        if is_json and value is not None and not isinstance(value, str):
            value = dump_json(value)
        values.append(value)
    return values


def _insert_sql(row: Row, slots: list[str], source: str = "") -> str:
    columns = ", ".join(f'"{name}"' for name in _layout(row.table, tuple(row.links)).sql_names)
    values = (
        f"SELECT {', '.join(slots)} FROM {source}" if source else f"VALUES ({', '.join(slots)})"
    )
    return f'INSERT INTO "{row.table._meta.tablename}" ({columns}) {values}'


_pg_statements: dict[tuple, str] = {}


def _pg_statement(rows: list[Row], returned: tuple[int, ...]) -> str:
    """WITH r0 AS (INSERT … VALUES (…) RETURNING id), r1 AS (INSERT … SELECT …, (SELECT id FROM
    r0) FROM r0 RETURNING id), r2 AS (… FROM r1 …) … SELECT (SELECT id FROM r0), … FROM rN: one
    implicit transaction. Each row is selected "from" the one before, so that the rows are
    inserted in their order (ids in the order of the list, as separate INSERTs would give)."""
    shape = (tuple((row.table, tuple(row.links.items())) for row in rows), returned)
    if (sql := _pg_statements.get(shape)) is not None:
        return sql
    parts, n = [], 0
    for i, row in enumerate(rows):
        count = len(_layout(row.table, tuple(row.links)).columns)
        slots = [f"${n + k}" for k in range(1, count + 1)]
        slots += [f"(SELECT id FROM r{target})" for target in row.links.values()]
        n += count
        parts.append(f"r{i} AS ({_insert_sql(row, slots, f'r{i - 1}' if i else '')} RETURNING id)")
    ids = ", ".join(f"(SELECT id FROM r{i})" for i in returned)
    sql = f"WITH {', '.join(parts)} SELECT {ids} FROM r{len(rows) - 1}"
    if len(_pg_statements) < 1000:
        _pg_statements[shape] = sql
    return sql


def _shape(rows: list[Row]) -> tuple:
    return tuple((row.table.__name__, tuple(row.links.items())) for row in rows)


async def insert_many_pg(connection: asyncpg.Connection, groups: list[list[Row]]) -> list[int]:
    """Writes groups of rows (a row's links point inside its group) in one statement, one
    implicit transaction; the id of each group's first row. Groups go in an order of their
    shapes, so that a few statements serve every mix (each is prepared once per connection)."""
    order = sorted(range(len(groups)), key=lambda i: _shape(groups[i]))
    rows: list[Row] = []
    firsts: dict[int, int] = {}
    for i in order:
        firsts[i] = offset = len(rows)
        rows += [
            Row(r.table, r.values, {c: t + offset for c, t in r.links.items()}) for r in groups[i]
        ]
    values = [value for row in rows for value in _row_values(row)]
    sql = _pg_statement(rows, tuple(firsts[i] for i in order))
    ids = dict(zip(order, await connection.fetchrow(sql, *values), strict=True))
    return [ids[i] for i in range(len(groups))]


async def insert_rows_pg(connection: asyncpg.Connection, rows: list[Row]) -> int:
    """Writes the rows in one round trip (one implicit transaction); the first row's id."""
    return (await insert_many_pg(connection, [rows]))[0]


def insert_rows_sqlite(connection: sqlite3.Connection, rows: list[Row]) -> int:
    """Writes the rows on this connection (in the caller's transaction); the first row's id."""
    ids: list[int] = []
    for row in rows:
        values = _row_values(row) + [ids[target] for target in row.links.values()]
        sql = _insert_sql(row, ["?"] * len(values))
        ids.append(connection.execute(sql, values).lastrowid)
    return ids[0]


def _not_in_transaction(engine: Engine) -> None:
    if engine.current_transaction.get() is not None:
        raise RuntimeError(
            "Cette écriture ouvre ses propres transactions\u00a0: pas dans une autre."
        )


@asynccontextmanager
async def pg_connection(engine: PostgresEngine) -> AsyncIterator[asyncpg.Connection]:
    """A connection of the pool (or a new one when there is no pool), for raw statements."""
    _not_in_transaction(engine)
    if engine.pool:
        async with engine.pool.acquire() as connection:
            yield connection
    else:
        connection = await engine.get_new_connection()
        try:
            yield connection
        finally:
            await connection.close()


class Batches:
    """Writes that come together are written together. A caller hands its item and waits for
    its outcome; up to `parallel` flushes run at once, each taking the items waiting when it
    starts (at most `size`). `flush(batch)` settles the future of each (item, future); those it
    leaves unsettled when it fails get its error."""

    def __init__(self, flush: Callable[[list], Awaitable[None]], size: int, parallel: int = 1):
        self.flush, self.size, self.parallel = flush, size, parallel
        self.waiting: list[tuple[Any, asyncio.Future]] = []
        self.running: set[asyncio.Task] = set()

    async def submit(self, item: Any) -> Any:
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self.waiting.append((item, done))
        if len(self.running) < self.parallel:
            self.running.add(loop.create_task(self._run()))
        return await done

    async def _run(self) -> None:
        try:
            while self.waiting:
                batch, self.waiting = self.waiting[: self.size], self.waiting[self.size :]
                batch = [(item, done) for item, done in batch if not done.cancelled()]
                try:
                    await self.flush(batch)
                except Exception as error:
                    for _, done in batch:
                        settle(done, error=error)
        finally:
            # At once, not in a done callback: a caller woken by the last flush may submit
            # before such a callback runs, and would find no flush running for it.
            self.running.discard(asyncio.current_task())


def settle(done: asyncio.Future, result: Any = None, error: BaseException | None = None) -> None:
    if not done.done():
        if error is None:
            done.set_result(result)
        else:
            done.set_exception(error)


# SQLite has one writer at a time. Piccolo runs each statement in a thread of its connection: a
# thread holding the write lock may wait for the GIL after every statement (up to 5 ms each while
# the event loop runs Python code), and SQLite's busy handler sleeps by growing steps, so that a
# busy writer starves the others (the mail sender among them). The hot writes go instead through
# one writer per process, in the event loop, never awaiting while the lock is held: it takes the
# lock (retrying every millisecond or so, no busy handler), writes the writes waiting by then,
# each in a savepoint of its own (one that fails is rolled back alone), and commits them
# together: one lock and one flush to disk for all of them.
T = TypeVar("T")
Work = Callable[[sqlite3.Connection], Any]


class _Writer:
    """The writer of one database in one event loop."""

    def __init__(self, kwargs: dict):
        self.patience = kwargs.get("timeout", 5.0)
        self.connection = sqlite3.connect(**{**kwargs, "timeout": 0})  # no busy handler
        self.connection.execute("PRAGMA foreign_keys = 1")
        self.batches = Batches(self.write, size=200)

    async def begin(self) -> None:
        deadline, pause = time.monotonic() + self.patience, 0.0005
        while True:
            try:
                self.connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, 0.004)

    async def write(self, batch: list[tuple[Work, asyncio.Future]]) -> None:
        """Each write in a savepoint, then one commit; the callers learn their outcome after it
        (or the error that prevented it, for all of them)."""
        await self.begin()
        connection, outcomes = self.connection, []
        try:
            for work, done in batch:
                connection.execute("SAVEPOINT one_write")
                try:
                    outcomes.append((done, work(connection), None))
                except Exception as error:
                    connection.execute("ROLLBACK TO one_write")
                    outcomes.append((done, None, error))
                connection.execute("RELEASE one_write")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
        for done, result, error in outcomes:
            settle(done, result, error)


# event loop → database → its writer (tests run an event loop and a database per test)
_writers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _writer(engine: SQLiteEngine) -> _Writer:
    writers = _writers.setdefault(asyncio.get_running_loop(), {})
    path = engine.connection_kwargs["database"]
    if (writer := writers.get(path)) is None:
        writer = writers[path] = _Writer(engine.connection_kwargs)
    return writer


async def sqlite_write(engine: SQLiteEngine, work: Callable[[sqlite3.Connection], T]) -> T:
    """Runs work(connection) in an IMMEDIATE transaction (see _Writer); its result. `work` must
    be quick: it runs in the event loop, with the database's write lock held."""
    _not_in_transaction(engine)
    return await _writer(engine).batches.submit(work)


def sqlite_run(connection: sqlite3.Connection, query: Query) -> list[dict]:
    """A Piccolo query run on this connection (in a sqlite_write): the same SQL, and the same
    values in and out (Piccolo's conversions are sqlite3's adapters and converters)."""
    sql, args = query.querystrings[0].compile_string(engine_type="sqlite")
    cursor = connection.execute(sql, args)
    names = [column[0] for column in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


async def run_write(engine: Engine, query: Query) -> list[dict]:
    """A Piccolo query that writes; on SQLite through the process's writer (see _Writer), so
    that it neither sleeps in SQLite's busy handler nor lets the hot writes starve it."""
    if isinstance(engine, SQLiteEngine):
        return await sqlite_write(engine, lambda connection: sqlite_run(connection, query))
    return await query


async def run_read(engine: Engine, query: Query) -> list[dict]:
    """A small indexed read on the hot paths. On SQLite it runs at once on the writer's
    connection, between its transactions (a read never waits in WAL mode): Piccolo would open a
    connection and start a thread for it, ≈ 1 ms of the event loop's time."""
    if isinstance(engine, SQLiteEngine) and engine.current_transaction.get() is None:
        return sqlite_run(_writer(engine).connection, query)
    return await query
