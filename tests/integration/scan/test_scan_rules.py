"""The pure scan rules: options, what the options leave out, the time estimate."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from core.errors import ValidationFailed
from core.instagram import MediaItem
from core.services.bulk_import.importing import image_urls, source_fingerprint
from core.instagram.parsing import MediaChild
from core.services.bulk_import.scan import ScanOptions, oldest_wanted, parse_scan_options, seconds_left, skip_reason

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)


def item(media_type="IMAGE", days_old=1, **kw) -> MediaItem:
    return MediaItem(id=kw.pop("id", "1"), media_type=media_type, caption=kw.pop("caption", "Dress Ksh 1,500"),
                     timestamp=NOW - timedelta(days=days_old), media_urls=kw.pop("media_urls", ("https://a/1.jpg",)),
                     **kw)


def test_defaults_leave_videos_out_and_keep_carousels():
    options = parse_scan_options({})
    assert skip_reason(item("VIDEO"), options, None) == "video"
    assert skip_reason(item("CAROUSEL_ALBUM"), options, None) is None
    assert skip_reason(item("IMAGE"), options, None) is None


def test_carousels_can_be_left_out_and_videos_taken():
    options = ScanOptions(include_videos=True, include_carousels=False)
    assert skip_reason(item("CAROUSEL_ALBUM"), options, None) == "carousel"
    assert skip_reason(item("VIDEO"), options, None) is None


def test_months_window():
    options = ScanOptions(months=3)
    cutoff = oldest_wanted(options, NOW)
    assert skip_reason(item(days_old=80), options, cutoff) is None
    assert skip_reason(item(days_old=100), options, cutoff) == "older"
    assert oldest_wanted(ScanOptions(), NOW) is None


@pytest.mark.parametrize(
    "raw, field",
    [({"limit": 0}, "limit"), ({"limit": 10_001}, "limit"), ({"months": 0}, "months"),
     ({"months": "soon"}, "months"), ({"color": "red"}, "color"), ({"include_videos": "perhaps"}, "include_videos")],
)
def test_bad_options_name_the_field(raw, field):
    with pytest.raises(ValidationFailed) as caught:
        parse_scan_options(raw)
    assert field in caught.value.errors


def test_time_left_estimate():
    assert seconds_left(0, 100, 10) is None
    assert seconds_left(25, 100, 10) == pytest.approx(30)
    assert seconds_left(100, 100, 40) == 0


def test_video_images_are_their_thumbnails():
    video = item("VIDEO", media_urls=("https://a/v.mp4",), thumbnail_url="https://a/v.jpg")
    assert image_urls(video) == ["https://a/v.jpg"]
    album = item("CAROUSEL_ALBUM", media_urls=("https://a/1.jpg", "https://a/2.mp4"), children=(
        MediaChild("c1", "IMAGE", "https://a/1.jpg"), MediaChild("c2", "VIDEO", "https://a/2.mp4", "https://a/2.jpg")))
    assert image_urls(album) == ["https://a/1.jpg", "https://a/2.jpg"]


def test_fingerprint_follows_the_caption():
    assert source_fingerprint(item(caption="a")) != source_fingerprint(item(caption="b"))
    assert source_fingerprint(item(caption="a")) == source_fingerprint(item(caption="a", days_old=9))
