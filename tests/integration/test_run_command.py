"""`catalog-sync run` stops every process it started when it is sent SIGTERM, as on Ctrl-C."""

from __future__ import annotations

import signal
import time

import pytest

from tests.fixtures.live_stack import group_commands, start_live_stack, stop_group


@pytest.mark.slow
def test_sigterm_stops_every_process_it_started(tmp_path):
    process, stack = start_live_stack(tmp_path)
    try:
        started = [c for c in group_commands(process.pid) if " cli run " not in c]
        assert len(started) >= 4, started  # sandbox, sidecar, worker, UI
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        deadline = time.monotonic() + 20
        while group_commands(process.pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert group_commands(process.pid) == [], stack.log_tail()
    finally:
        stop_group(process)
