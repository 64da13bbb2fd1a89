"""The database engine and sessions: SQLite by default, PostgreSQL by URL."""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from sqlalchemy import Engine, event
from sqlmodel import Session, create_engine

_WRITE_LOCKS: weakref.WeakKeyDictionary[Engine, threading.RLock] = weakref.WeakKeyDictionary()


def _write_lock(engine: Engine) -> AbstractContextManager[Any]:
    return _WRITE_LOCKS.get(engine) or nullcontext()


def make_engine(url: str, *, schema: str | None = None) -> Engine:
    """One engine per process; SQLite gets WAL and a busy timeout so readers never block the bot.

    ``schema`` (PostgreSQL only) puts every table in that schema: tests use one per run.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        _WRITE_LOCKS[engine] = threading.RLock()
        return engine
    connect_args = {"options": f"-csearch_path={schema}"} if schema else {}
    return create_engine(url, pool_pre_ping=True, connect_args=connect_args)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: committed on success, rolled back on any error.

    On SQLite, units of work in one process take turns on a lock: a thread that finds the
    database busy would otherwise sleep in SQLite's back-off (up to 100 ms a time), and under
    load the bot spends its time asleep rather than writing.
    """
    with _write_lock(engine), Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
