"""The AI readings cache in the database: a second worker (or a restarted one) pays nothing for a
reading the first made, and a reading that fell back to the rules is not kept."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from core.config import Settings
from core.extraction.db_cache import DatabaseCache
from core.extraction.engine import build_extractor
from core.models import ExtractionCacheEntry
from tests.fixtures.ai_fakes import start_fake_openai

logging.getLogger("werkzeug").setLevel(logging.ERROR)
KIKOI = "Kikoi za pwani, rangi nyekundu na bluu\nKsh 1,200"


@pytest.fixture
def fake_openai():
    fake, served = start_fake_openai()
    yield fake
    served.close()


def worker_extractor(engine, fake):
    """What one worker process builds: its own extractor and limiter, the shared database cache."""
    settings = Settings(openai_api_key="sk-test", openai_base_url=fake.url, ai_max_attempts=1)
    return build_extractor(settings, cache=DatabaseCache(sessionmaker(bind=engine, expire_on_commit=False)))


def test_a_second_worker_reuses_the_first_workers_reading(engine, fake_openai):
    first = worker_extractor(engine, fake_openai).extract(KIKOI, "IMAGE", None, "KES")
    assert fake_openai.calls == 1 and first.extractor == "openai"
    second = worker_extractor(engine, fake_openai).extract(KIKOI, "IMAGE", None, "KES")
    assert fake_openai.calls == 1  # nothing paid twice
    assert second.model_dump(exclude={"usage"}) == first.model_dump(exclude={"usage"})
    assert all(usage.cached for usage in second.usage)


def test_a_fallback_reading_is_not_kept(engine, fake_openai):
    fake_openai.script("500")
    product = worker_extractor(engine, fake_openai).extract(KIKOI, "IMAGE", None, "KES")
    assert product.extractor == "local"
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(ExtractionCacheEntry)) == 0
    worker_extractor(engine, fake_openai).extract(KIKOI, "IMAGE", None, "KES")
    assert fake_openai.calls == 2  # asked again, and this time it answered
