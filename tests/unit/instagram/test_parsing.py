"""Graph media JSON → MediaItem, and paging helpers: pure, no HTTP."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from core.instagram.errors import PayloadInvalid
from core.instagram.parsing import (
    next_page_url,
    page_data,
    parse_account,
    parse_media,
    parse_timestamp,
    smaller_page,
    with_query,
)


def test_image_post():
    item = parse_media(
        {
            "id": "1789",
            "caption": "Gauni mpya KSh 1,500",
            "media_type": "IMAGE",
            "media_url": "https://cdn/1.jpg?oe=65",
            "permalink": "https://instagram.com/p/abc/",
            "timestamp": "2024-05-01T10:00:00+0000",
        }
    )
    assert item.id == "1789" and item.caption == "Gauni mpya KSh 1,500"
    assert item.media_urls == ("https://cdn/1.jpg?oe=65",)
    assert item.timestamp == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)
    assert item.children_ids == () and not item.is_carousel


def test_carousel_children_expanded_with_video_thumbnail_fallback():
    item = parse_media(
        {
            "id": "1",
            "media_type": "CAROUSEL_ALBUM",
            "media_url": "https://cdn/first.jpg",
            "timestamp": "2024-05-01T10:00:00+0000",
            "children": {
                "data": [
                    {"id": "c1", "media_type": "IMAGE", "media_url": "https://cdn/c1.jpg"},
                    {"id": "c2", "media_type": "VIDEO", "thumbnail_url": "https://cdn/c2-thumb.jpg"},
                    {"id": "c3", "media_type": "VIDEO"},
                ]
            },
        }
    )
    assert item.is_carousel
    assert item.children_ids == ("c1", "c2", "c3")
    assert item.media_urls == ("https://cdn/c1.jpg", "https://cdn/c2-thumb.jpg")
    assert item.caption == ""


def test_video_without_media_url_yields_thumbnail():
    item = parse_media(
        {"id": "9", "media_type": "VIDEO", "thumbnail_url": "https://cdn/t.jpg", "timestamp": "2024-05-01T10:00:00+0000"}
    )
    assert item.media_urls == ("https://cdn/t.jpg",)


def test_video_with_media_url_prefers_it():
    item = parse_media(
        {
            "id": "9",
            "media_type": "VIDEO",
            "media_url": "https://cdn/v.mp4",
            "thumbnail_url": "https://cdn/t.jpg",
            "timestamp": "2024-05-01T10:00:00+0000",
        }
    )
    assert item.media_urls == ("https://cdn/v.mp4",) and item.thumbnail_url == "https://cdn/t.jpg"


@pytest.mark.parametrize(
    "value",
    ["2024-05-01T13:00:00+0300", "2024-05-01T10:00:00Z", "2024-05-01T10:00:00+00:00"],
)
def test_timestamps_become_aware_utc(value):
    assert parse_timestamp(value) == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)


@pytest.mark.parametrize("value", [None, "", "yesterday", "2024-05-01T10:00:00", 1714557600])
def test_bad_timestamps_are_refused_clearly(value):
    with pytest.raises(PayloadInvalid):
        parse_timestamp(value)


@pytest.mark.parametrize(
    "raw",
    [None, [], {"caption": "no id", "timestamp": "2024-05-01T10:00:00+0000"}, {"id": "1"}],
)
def test_media_without_id_or_timestamp_is_refused(raw):
    with pytest.raises(PayloadInvalid):
        parse_media(raw)


def test_account_profile():
    profile = parse_account({"id": "178", "username": "duka_la_mama", "media_count": "42"})
    assert profile.username == "duka_la_mama" and profile.media_count == 42


def test_paging_helpers():
    assert next_page_url({"data": [], "paging": {"cursors": {"after": "x"}}}) is None
    assert next_page_url({"data": [], "paging": {"next": "https://g/next"}}) == "https://g/next"
    assert page_data({"data": [{"id": "1"}]}) == [{"id": "1"}]
    with pytest.raises(PayloadInvalid):
        page_data({"data": "nope"})


def test_with_query_replaces_one_parameter_and_keeps_the_rest():
    url = with_query("https://g/v25.0/1/media?limit=100&after=abc&fields=id", limit=50)
    assert "limit=50" in url and "after=abc" in url and "fields=id" in url


def test_smaller_page_halves_down_to_a_floor():
    sizes, size = [], 100
    while size is not None:
        sizes.append(size)
        size = smaller_page(size)
    assert sizes == [100, 50, 25, 12, 6, 5]
