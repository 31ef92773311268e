"""The engine and the one place that opens a session and decides commit or rollback."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, insert, inspect, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Base

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


WRITE_WAIT = 30  # seconds a write waits for the database, as SQLite's busy_timeout below


def make_engine(url: str, **kwargs) -> Engine:
    """An engine; SQLite gets WAL, a busy timeout and transactions that take the write lock up front.

    SQLite has one writer at a time. Its busy handler makes a waiting writer sleep in growing steps (up to 100 ms),
    so under load a write of a millisecond could wait far longer than the one before it took. The threads of one
    process therefore queue for the write lock on a lock of their own first, and SQLite's only arbitrates between
    processes."""
    if not url.startswith("sqlite"):
        engine = create_engine(url, pool_pre_ping=True, **kwargs)

        @event.listens_for(engine, "connect")
        def _no_jit(dbapi_connection, _record):
            # PostgreSQL compiles a query whose estimated cost is high (a list of 100,000 rows read 20 at a time,
            # through an index, looks costly) before running it: ~350 ms of compiling for a 5 ms read.
            with dbapi_connection.cursor() as cursor:
                cursor.execute("SET jit = off")
            dbapi_connection.commit()

        return engine
    engine = create_engine(url, connect_args={"timeout": WRITE_WAIT, "check_same_thread": False}, **kwargs)
    writer = threading.Lock()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={WRITE_WAIT * 1000}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # 512 KiB of page cache per connection rather than 2 MiB: a process keeps up to 15 connections, and the
        # operating system caches the file for all of them anyway (bench/reads.py: memory held after a burst).
        cursor.execute("PRAGMA cache_size=-512")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Taking the lock at BEGIN avoids SQLITE_BUSY on a read-then-write upgrade; reads never need it.
        if conn.get_execution_options().get("greenlight_read_only"):
            conn.exec_driver_sql("BEGIN")
            return
        if not conn.info.get("writer"):  # held until the connection goes back to the pool, after its COMMIT
            if not writer.acquire(timeout=WRITE_WAIT):
                raise TimeoutError(f"no write turn on the database within {WRITE_WAIT} s")
            conn.info["writer"] = True
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    def _release(_dbapi_connection, record, *_exception):
        if record is not None and record.info.pop("writer", False):
            writer.release()

    for name in ("checkin", "invalidate", "soft_invalidate"):  # an invalidated connection loses its info
        event.listen(engine.pool, name, _release)

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits when the block ends and rolls back if it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def insert_new(session: Session, model) -> None:
    """Insert this session's new, unflushed `model` objects in one statement (executemany) and detach them.

    The ORM inserts rows one by one where it cannot get their ids back in order (SQLite). For
    append-only rows that nothing reads back in the same transaction (events), this keeps a batch
    at one statement. Order is kept: session.new lists objects in the order they were added."""
    new = [obj for obj in session.new if isinstance(obj, model)]
    if not new:
        return
    columns = {c.key for c in model.__table__.columns if not c.primary_key}
    rows = [{k: v for k, v in inspect(obj).dict.items() if k in columns} for obj in new]
    for obj in new:
        session.expunge(obj)
    session.execute(insert(model), rows)


def _insert(session: Session, model):
    return {"postgresql": postgresql_insert, "sqlite": sqlite_insert}[session.get_bind().dialect.name](model)


def insert_ignore(session: Session, model, rows: list[dict], unique: list[str]) -> None:
    """Insert rows; one whose `unique` columns match an existing row is left alone (no error, even when racing)."""
    if rows:
        session.execute(_insert(session, model).on_conflict_do_nothing(index_elements=unique), rows)


def upsert(session: Session, model, rows: list[dict], unique: list[str]) -> None:
    """Insert rows, or update the given columns of the row whose `unique` columns match (even when racing)."""
    if not rows:
        return
    stmt = _insert(session, model)
    changed = {c: stmt.excluded[c] for c in rows[0] if c not in unique}
    session.execute(stmt.on_conflict_do_update(index_elements=unique, set_=changed), rows)


def insert_or_nothing(session: Session, model, row: dict) -> bool:
    """Insert the row unless its primary key exists; True if this call inserted it (atomic when racing)."""
    table = model.__table__
    # RETURNING tells what happened on both databases (psycopg reports no rowcount here).
    stmt = _insert(session, table).values(**row).on_conflict_do_nothing().returning(*table.primary_key)
    return session.execute(stmt).first() is not None


def update_many(session: Session, objects: list, columns: tuple[str, ...]) -> None:
    """Write these columns of these persistent objects in one statement (executemany).

    The ORM batches UPDATEs only over consecutive rows whose changed columns are the same, so a
    batch that changes different columns on alternate rows costs one UPDATE per row."""
    if not objects:
        return
    model = type(objects[0])
    pk = inspect(model).primary_key[0].key
    rows = [{pk: getattr(obj, pk), **{c: getattr(obj, c) for c in columns}} for obj in objects]
    for obj in objects:
        for c in columns:
            set_committed_value(obj, c, getattr(obj, c))  # written below: nothing left for the flush
    session.execute(update(model), rows)


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


BASELINE = "0001"  # the first released revision: what a database with Greenlight's tables and no record is at least
BASELINE_TABLES = {"workspaces", "initiatives", "approvals", "events", "people", "outbox"}


def head_revision(engine: Engine) -> str:
    """The revision the code expects (the newest in migrations/versions)."""
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def unrecorded_revision(engine: Engine) -> str | None:
    """The revision an unversioned database holding Greenlight's tables is at, or None if it has a record or no tables.

    Such a database was built without Alembic's record (create_all, or alembic_version lost). One that equals
    the models is at head; any other is taken to be at the baseline, whose successors repair what is missing."""
    with engine.connect() as conn:
        if MigrationContext.configure(conn).get_current_revision() is not None:
            return None
        if not set(inspect(conn).get_table_names()) >= BASELINE_TABLES:
            return None
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    return head_revision(engine) if not diff else BASELINE


def migrate(engine: Engine) -> None:
    """Apply every Alembic revision up to head, first recording where an unversioned database stands."""
    config = alembic_config(engine)
    found = unrecorded_revision(engine)
    if found:
        command.stamp(config, found)
    command.upgrade(config, "head")
