"""`time_ago`, the pages' 'last synced' wording."""

from datetime import datetime, timedelta, timezone

import pytest

from ui.formatting import time_ago

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("age", "words"), [
    (timedelta(seconds=20), "just now"),
    (timedelta(seconds=-5), "just now"),  # a clock a little ahead of ours
    (timedelta(minutes=5), "5 min ago"),
    (timedelta(hours=3), "3 h ago"),
    (timedelta(days=4), "4 days ago"),
])
def test_time_ago(age, words):
    assert time_ago(NOW - age, NOW) == words
