"""The extraction cache in the database, so every worker process shares what the AI has read.

`build_extractor(settings, cache=DatabaseCache(session_factory))`. Each `get` and `put` is
a short transaction of its own: a scan that rolls back must not forget a reading it paid
for. A database error is a miss (logged), never an extraction failure: the AI is asked again.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from core.extraction.schema import ExtractedProduct
from core.models import ExtractionCacheEntry

log = logging.getLogger(__name__)


class DatabaseCache:
    def __init__(self, session_factory: sessionmaker[Session]):
        self._sessions = session_factory

    def get(self, key: str) -> ExtractedProduct | None:
        try:
            with self._sessions() as session:
                stored = session.scalar(select(ExtractionCacheEntry.result).where(ExtractionCacheEntry.key == key))
        except SQLAlchemyError:
            log.exception("extraction cache: read failed; asking the AI again")
            return None
        return ExtractedProduct.model_validate_json(stored) if stored is not None else None

    def put(self, key: str, product: ExtractedProduct) -> None:
        try:
            with self._sessions() as session:
                insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
                session.execute(insert(ExtractionCacheEntry).values(key=key, result=product.model_dump_json())
                                .on_conflict_do_nothing(index_elements=["key"]))
                session.commit()
        except SQLAlchemyError:
            log.exception("extraction cache: write failed; the reading is not kept")
