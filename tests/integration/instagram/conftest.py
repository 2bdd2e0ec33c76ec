"""A module-scoped sandbox for read-only client tests, so a 250-post world is seeded once."""

from __future__ import annotations

import pytest

from tests.fixtures.sandbox import RunningSandbox


@pytest.fixture(scope="module")
def make_sandbox_module():
    started: list[RunningSandbox] = []

    def factory(**overrides) -> RunningSandbox:
        running = RunningSandbox(**overrides)
        started.append(running)
        return running

    yield factory
    for running in started:
        running.close()
