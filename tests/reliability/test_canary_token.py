"""Security: a canary access token never leaves the places it belongs (issue 11, "Security").

The canaries are the long-lived tokens the sandbox issues to two stores through the real
OAuth flow (one on Instagram Login, one on Facebook Login), read back from our vault.
With them the test drives everything that touches a token, and greps for them in:

- captured logs of this process (caplog at DEBUG, tracebacks included);
- stdout and stderr of a `catalog-sync worker` subprocess (webhook events, polls and a scan,
  with Meta answering 500 and, at the end, 190 for a revoked token) and of the webhook
  sidecar (gunicorn). The sandbox's own request log is Meta's side and is not checked;
- the text of exceptions (str, repr and the whole formatted chain) the Graph client and
  the services raise for 190, 500 and read timeouts;
- the element tree of every page in `app.py`'s PAGES rendered with AppTest as ops;
- a raw dump of every table (`SELECT *`, JSON cast to text) of the test database. The test
  runs on SQLite and on PostgreSQL, so both databases are dumped.
"""

from __future__ import annotations

import ast
import logging
import time
import traceback
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text
from streamlit.testing.v1 import AppTest

from core.clock import SystemClock
from core.db import get_engine
from core.instagram import BudgetTracker, GraphClient, GraphError, RetryPolicy
from core.models import InstagramConnection, InstagramWebhookEvent
from core.services.connecting.connect import ConnectDeps
from core.services.connecting.connect_types import decrypt_token
from core.services.realtime.event_importer import SyncImporter
from core.services.connecting.meta_login import MetaLogin
from core.services.bulk_import.scan import request_scan
from core.token_vault import TokenVault
from tests.factories import connect_store, make_ops, make_store
from tests.fixtures.webhook_server import FB_SECRET, IG_SECRET, WEBHOOK_PATH
from tests.integration.scan.conftest import TEST_KEY, build_world
from tests.reliability.processes import Sidecar, start_worker, stop, worker_env
from tests.reliability.report import Table

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
QUICK = RetryPolicy(attempts=2, initial_wait=0.01, max_wait=0.02, jitter=0.0, max_throttle_wait=0.1,
                    default_throttle_wait=0.1)


class Places:
    """Every text checked, by place, and where a canary turned up."""

    def __init__(self, canaries: list[str]):
        self.canaries = canaries
        self.checked: dict[str, list[int]] = {}  # place -> [texts, characters, hits]
        self.leaks: list[tuple[str, str]] = []

    def check(self, place: str, value) -> None:
        content = value if isinstance(value, str) else str(value)
        tally = self.checked.setdefault(place, [0, 0, 0])
        tally[0] += 1
        tally[1] += len(content)
        for canary in self.canaries:
            at = content.find(canary)
            if at >= 0:
                tally[2] += 1
                self.leaks.append((place, content[max(0, at - 150):at + 40].replace(canary, "<CANARY>")))


@pytest.mark.slow
def test_canary_token_never_appears_outside_the_vault(session, engine, make_sandbox, tmp_path, database_url,
                                                      artifacts_dir, caplog, monkeypatch):
    caplog.set_level(logging.DEBUG)
    logs = tmp_path / "logs"
    logs.mkdir()
    sidecar = Sidecar(database_url, logs)
    try:
        sandbox = make_sandbox(accounts=2, posts_per_account=25, seed=3, image_px=160, fb_app_secret=FB_SECRET,
                               ig_app_secret=IG_SECRET, webhook_url=sidecar.url + WEBHOOK_PATH,
                               auto_subscribe=True, webhook_retry_seconds=(0.2, 0.5))
        world = build_world(session, engine, sandbox, tmp_path, database_url, meta_app_secret=FB_SECRET,
                            instagram_app_secret=IG_SECRET)
        connections = [world.connection, _connect_second(session, world, sandbox)]
        canaries = [decrypt_token(world.deps.vault, c).reveal() for c in connections]
        assert all(len(c) >= 16 for c in canaries) and canaries[0] != canaries[1]
        places = Places(canaries)
        _prove_the_grep_finds_it(canaries)
        _run_worker_subprocess(session, world, sandbox, connections, canaries, logs, tmp_path, database_url)
        _raise_graph_and_service_errors(session, world, sandbox, connections, canaries, places)
    finally:
        sidecar.close()
    for log_file in sorted(logs.glob("*.log")):
        places.check(f"worker subprocess stdout+stderr ({log_file.name})", log_file.read_text(errors="replace"))
    places.check("sidecar stdout (gunicorn)", sidecar.stdout_path.read_text(errors="replace"))
    places.check("sidecar stderr (gunicorn)", sidecar.stderr_path.read_text(errors="replace"))
    _render_every_page(session, database_url, tmp_path, monkeypatch, places)
    _dump_every_table(engine, places)
    places.check("captured logs of this process (caplog, DEBUG)", caplog.text)
    for record in caplog.records:
        places.check("captured log records: message, args, exc_text", f"{record.getMessage()} {record.exc_text}")
    _report(places, engine, artifacts_dir)


