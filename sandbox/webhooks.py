"""Webhook deliveries the way Meta sends them: signed, batched and retried.

- Body: `{"object": "instagram", "entry": [...]}`. Accounts reached through Facebook
  Login get `entry[].changes[] = {"field", "value"}`; accounts on Instagram Login get
  `field`/`value` on the entry itself.
- Signature: `X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body keyed with the
  app secret>` (the Facebook app's secret or the Instagram app's, by login flow), plus
  the legacy `X-Hub-Signature: sha1=...`.
- Updates raised close together go out in one POST (several entries).
- A delivery that fails (no answer, or not 2xx) is sent again, byte for byte, after
  each of `retry_seconds`; Meta keeps trying for about 36 hours and sends no delivery id.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
from dataclasses import dataclass

import requests


@dataclass
class Update:
    login: str  # "facebook" or "instagram"
    ig_user_id: str
    field: str
    value: dict
    time: int


def build_payload(updates: list[Update]) -> dict:
    """One body for updates of one login flow; Facebook-flow changes of one account share an entry."""
    entries: list[dict] = []
    by_account: dict[str, dict] = {}
    for update in updates:
        if update.login == "instagram":
            entries.append({"id": update.ig_user_id, "time": update.time, "field": update.field,
                            "value": update.value})
            continue
        entry = by_account.get(update.ig_user_id)
        if entry is None:
            entry = {"id": update.ig_user_id, "time": update.time, "changes": []}
            by_account[update.ig_user_id] = entry
            entries.append(entry)
        entry["changes"].append({"field": update.field, "value": update.value})
    return {"object": "instagram", "entry": entries}


def sign(body: bytes, secret: str) -> dict[str, str]:
    return {
        "X-Hub-Signature-256": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
        "X-Hub-Signature": "sha1=" + hmac.new(secret.encode(), body, hashlib.sha1).hexdigest(),
    }


class WebhookEmitter:
    def __init__(self, url: str | None, secrets: dict[str, str], retry_seconds: tuple[float, ...],
                 batch_window: float, stopping: threading.Event):
        self.url = url
        self.secrets = secrets
        self.retry_seconds = tuple(retry_seconds)
        self.batch_window = batch_window
        self.stopping = stopping
        self.deliveries: list[dict] = []
        self._queue: queue.Queue[Update] = queue.Queue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def emit(self, updates: list[Update]) -> None:
        if not self.url or not updates:
            return
        self._ensure_thread()
        for update in updates:
            self._queue.put(update)

    def log(self) -> list[dict]:
        with self._lock:
            return [dict(d) for d in self.deliveries]

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            try:
                first = self._queue.get(timeout=0.2)
            except queue.Empty:
                continue
            batch = [first]
            deadline = time.monotonic() + self.batch_window
            while (left := deadline - time.monotonic()) > 0:
                try:
                    batch.append(self._queue.get(timeout=left))
                except queue.Empty:
                    break
            for login in ("facebook", "instagram"):
                group = [u for u in batch if u.login == login]
                if group:
                    self._start_delivery(login, group)

    def _start_delivery(self, login: str, updates: list[Update]) -> None:
        body = json.dumps(build_payload(updates), separators=(",", ":")).encode()
        record = {"id": len(self.deliveries) + 1, "login": login, "body": body.decode(), "attempts": [],
                  "delivered": False, "gave_up": False}
        with self._lock:
            self.deliveries.append(record)
        headers = {"Content-Type": "application/json", "User-Agent": "facebookexternalua",
                   **sign(body, self.secrets[login])}
        threading.Thread(target=self._deliver, args=(record, body, headers), daemon=True).start()

    def _deliver(self, record: dict, body: bytes, headers: dict) -> None:
        for attempt, wait in enumerate((0.0, *self.retry_seconds)):
            if wait and self.stopping.wait(wait):
                return
            status, error = self._post_once(body, headers)
            with self._lock:
                record["attempts"].append({"status": status, "error": error, "at": time.time()})
                if status is not None and 200 <= status < 300:
                    record["delivered"] = True
                    return
        with self._lock:
            record["gave_up"] = True

    def _post_once(self, body: bytes, headers: dict) -> tuple[int | None, str | None]:
        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=(2, 20))
            return response.status_code, None
        except requests.RequestException as exc:
            return None, type(exc).__name__
