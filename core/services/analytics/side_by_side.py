"""Run the analytics page's independent read-only queries at the same time.

On PostgreSQL each query gets its own connection from the session's engine, so the
database works on them in separate backends and the page costs about its slowest
query instead of the sum. SQLite (one file, one local process) runs them one after
another on the caller's session. Only committed data is read either way, which is
all analytics ever looks at.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from sqlalchemy import text
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_PARALLEL_QUERIES = 4
# The percentiles sort up to a year of drafts: enough memory to do it without spilling to disk.
ANALYTICS_WORK_MEM = "64MB"


def run_side_by_side(session: Session, queries: dict[str, Callable[[Session], Any]]) -> dict[str, Any]:
    engine = session.get_bind()
    if engine.dialect.name != "postgresql" or len(queries) < 2:
        return {name: query(session) for name, query in queries.items()}
    with ThreadPoolExecutor(max_workers=min(MAX_PARALLEL_QUERIES, len(queries))) as pool:
        futures = {name: pool.submit(_on_own_session, engine, query) for name, query in queries.items()}
        return {name: future.result() for name, future in futures.items()}


def _on_own_session(engine, query: Callable[[Session], T]) -> T:
    with Session(bind=engine) as session:
        session.execute(text(f"SET LOCAL work_mem = '{ANALYTICS_WORK_MEM}'"))
        session.execute(text("SET LOCAL jit = off"))
        return query(session)
