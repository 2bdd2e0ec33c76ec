"""Retry backoff: exponential, capped, jittered, never sooner than half the nominal delay."""

import random

from hypothesis import given
from hypothesis import strategies as st

from core.jobs import backoff_delay


@given(attempt=st.integers(min_value=1, max_value=40), seed=st.integers())
def test_delay_stays_between_half_and_full_nominal(attempt, seed):
    base, cap = 10.0, 900.0
    nominal = min(cap, base * 2 ** (attempt - 1))
    delay = backoff_delay(attempt, base, cap, random.Random(seed))
    assert nominal / 2 <= delay <= nominal


def test_delay_grows_with_attempts():
    rng = random.Random(1)
    floors = [backoff_delay(n, 10, 10_000, rng) for n in (1, 3, 5)]
    assert floors[0] <= 10 < 20 <= floors[1] <= 40 < 80 <= floors[2]


def test_jitter_spreads_a_burst():
    rng = random.Random(7)
    delays = {round(backoff_delay(2, 10, 900, rng), 3) for _ in range(50)}
    assert len(delays) > 40