def _prove_the_grep_finds_it(canaries: list[str]) -> None:
    """A control: the same check does find a token where one is (so zero hits mean something)."""
    control = Places(canaries)
    control.check("control", f"GET /v25.0/me?access_token={canaries[1]} failed")
    assert len(control.leaks) == 1


def _connect_second(session, world, sandbox) -> InstagramConnection:
    """The other account (the other login flow) to a second store, through the real OAuth flow."""
    other = next(a for a in sandbox.accounts() if a["ig_user_id"] != world.account["ig_user_id"])
    deps = ConnectDeps(MetaLogin(world.settings), TokenVault(TEST_KEY), SystemClock())
    return connect_store(session, make_store(session, "Duka la Pili"), sandbox, other, actor=world.ops, deps=deps)


def _run_worker_subprocess(session, world, sandbox, connections, canaries, logs, tmp_path, database_url) -> None:
    """A real worker: webhook events, polls and a scan while Meta fails a third of media reads,
    then the first store's token is revoked (190) and a new comment makes it look again."""
    for connection in connections:
        posts = sandbox.app.config["SANDBOX"].world.accounts[connection.ig_user_id].media
        for post in posts[:6]:
            sandbox.comment(post.id, ["Bei gani?", "Iko size M?"])
    request_scan(session, world.ops, world.store.id, {"include_videos": True})
    sandbox.inject_fault("server_error", share=0.3, path="/media")
    env = worker_env(database_url, sandbox.url, tmp_path / "media", TEST_KEY, worker_event_lease_seconds=5,
                     worker_reap_interval_seconds=1, scan_lease_seconds=3, poll_interval_seconds=1,
                     poll_min_interval_seconds=0.5, poll_max_interval_seconds=2, poll_assumed_hourly_budget=100_000)
    worker = start_worker(env, logs, "canary-worker")
    try:
        _wait_for(lambda: _events(session) >= 24 and _open_events(session) == 0, 60, "the events to be handled")
        sandbox.clear_faults()
        sandbox.invalidate_token(canaries[0])
        posts = sandbox.app.config["SANDBOX"].world.accounts[connections[0].ig_user_id].media
        sandbox.comment(posts[-1].id, "Still available?")
        _wait_for(lambda: _connection_status(session, connections[0].id) != "active", 30,
                  "the worker to see the revoked token")
        time.sleep(1.0)
    finally:
        stop(worker)


def _events(session) -> int:
    session.expire_all()
    return len(session.scalars(select(InstagramWebhookEvent.id)).all())


def _open_events(session) -> int:
    return len(session.scalars(select(InstagramWebhookEvent.id).where(
        InstagramWebhookEvent.status.in_(("pending", "processing")))).all())


def _connection_status(session, connection_id: str) -> str:
    session.expire_all()
    return session.get(InstagramConnection, connection_id).status


