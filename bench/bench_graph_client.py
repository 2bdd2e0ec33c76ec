"""Benchmark: Graph calls and speed of listing an account's posts through `GraphClient`.

Starts a local Meta sandbox (one account, 1,000 posts, a third of them carousels)
over real HTTP and prints:
1. calls made by the seed plan (25 per page, one `/children` call per carousel)
   and by `GraphClient.list_media` (100 per page, children expanded), as counted
   by the sandbox itself, and calls per 100 posts;
2. posts listed per second by `GraphClient.list_media` on this machine.

Run: .venv/bin/python bench/bench_graph_client.py [--posts 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import logging
import socket
import sys
import threading
import time
from pathlib import Path

import requests
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from core.instagram import BudgetTracker, GraphClient  # noqa: E402
from sandbox.app import create_app  # noqa: E402
from sandbox.config import SandboxConfig  # noqa: E402

SEED_FIELDS = "id,caption,media_type,media_url,permalink,timestamp"
CHILD_FIELDS = "id,media_type,media_url,thumbnail_url"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_sandbox(posts: int) -> tuple[str, SandboxConfig, object]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    config = SandboxConfig(
        accounts=1, posts_per_account=posts, seed=7, public_url=url, carousel_share=1 / 3, budget_override=10**9
    )
    server = make_server("127.0.0.1", port, create_app(config), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return url, config, server


def sandbox_calls(url: str) -> int:
    return int(requests.get(f"{url}/_sandbox/stats", timeout=10).json()["total"])


def reset_calls(url: str) -> None:
    requests.post(f"{url}/_sandbox/stats/reset", timeout=10).raise_for_status()


def seed_plan_listing(url: str, version: str, ig_user_id: str, token: str) -> tuple[int, int]:
    """The seed plan: 25 posts per page, then one `/children` call per carousel."""
    session = requests.Session()
    posts = carousels = 0
    next_url: str | None = f"{url}/{version}/{ig_user_id}/media"
    params: dict | None = {"fields": SEED_FIELDS, "limit": 25, "access_token": token}
    while next_url:
        page = session.get(next_url, params=params, timeout=30).json()
        params = None
        for post in page.get("data", []):
            posts += 1
            if post.get("media_type") == "CAROUSEL_ALBUM":
                carousels += 1
                session.get(
                    f"{url}/{version}/{post['id']}/children",
                    params={"fields": CHILD_FIELDS, "access_token": token},
                    timeout=30,
                ).raise_for_status()
        next_url = (page.get("paging") or {}).get("next")
    return posts, carousels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines in the figures

    url, config, server = start_sandbox(args.posts)
    try:
        account = requests.get(f"{url}/_sandbox/accounts", timeout=10).json()[0]
        secret = config.fb_app_secret if account["login"] == "facebook" else config.ig_app_secret
        ig_id, token = account["ig_user_id"], account["access_token"]

        reset_calls(url)
        seed_posts, carousels = seed_plan_listing(url, config.api_version, ig_id, token)
        seed_calls = sandbox_calls(url)

        budget = BudgetTracker()
        client = GraphClient(
            base_url=url, api_version=config.api_version, access_token=token, app_secret=secret,
            account_id=ig_id, budget=budget,
        )
        reset_calls(url)
        items = list(client.list_media(ig_id))
        client_calls = sandbox_calls(url)
        expanded = sum(1 for item in items if item.is_carousel and item.children)

        print(f"account: {args.posts} posts, {carousels} carousels ({carousels / max(seed_posts, 1):.0%})")
        print(f"seed plan (25/page + /children per carousel): {seed_calls} calls, "
              f"{100 * seed_calls / max(seed_posts, 1):.2f} calls per 100 posts")
        print(f"GraphClient.list_media (100/page, children expanded): {client_calls} calls "
              f"(budget tracker counted {budget.total_calls(ig_id)}), "
              f"{100 * client_calls / max(len(items), 1):.2f} calls per 100 posts; "
              f"{len(items)} posts, {expanded} carousels with children in the listing")

        started = time.perf_counter()
        listed = 0
        for _ in range(args.rounds):
            listed += sum(1 for _ in client.list_media(ig_id))
        elapsed = time.perf_counter() - started
        print(f"throughput: {listed} posts in {elapsed:.2f} s over {args.rounds} rounds = "
              f"{listed / elapsed:,.0f} posts/s ({1000 * elapsed / (args.rounds * client_calls):.1f} ms per page call)")
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
