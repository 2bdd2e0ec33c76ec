"""PostgreSQL restarted during webhook ingest: 503 while it is down, nothing answered 200 is lost.

The machine's shared PostgreSQL is never touched: the test makes a private throwaway
cluster (initdb + pg_ctl in a temp dir, on a free port, trust auth, run as the
`postgres` user when we are root), migrates it, points gunicorn (the real sidecar, 2
workers) at it, and sends signed deliveries from a thread while it stops and starts
the cluster. Pass: every delivery answered 200 is stored (exactly once), answers while
the database is down are 503 (never 200, never 5xx other than 503), and ingest answers
200 again after the restart.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from core.migrate import upgrade_to_head
from core.webhooks.payloads import split_delivery
from tests.fixtures.webhook_server import WEBHOOK_PATH, free_port, signed, start_sidecar, stop_sidecar
from tests.reliability.report import Table

PG_BIN = sorted(glob.glob("/usr/lib/postgresql/*/bin"))


class PrivateCluster:
    """A throwaway PostgreSQL cluster: start, stop (fast), start again, remove."""

    def __init__(self):
        self.bin = Path(PG_BIN[-1])
        self.dir = Path(tempfile.mkdtemp(prefix="cs-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.dir, "postgres", "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")

    def _run(self, tool: str, *args: str) -> None:
        command = [str(self.bin / tool), *args]
        if self.as_root:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60, cwd=self.dir)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.dir / "log"), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def remove(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_cluster():
    if not PG_BIN or not shutil.which("runuser"):
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    cluster = PrivateCluster()
    cluster.start()
    yield cluster
    cluster.remove()


class Sender(threading.Thread):
    """Posts signed single-change deliveries one after another, remembering every answer."""

    def __init__(self, base: str):
        super().__init__(daemon=True)
        self.base, self.answers, self.stop_now, self.n = base, [], threading.Event(), 0
        self.http = requests.Session()

    def run(self) -> None:
        while not self.stop_now.is_set():
            self.n += 1
            body = json.dumps({"object": "instagram", "entry": [{"id": "17841400000042", "time": self.n, "changes": [
                {"field": "comments", "value": {"id": f"c{self.n}", "media": {"id": f"m{self.n}"}}}]}]}).encode()
            try:
                status = self.http.post(self.base + WEBHOOK_PATH, timeout=10, **signed(body)).status_code
            except requests.RequestException as error:
                status = type(error).__name__
            self.answers.append((time.monotonic(), body, status))
            time.sleep(0.01)


@pytest.mark.slow
def test_postgres_restart_during_ingest_loses_nothing_answered_200(private_cluster, tmp_path, artifacts_dir):
    upgrade_to_head(private_cluster.url)
    process, base = start_sidecar(private_cluster.url, tmp_path / "metrics", workers=2)
    sender = Sender(base)
    phases = {}
    try:
        sender.start()
        time.sleep(2.0)
        phases["stopped"] = time.monotonic()
        private_cluster.stop()
        time.sleep(3.0)
        phases["restarting"] = time.monotonic()
        private_cluster.start()
        phases["up"] = time.monotonic()
        time.sleep(3.0)
    finally:
        sender.stop_now.set()
        sender.join(15)
        stop_sidecar(process)
    engine = create_engine(private_cluster.url)
    with engine.connect() as conn:
        stored = Counter(row[0] for row in conn.execute(text("SELECT dedup_key FROM instagram_webhook_event")))
    engine.dispose()

    def phase(at: float) -> str:
        if at < phases["stopped"]:
            return "before"
        if at < phases["up"]:
            return "down"
        return "after restart"

    by_phase = Counter((phase(at), str(status)) for at, _, status in sender.answers)
    acknowledged = [body for _, body, status in sender.answers if status == 200]
    lost = [b for b in acknowledged if stored[split_delivery(b).updates[0].dedup_key] != 1]
    table = Table("postgres-restart", "Faults: PostgreSQL restarted during webhook ingest (private cluster)",
                  ["phase", "answer", "deliveries"],
                  "every 200 stored exactly once; only 503 (or 200 from a pooled retry) while down; 200 again after")
    for (when, status), count in sorted(by_phase.items()):
        table.add(when, status, count)
    table.add("all", "answered 200 / stored rows / lost", f"{len(acknowledged)} / {sum(stored.values())} / {len(lost)}")
    table.write(artifacts_dir)
    assert not lost, f"{len(lost)} deliveries answered 200 were not stored exactly once"
    assert max(stored.values(), default=1) == 1
    down_answers = {status for (when, status) in by_phase if when == "down"}
    assert down_answers and down_answers <= {"200", "503"}, down_answers
    assert "503" in down_answers, "the sidecar never said 503 while the database was down"
    assert by_phase[("after restart", "200")] > 0, "ingest did not come back after the restart"
    assert all(str(s) in ("200", "503") for _, _, s in sender.answers)
