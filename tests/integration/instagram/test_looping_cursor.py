"""A Graph peer whose `paging.next` goes back to a page already read: the listing ends, each post once.

Meta's cursors have been seen to repeat; a listing that followed them would never end. This
peer is a real HTTP server (werkzeug) answering the shape Meta answers."""

from __future__ import annotations

import json
import threading
from itertools import islice

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from core.instagram import BudgetTracker, GraphClient


def _post(n: int) -> dict:
    return {"id": f"1790000000000{n:04d}", "media_type": "IMAGE", "caption": f"Kikoi no. {n}",
            "media_url": f"https://scontent.cdninstagram.com/{n}.jpg", "timestamp": f"2026-11-{30 - n:02d}T10:00:00+0000"}


@pytest.fixture
def looping_graph():
    pages = {"": [_post(1), _post(2)], "p2": [_post(3), _post(4)]}

    @Request.application
    def app(request: Request) -> Response:
        after = request.args.get("after", "")
        base = f"http://127.0.0.1:{server.server_port}/v25.0/178/media"
        next_cursor = "p2" if after == "" else ""  # page two points back at page one, for ever
        body = {"data": pages[after], "paging": {"cursors": {"after": next_cursor or "p1"},
                                                 "next": f"{base}?limit=2&after={next_cursor}"}}
        return Response(json.dumps(body), mimetype="application/json")

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_cursor_that_goes_back_ends_the_listing_without_repeats(looping_graph):
    client = GraphClient(base_url=looping_graph, api_version="v25.0", access_token="t0ken", account_id="178",
                         budget=BudgetTracker())
    listed = [item.id for item in islice(client.list_media("178", page_size=2), 20)]  # 20: a loop fails, not hangs
    assert listed == [_post(n)["id"] for n in (1, 2, 3, 4)]
