"""`catalog-sync run`: set up the demo and start every process, stopping them all on Ctrl-C (or SIGTERM).

Processes: the local Meta sandbox, the webhook sidecar, one worker and the Streamlit UI.
On the embedded defaults (SQLite, sandbox, offline extractor) no keys or network are needed.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import click
import requests
from sqlalchemy.engine import make_url

from core.config import PROJECT_ROOT, get_settings
from core.migrate import upgrade_to_head

DEMO_OPS_EMAIL = "ops@vendly.demo"
DEMO_OPS_PASSWORD = "catalog-sync-demo"


def _catalog_sync(*args: str) -> list[str]:
    return [sys.executable, "-m", "cli", *args]


def _wait_until_up(url: str, name: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.3)
    raise click.ClickException(f"{name} did not start within {seconds:.0f} s ({url})")


def _interrupt(_signum, _frame) -> None:
    """SIGTERM (`kill`, a process manager) stops every process as Ctrl-C does; by default it
    would end this one alone and leave the sandbox, worker and UI running."""
    raise KeyboardInterrupt


def _has_command(name: str) -> bool:
    from cli import main

    return name in main.commands


@click.command(help="Set up the demo and start the sandbox, webhook sidecar, worker and UI.")
@click.option("--port", default=8501, show_default=True, help="Streamlit port.")
@click.option("--sandbox-port", default=8700, show_default=True)
@click.option("--webhook-port", default=8701, show_default=True)
@click.option("--no-sandbox", is_flag=True, help="Use the real Meta settings instead of the sandbox.")
@click.option("--no-demo-seed", is_flag=True, help="Start with no demo sellers (connect stores yourself).")
def run(port: int, sandbox_port: int, webhook_port: int, no_sandbox: bool, no_demo_seed: bool) -> None:
    settings = get_settings()
    upgrade_to_head(settings.database_url)
    subprocess.run(
        _catalog_sync("create-user", "--email", DEMO_OPS_EMAIL, "--role", "ops",
                      "--password", DEMO_OPS_PASSWORD, "--if-missing"),
        check=True,
    )
    processes: list[subprocess.Popen] = []
    signal.signal(signal.SIGTERM, _interrupt)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.update(_addresses_for_ports(env, port, sandbox_port, webhook_port, not no_sandbox))
    try:
        if not no_sandbox and _has_command("sandbox"):
            sandbox_url = f"http://127.0.0.1:{sandbox_port}"
            webhook_url = f"http://127.0.0.1:{webhook_port}/webhooks/instagram"
            processes.append(subprocess.Popen(
                _catalog_sync("sandbox", "--port", str(sandbox_port), "--webhook-url", webhook_url, "--quiet"), env=env))
            _wait_until_up(f"{sandbox_url}/_sandbox/accounts", "the Meta sandbox")
            if not no_demo_seed and _has_command("demo-seed"):
                seeded = subprocess.run(_catalog_sync("demo-seed", "--sandbox-url", sandbox_url, "--scan"),
                                        check=True, capture_output=True, text=True, env=env)
                _print_demo_logins(seeded.stdout)
        if _has_command("webhook-server"):
            processes.append(subprocess.Popen(
                _catalog_sync("webhook-server", "--port", str(webhook_port),
                              "--workers", str(_sidecar_workers(settings.database_url))), env=env))
        if _has_command("worker"):
            processes.append(subprocess.Popen(_catalog_sync("worker", *_metrics_args(settings)), env=env))
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(PROJECT_ROOT / "app.py"),
             "--server.port", str(port), "--server.headless", "true"], env=env))
        click.echo(
            f"\nCatalog Sync is starting at http://localhost:{port}\n"
            f"  ops login: {DEMO_OPS_EMAIL} / {DEMO_OPS_PASSWORD}\n"
            f"{_metrics_banner(settings, webhook_port)}"
            "  press Ctrl-C to stop every process\n"
        )
        _wait_for_any_exit(processes)
    except KeyboardInterrupt:
        click.echo("\nstopping ...")
    finally:
        _stop_all(processes)


def _addresses_for_ports(env: dict, port: int, sandbox_port: int, webhook_port: int,
                         sandbox: bool) -> dict[str, str]:
    """Settings that follow the chosen ports, so `--port`/`--sandbox-port`/`--webhook-port` work
    without also exporting every URL; a value already in the environment wins."""
    derived = {
        "APP_BASE_URL": f"http://localhost:{port}",
        "WEBHOOK_BASE_URL": f"http://127.0.0.1:{webhook_port}",
    }
    if sandbox:
        sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        derived.update({name: sandbox_url for name in (
            "META_GRAPH_URL", "META_DIALOG_URL", "INSTAGRAM_GRAPH_URL", "INSTAGRAM_API_URL", "INSTAGRAM_DIALOG_URL")})
        derived["MEDIA_ALLOW_HTTP_HOSTS"] = json.dumps([f"127.0.0.1:{sandbox_port}", f"localhost:{sandbox_port}"])
    return {name: value for name, value in derived.items() if name not in env}


def _sidecar_workers(database_url: str) -> int:
    """One gunicorn worker on SQLite, which takes one writer at a time (a second only queues on
    the file lock and can time out); several on PostgreSQL (docs/OPERATIONS.md section 2)."""
    return 1 if make_url(database_url).get_backend_name() == "sqlite" else 2


def _metrics_args(settings) -> list[str]:
    port = settings.worker_metrics_port
    return ["--metrics-port", str(port)] if port else []


def _metrics_banner(settings, webhook_port: int) -> str:
    lines = f"  webhook sidecar metrics: http://127.0.0.1:{webhook_port}/metrics\n"
    if settings.worker_metrics_port:
        lines += f"  worker metrics: http://127.0.0.1:{settings.worker_metrics_port}/metrics\n"
    return lines


def _print_demo_logins(output: str) -> None:
    try:
        seeded = json.loads(output)
    except json.JSONDecodeError:
        click.echo(output)
        return
    click.echo("Demo sellers (connected to the sandbox):")
    for entry in seeded.get("stores", seeded if isinstance(seeded, list) else []):
        click.echo(f"  {entry.get('email')} / {entry.get('password')}  ({entry.get('store_name')})")


def _wait_for_any_exit(processes: list[subprocess.Popen]) -> None:
    while all(p.poll() is None for p in processes):
        time.sleep(0.5)
    failed = [p for p in processes if p.poll() is not None]
    click.echo(f"a process exited ({' '.join(map(str, failed[0].args[-3:]))}); stopping the others")


def _stop_all(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


COMMANDS = [run]