def _wait_for(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _raise_graph_and_service_errors(session, world, sandbox, connections, canaries, places) -> None:
    """190, 500 and read timeouts through the Graph client, and 190 through the event importer."""
    sandbox.clear_faults()
    second = connections[1]
    media_id = sandbox.app.config["SANDBOX"].world.accounts[second.ig_user_id].media[0].id
    client = GraphClient.for_login_flow(world.settings, second.login_flow, canaries[1],
                                        account_id=second.ig_user_id, budget=BudgetTracker(), retry=QUICK,
                                        timeout=(1.0, 0.3))
    cases = [("500", "server_error", {}), ("read timeout", "timeout", {"delay_seconds": 1.0}),
             ("190 expired", "expired_token", {}), ("190 invalid", "invalid_token", {})]
    for label, kind, options in cases:
        sandbox.inject_fault(kind, count=50, **options)
        _check_raised(places, f"Graph client exception, {label}", lambda: client.get_media(media_id))
        _check_raised(places, f"Graph client exception, {label} (listing)",
                      lambda: list(client.list_media(second.ig_user_id)))
        sandbox.clear_faults()
    places.check("Graph client repr", repr(client) + repr(client.transport))
    sandbox.invalidate_token(canaries[1])
    importer = SyncImporter(world.deps)
    connection = session.get(InstagramConnection, second.id, populate_existing=True)
    _check_raised(places, "service exception, event importer with a revoked token (190)",
                  lambda: importer.import_event_media(session, connection, media_id))


def _check_raised(places: Places, place: str, call) -> None:
    try:
        call()
    except (GraphError, Exception) as error:  # noqa: B014 - any exception text is checked
        places.check(place, f"{error}\n{error!r}\n{error.args!r}\n" + "".join(traceback.format_exception(error)))
        return
    raise AssertionError(f"{place}: nothing was raised")


def _render_every_page(session, database_url, tmp_path, monkeypatch, places) -> None:
    """Every page of app.py's PAGES as ops, the element tree as text (protos and table values)."""
    make_ops(session, "canary-ops@vendly.test", "ops-pass-123")
    for name, value in {"DATABASE_URL": database_url, "TOKEN_ENCRYPTION_KEYS": TEST_KEY,
                        "MEDIA_DIR": str(tmp_path / "media")}.items():
        monkeypatch.setenv(name, value)
    from core.config import get_settings

    get_settings.cache_clear()
    get_engine.cache_clear()
    try:
        at = AppTest.from_file(APP, default_timeout=60)
        at.run()
        at.text_input(key="login_email").input("canary-ops@vendly.test")
        at.text_input(key="login_password").input("ops-pass-123")
        at.button[0].click()
        at.run()
        for path, title, _icon, roles in _app_pages():
            if "ops" not in roles:
                continue
            at.switch_page(path)
            at.run()
            assert not at.exception, (title, at.exception)
            places.check(f"page output: {title}", _tree_text(at))
    finally:
        get_settings.cache_clear()
        get_engine.cache_clear()


def _app_pages() -> list[tuple]:
    """PAGES from app.py, read without running it (importing the Streamlit entry runs the app)."""
    module = ast.parse(Path(APP).read_text())
    for node in module.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "PAGES" for t in node.targets):
            return ast.literal_eval(node.value)
    raise AssertionError("app.py has no PAGES list")


def _tree_text(at: AppTest) -> str:
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        value = getattr(node, "value", None) if type(node).__name__ == "Dataframe" else None
        if value is not None:
            parts.append(value.to_csv())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def _dump_every_table(engine, places) -> None:
    """`SELECT *` of every table in the database (not only the models'), each value as text."""
    with engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            if engine.dialect.name == "postgresql":
                rows = conn.execute(text(f'SELECT t::text FROM "{table}" AS t')).scalars().all()
            else:
                rows = [repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{table}"')).all()]
            places.check(f"database {engine.dialect.name}: table {table}", "\n".join(rows))
            places.checked[f"database {engine.dialect.name}: table {table}"][0] = len(rows)


def _report(places: Places, engine, artifacts_dir) -> None:
    table = Table("canary-token", f"Security: a canary access token in every place it must not be "
                  f"({engine.dialect.name})", ["place", "texts/rows", "characters", "canary found"],
                  "the canary (two store tokens issued over OAuth) is found nowhere")
    for place, (texts, characters, hits) in places.checked.items():
        table.add(place, texts, characters, hits)
    for place, context in places.leaks[:10]:
        table.add(f"LEAK: {place}", "", context, "")
    table.write(artifacts_dir, f"-{engine.dialect.name}")
    assert not places.leaks, places.leaks[:3]
    assert len(places.checked) >= 20
