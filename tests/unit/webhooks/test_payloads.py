"""Splitting deliveries: both of Meta's shapes, content-derived keys, and quarantine."""

import json

from hypothesis import given
from hypothesis import strategies as st

from core.webhooks.payloads import canonical_json, media_id_of, split_delivery


def body(document) -> bytes:
    return json.dumps(document).encode()


FACEBOOK_SHAPE = {
    "object": "instagram",
    "entry": [
        {"id": "1784100", "time": 1764200000, "changes": [
            {"field": "comments", "value": {"id": "c1", "text": "price?", "media": {"id": "m1"}}},
            {"field": "mentions", "value": {"media_id": "m2", "comment_id": "c2"}},
        ]},
        {"id": "1784200", "time": 1764200001, "changes": [{"field": "media", "value": {"id": "m3"}}]},
    ],
}
INSTAGRAM_SHAPE = {
    "object": "instagram",
    "entry": [{"id": "9001", "time": 1764200002, "field": "comments",
               "value": {"id": "c9", "media": {"id": "m9", "media_product_type": "FEED"}}}],
}


def test_facebook_login_shape_gives_one_update_per_change():
    delivery = split_delivery(body(FACEBOOK_SHAPE))
    assert not delivery.quarantined
    assert [(u.ig_user_id, u.field, u.media_id) for u in delivery.updates] == [
        ("1784100", "comments", "m1"), ("1784100", "mentions", "m2"), ("1784200", "media", "m3")]
    assert len({u.dedup_key for u in delivery.updates}) == 3


def test_instagram_login_shape_reads_field_and_value_on_the_entry():
    [update] = split_delivery(body(INSTAGRAM_SHAPE)).updates
    assert (update.ig_user_id, update.field, update.media_id) == ("9001", "comments", "m9")
    assert update.payload()["value"]["id"] == "c9"


def test_messaging_items_become_updates_without_media():
    delivery = split_delivery(body({"object": "instagram", "entry": [
        {"id": "5", "time": 1, "messaging": [{"sender": {"id": "a"}}, {"sender": {"id": "b"}}]}]}))
    assert [(u.field, u.media_id) for u in delivery.updates] == [("messaging", None), ("messaging", None)]


def test_the_same_content_gives_the_same_key_whatever_the_key_order():
    again = json.loads(json.dumps(FACEBOOK_SHAPE))
    again["entry"][0]["changes"][0]["value"] = {"media": {"id": "m1"}, "text": "price?", "id": "c1"}
    first = [u.dedup_key for u in split_delivery(body(FACEBOOK_SHAPE)).updates]
    assert first == [u.dedup_key for u in split_delivery(body(again)).updates]


def test_a_different_time_or_value_gives_a_different_key():
    later = json.loads(json.dumps(INSTAGRAM_SHAPE))
    later["entry"][0]["time"] += 1
    other = json.loads(json.dumps(INSTAGRAM_SHAPE))
    other["entry"][0]["value"]["id"] = "c10"
    keys = {split_delivery(body(d)).updates[0].dedup_key for d in (INSTAGRAM_SHAPE, later, other)}
    assert len(keys) == 3


def test_unreadable_bodies_are_quarantined_whole():
    for raw, reason in [
        (b"", "not JSON"), (b"{not json", "not JSON"), (b"\xff\xfe", "not JSON"),
        (b"[1, 2]", "not a JSON object"), (body({"object": "page", "entry": []}), "unknown object"),
        (body({"object": "instagram"}), "no 'entry'"), (body({"object": "instagram", "entry": []}), "no 'entry'"),
    ]:
        delivery = split_delivery(raw)
        assert not delivery.updates
        [item] = delivery.quarantined
        assert reason in item.reason, raw


def test_a_bad_entry_is_quarantined_and_the_good_ones_kept():
    delivery = split_delivery(body({"object": "instagram", "entry": [
        INSTAGRAM_SHAPE["entry"][0], {"time": 3}, {"id": "7"}, "junk",
        {"id": "8", "changes": [{"value": {}}, {"field": "comments", "value": {"media": {"id": "m8"}}}]},
    ]}))
    assert [u.media_id for u in delivery.updates] == ["m9", "m8"]
    assert [q.reason for q in delivery.quarantined] == [
        "entry without an account id", "entry has neither changes[], field/value nor messaging[]",
        "entry without an account id", "change without a field"]


def test_media_id_comes_from_where_each_field_puts_it():
    assert media_id_of("comments", {"id": "c", "media": {"id": "m"}}) == "m"
    assert media_id_of("story_insights", {"media_id": 17}) == "17"
    assert media_id_of("media", {"id": "m5"}) == "m5"
    assert media_id_of("comments", {"id": "c"}) is None
    assert media_id_of("comments", ["not", "a", "dict"]) is None


def test_a_thousand_updates_split_into_a_thousand():
    entries = [{"id": str(n % 7), "time": n, "changes": [{"field": "comments", "value": {"id": f"c{n}"}}]}
               for n in range(1000)]
    delivery = split_delivery(body({"object": "instagram", "entry": entries}))
    assert len(delivery.updates) == 1000 and len({u.dedup_key for u in delivery.updates}) == 1000


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=10,
)


@given(st.binary(max_size=200))
def test_any_bytes_are_split_or_quarantined_never_raised(raw):
    delivery = split_delivery(raw)
    assert delivery.updates or delivery.quarantined


@given(json_values)
def test_any_json_document_is_accounted_for(document):
    delivery = split_delivery(canonical_json(document).encode())
    assert delivery.updates or delivery.quarantined


@given(st.lists(st.tuples(st.text(min_size=1, max_size=6), st.text(min_size=1, max_size=6), json_values),
                min_size=1, max_size=20))
def test_every_change_is_one_update_or_one_quarantined_item(changes):
    entries = [{"id": user, "time": 1, "changes": [{"field": f, "value": v}]} for user, f, v in changes]
    delivery = split_delivery(body({"object": "instagram", "entry": entries}))
    assert len(delivery.updates) + len(delivery.quarantined) == len(changes)


def test_absurd_nesting_is_quarantined_not_raised():
    for levels in (150, 100_000):
        raw = ('{"object":"instagram","entry":[{"id":"1","time":1,"changes":[{"field":"comments","value":'
               + "[" * levels + "]" * levels + "}]}]}").encode()
        [item] = split_delivery(raw).quarantined
        assert "nested" in item.reason


def test_nul_characters_are_replaced_so_postgresql_can_store_them():
    document = {"object": "instagram", "entry": [{"id": "1", "time": 2, "changes": [
        {"field": "comments", "value": {"text": "a\u0000b", "media": {"id": "m"}}}]}]}
    [update] = split_delivery(body(document)).updates
    assert update.value["text"] == "a\ufffdb"
    assert update.dedup_key == split_delivery(body(document)).updates[0].dedup_key
    [item] = split_delivery(b'{"object":\x00"instagram"}').quarantined
    assert "\x00" not in item.raw
