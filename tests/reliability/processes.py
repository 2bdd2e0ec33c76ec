"""Real `catalog-sync` processes for the reliability tests: workers and the webhook sidecar.

Each process writes its stdout and stderr to its own file (never a pipe nobody reads,
which would block it once full), so a test can read what it printed afterwards: the
chaos test shows the last lines of a worker that misbehaved, the canary test greps
every line for the token.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.fixtures.webhook_server import FB_SECRET, IG_SECRET, VERIFY_TOKEN, free_port

ROOT = Path(__file__).resolve().parents[2]
FOREIGN_SETTINGS = ("META_", "INSTAGRAM_", "OPENAI_", "GEMINI_", "WORKER_", "SCAN_", "POLL_")


def worker_env(database_url: str, sandbox_url: str, media_dir: Path, encryption_keys: str, **settings) -> dict:
    """The environment of a worker pointed at the test database and the sandbox.

    `settings` are extra Settings fields by name (`scan_lease_seconds=2` -> SCAN_LEASE_SECONDS)."""
    host = sandbox_url.split("://", 1)[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_SETTINGS)}
    env.update({
        "DATABASE_URL": database_url, "MEDIA_DIR": str(media_dir), "TOKEN_ENCRYPTION_KEYS": encryption_keys,
        "META_GRAPH_URL": sandbox_url, "META_DIALOG_URL": sandbox_url, "INSTAGRAM_GRAPH_URL": sandbox_url,
        "INSTAGRAM_API_URL": sandbox_url, "INSTAGRAM_DIALOG_URL": sandbox_url,
        "MEDIA_ALLOW_HTTP_HOSTS": json.dumps([host]), "META_APP_SECRET": FB_SECRET,
        "INSTAGRAM_APP_SECRET": IG_SECRET, "PYTHONUNBUFFERED": "1",
    })
    env.update({name.upper(): str(value) for name, value in settings.items()})
    return env


def start_worker(env: dict, log_dir: Path, name: str) -> subprocess.Popen:
    """`catalog-sync worker --worker-id NAME`, output to `log_dir/NAME.log`."""
    log = open(log_dir / f"{name}.log", "wb")
    process = subprocess.Popen([sys.executable, "-m", "cli", "worker", "--worker-id", name], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    log.close()  # the child holds its own descriptor
    return process


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM (the worker finishes the event in hand), then SIGKILL if it will not go."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGCONT)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Sidecar:
    """`catalog-sync webhook-server` (gunicorn) on a free port, stdout and stderr to files."""

    def __init__(self, database_url: str, log_dir: Path, workers: int = 2, extra_env: dict | None = None):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.stdout_path, self.stderr_path = log_dir / "sidecar.out", log_dir / "sidecar.err"
        metrics = log_dir / "sidecar-metrics"
        metrics.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith(FOREIGN_SETTINGS)}
        env.update({"DATABASE_URL": database_url, "META_APP_SECRET": FB_SECRET, "INSTAGRAM_APP_SECRET": IG_SECRET,
                    "META_WEBHOOK_VERIFY_TOKEN": VERIFY_TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(metrics),
                    "PYTHONUNBUFFERED": "1", **(extra_env or {})})
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli", "webhook-server", "--port", str(self.port), "--workers", str(workers)],
                cwd=ROOT, env=env, stdout=out, stderr=err)
        self._wait_healthy()

    def _wait_healthy(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"webhook-server exited: {self.output()[-2000:]}")
            try:
                if requests.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.close()
        raise RuntimeError("webhook-server did not become healthy within 30 s")

    def output(self) -> str:
        return self.stdout_path.read_text(errors="replace") + self.stderr_path.read_text(errors="replace")

    def close(self) -> None:
        stop(self.process, timeout=15)
