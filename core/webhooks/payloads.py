"""Split one webhook delivery into one update per change, with a content-derived key.

Meta sends two shapes, both under `{"object": "instagram", "entry": [...]}`:
- Facebook Login: `entry[].changes[] = {"field", "value"}`;
- Instagram Login: `field` and `value` on the entry itself (and `messaging[]` for DMs).

One POST may carry up to 1000 updates. Meta sends no delivery id and retries the
same bytes for about 36 hours, so each update's `dedup_key` is a hash of what it
says (object, account, field, canonical value, entry time), never of when it came.

Anything well-signed that we cannot read is not dropped: the whole body, or the one
entry we could not read, becomes a `Quarantined` item kept for a person to look at.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

MAX_QUARANTINED_BODY_CHARS = 64_000
MAX_DEPTH = 100  # Meta's payloads nest about 6 deep; deeper is not Meta, and JSON tools recurse
NUL_REPLACEMENT = "\ufffd"


@dataclass(frozen=True)
class Update:
    """One change for one Instagram account, ready to store as a pending event."""

    object_type: str
    ig_user_id: str
    field: str
    value: Any
    entry_time: Any
    media_id: str | None
    dedup_key: str

    def payload(self) -> dict[str, Any]:
        return {"object": self.object_type, "entry": {"id": self.ig_user_id, "time": self.entry_time},
                "field": self.field, "value": self.value}


@dataclass(frozen=True)
class Quarantined:
    """Something well-signed we could not read: kept, with the reason, for a person."""

    reason: str
    raw: Any  # the entry (a JSON value) or the body text
    dedup_key: str
    object_type: str | None = None
    ig_user_id: str | None = None

    def payload(self) -> dict[str, Any]:
        return {"quarantine_reason": self.reason, "raw": self.raw}


@dataclass
class Delivery:
    updates: list[Update] = field(default_factory=list)
    quarantined: list[Quarantined] = field(default_factory=list)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _key(*parts: Any) -> str:
    return hashlib.sha256(canonical_json(list(parts)).encode()).hexdigest()


def split_delivery(body: bytes) -> Delivery:
    """Every update in the body, plus whatever could not be read (never raises)."""
    try:
        document = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return _quarantine_body(body, f"not JSON: {error}")
    except RecursionError:
        return _quarantine_body(body, "JSON nested too deeply to read")
    depth, has_nul = _shape_of(document)
    if depth > MAX_DEPTH:
        return _quarantine_body(body, f"JSON nested {depth} levels deep (more than {MAX_DEPTH})")
    if has_nul:
        document = _without_nul(document)
    if not isinstance(document, dict):
        return _quarantine_body(body, "the body is not a JSON object")
    object_type = document.get("object")
    if object_type != "instagram":
        return _quarantine_body(body, f"unknown object {object_type!r} (expected 'instagram')")
    entries = document.get("entry")
    if not isinstance(entries, list) or not entries:
        return _quarantine_body(body, "no 'entry' list")
    delivery = Delivery()
    for entry in entries:
        _split_entry(object_type, entry, delivery)
    return delivery


def _shape_of(document: Any) -> tuple[int, bool]:
    """How deep the document nests, and whether any string holds a NUL (walked without recursion)."""
    deepest, has_nul, stack = 0, False, [(document, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            deepest = max(deepest, depth)
            has_nul = has_nul or any("\x00" in k for k in value)
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            deepest = max(deepest, depth)
            stack.extend((v, depth + 1) for v in value)
        elif isinstance(value, str) and "\x00" in value:
            has_nul = True
    return deepest, has_nul


def _without_nul(value: Any) -> Any:
    """PostgreSQL's JSONB and text refuse NUL: keep everything else, with U+FFFD in its place.
    (The dedup key is taken after this, so Meta's retries of the same bytes still match.)"""
    if isinstance(value, str):
        return value.replace("\x00", NUL_REPLACEMENT)
    if isinstance(value, dict):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_nul(v) for v in value]
    return value


def _quarantine_body(body: bytes, reason: str) -> Delivery:
    text = body.decode("utf-8", errors="replace")[:MAX_QUARANTINED_BODY_CHARS].replace("\x00", NUL_REPLACEMENT)
    return Delivery(quarantined=[Quarantined(reason, text, _key("quarantine", body.hex()))])


def _split_entry(object_type: str, entry: Any, delivery: Delivery) -> None:
    ig_user_id = entry.get("id") if isinstance(entry, dict) else None
    if not isinstance(ig_user_id, (str, int)) or isinstance(ig_user_id, bool) or str(ig_user_id) == "":
        delivery.quarantined.append(_quarantine_entry(object_type, entry, "entry without an account id"))
        return
    ig_user_id = str(ig_user_id)
    if len(ig_user_id) > 64:
        delivery.quarantined.append(_quarantine_entry(object_type, entry, "account id longer than 64 characters"))
        return
    changes = _changes_of(entry)
    if changes is None:
        delivery.quarantined.append(
            _quarantine_entry(object_type, entry, "entry has neither changes[], field/value nor messaging[]",
                              ig_user_id))
        return
    for change in changes:
        if not isinstance(change, dict) or not isinstance(change.get("field"), str) or not change["field"]:
            delivery.quarantined.append(
                _quarantine_entry(object_type, {"id": ig_user_id, "change": change}, "change without a field",
                                  ig_user_id))
            continue
        delivery.updates.append(_update(object_type, ig_user_id, entry.get("time"), change))


def _changes_of(entry: dict) -> list[Any] | None:
    """The entry's changes in one list, whichever shape it came in."""
    if isinstance(entry.get("changes"), list):
        return entry["changes"]
    if "field" in entry and "value" in entry:
        return [{"field": entry["field"], "value": entry["value"]}]
    if isinstance(entry.get("messaging"), list):
        return [{"field": "messaging", "value": item} for item in entry["messaging"]]
    return None


def _quarantine_entry(object_type: str, entry: Any, reason: str, ig_user_id: str | None = None) -> Quarantined:
    return Quarantined(reason, entry, _key("quarantine", object_type, canonical_json(entry)),
                       object_type, ig_user_id)


def _update(object_type: str, ig_user_id: str, entry_time: Any, change: dict) -> Update:
    field_name, value = change["field"], change.get("value")
    return Update(
        object_type=object_type,
        ig_user_id=ig_user_id,
        field=field_name[:64],
        value=value,
        entry_time=entry_time,
        media_id=media_id_of(field_name, value),
        dedup_key=_key(object_type, ig_user_id, field_name, canonical_json(value), entry_time),
    )


def media_id_of(field_name: str, value: Any) -> str | None:
    """The media a change is about, if any: comments and live_comments carry `media.id`,
    mentions and story_insights `media_id`, and the seed's `media` field the post's `id`."""
    if not isinstance(value, dict):
        return None
    candidates = [value.get("media_id")]
    media = value.get("media")
    if isinstance(media, dict):
        candidates.append(media.get("id"))
    if field_name == "media":
        candidates.append(value.get("id"))
    for candidate in candidates:
        if isinstance(candidate, (str, int)) and not isinstance(candidate, bool) and str(candidate):
            return str(candidate)[:64]
    return None
