"""Engine and session handling shared by the web app, the CLI and the ingest."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker


def make_engine(url: str, statement_timeout_ms: int | None = None, **kwargs: Any) -> Engine:
    """An engine with the settings Ashyq relies on for each backend.

    With a statement timeout no single query can hold the database: PostgreSQL cancels it
    itself; on SQLite a progress handler interrupts it.
    """
    if url.startswith("postgres://"):  # the form many hosting services hand out
        url = "postgresql+psycopg://" + url.removeprefix("postgres://")
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if statement_timeout_ms and url.startswith("postgresql"):
        kwargs.setdefault("connect_args", {})["options"] = (
            f"-c statement_timeout={int(statement_timeout_ms)}"
        )
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if statement_timeout_ms:
            _sqlite_timeout(engine, statement_timeout_ms / 1000)
    return engine


def _sqlite_timeout(engine: Engine, seconds: float) -> None:
    @event.listens_for(engine, "before_cursor_execute")
    def start_clock(conn: Any, *_args: Any) -> None:
        deadline = time.monotonic() + seconds
        conn.connection.dbapi_connection.set_progress_handler(
            lambda: int(time.monotonic() > deadline), 10_000
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL lets readers keep serving the old version while an ingest writes the new one.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Safe with WAL (a crash loses at most the last commit, never consistency), and a larger
    # page cache keeps big ingests from thrashing the indexes.
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One transaction: committed when the block ends, rolled back on any error."""
    with Session(engine) as session, session.begin():
        yield session


def init_app(app: Flask) -> None:
    """Create the app's engine and give each request a read session that closes with it."""
    engine = make_engine(
        app.config["DATABASE_URL"], statement_timeout_ms=app.config["STATEMENT_TIMEOUT_MS"]
    )
    app.extensions["ashyq.engine"] = engine
    app.extensions["ashyq.sessionmaker"] = sessionmaker(engine)

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def get_session() -> Session:
    """The current request's session."""
    from flask import current_app

    if "db_session" not in g:
        g.db_session = current_app.extensions["ashyq.sessionmaker"]()
    return g.db_session
