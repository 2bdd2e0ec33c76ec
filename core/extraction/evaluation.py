"""Scoring extractors against labeled captions (`shared/eval/*.jsonl`).

What counts as right is chosen to mirror a reviewer: prices to the cent,
currency and category exactly, a name that a person would keep (token F1 >= 0.7
after case, plural and small-word normalisation, so "Maasai Sandals Handmade"
matches "Handmade Maasai Sandals"), and variants as a set. A draft is
"zero-edit" when every one of those fields is right; tags are reported but not
required, since reviewers treat them as suggestions.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from core.extraction.categories import singular
from core.extraction.schema import HIGH_CONFIDENCE, ExtractedProduct

TARGETS: dict[str, float] = {
    "is_product": 0.95, "price": 0.95, "currency": 0.97, "category": 0.90, "name": 0.80,
    "variants_f1": 0.80, "zero_edit": 0.70,
}
NAME_MATCH_F1 = 0.7
SCORED_FIELDS = ("is_product", "price", "compare_at_price", "currency", "category", "name")
_NAME_STOP = {"of", "for", "with", "by", "and", "the", "a", "an", "from", "in", "ya", "na", "wa", "set"}


@dataclass
class ItemScore:
    id: str
    expected_product: bool
    fields: dict[str, bool]
    tags_f1: float
    variants_f1: float
    confidence: float
    predicted: dict
    expected: dict

    @property
    def zero_edit(self) -> bool:
        if not self.expected_product:
            return self.fields["is_product"]
        return all(self.fields.values()) and self.variants_f1 == 1.0

    @property
    def errors(self) -> int:
        return sum(not ok for ok in self.fields.values()) + (self.variants_f1 < 1.0)


@dataclass
class EvalReport:
    items: list[ItemScore]
    seconds: float
    accuracy: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.accuracy = summarize(self.items)

    def failures(self) -> dict[str, tuple[float, float]]:
        """Metrics below their target: name -> (value, target)."""
        return {k: (self.accuracy[k], t) for k, t in TARGETS.items() if self.accuracy[k] < t}


def name_tokens(name: str) -> set[str]:
    words = re.findall(r"[a-z0-9]+", name.lower().replace("'s", ""))
    return {singular(w) for w in words if w not in _NAME_STOP}


def name_f1(predicted: str, expected: str) -> float:
    return set_f1(name_tokens(predicted), name_tokens(expected))


def set_f1(predicted: set, expected: set) -> float:
    if not predicted and not expected:
        return 1.0
    if not predicted or not expected:
        return 0.0
    hits = len(predicted & expected)
    if hits == 0:
        return 0.0
    precision, recall = hits / len(predicted), hits / len(expected)
    return 2 * precision * recall / (precision + recall)


def _variant_set(variants: Iterable[dict]) -> set[tuple[str, str]]:
    return {(v["option"].lower(), v["value"].lower().strip()) for v in variants}


def _tag_set(tags: Iterable[str]) -> set[str]:
    return {singular(t.lower().strip().lstrip("#")) for t in tags}


def _same_amount(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 0.01


def score_item(item_id: str, predicted: dict, expected: dict) -> ItemScore:
    """Per-field verdicts for one labeled caption."""
    fields = {
        "is_product": bool(predicted.get("is_product")) == bool(expected["is_product"]),
        "price": _same_amount(predicted.get("price"), expected.get("price")),
        "compare_at_price": _same_amount(predicted.get("compare_at_price"), expected.get("compare_at_price")),
        "currency": (predicted.get("currency") or None) == (expected.get("currency") or None),
        "category": (predicted.get("category") or None) == (expected.get("category") or None),
        "name": name_f1(predicted.get("name") or "", expected.get("name") or "") >= NAME_MATCH_F1,
    }
    return ItemScore(
        id=item_id, expected_product=bool(expected["is_product"]), fields=fields,
        tags_f1=set_f1(_tag_set(predicted.get("tags") or []), _tag_set(expected.get("tags") or [])),
        variants_f1=set_f1(_variant_set(predicted.get("variants") or []), _variant_set(expected.get("variants") or [])),
        confidence=float(predicted.get("confidence") or 0.0), predicted=predicted, expected=expected,
    )


def summarize(items: list[ItemScore]) -> dict[str, float]:
    """is_product over all posts; other fields over the posts that really are products."""
    products = [i for i in items if i.expected_product] or items
    result = {"is_product": _mean(i.fields["is_product"] for i in items)}
    for name in SCORED_FIELDS[1:]:
        result[name] = _mean(i.fields[name] for i in products)
    result["tags_f1"] = _mean(i.tags_f1 for i in products)
    result["variants_f1"] = _mean(i.variants_f1 for i in products)
    result["zero_edit"] = _mean(i.zero_edit for i in items)
    high = [i for i in items if i.confidence >= HIGH_CONFIDENCE]
    result["high_confidence_share"] = len(high) / len(items) if items else 0.0
    result["high_confidence_zero_edit"] = _mean(i.zero_edit for i in high)
    return result


def _mean(values: Iterable) -> float:
    values = list(values)
    return sum(float(v) for v in values) / len(values) if values else 0.0


def load_labeled(path: str | Path) -> list[dict]:
    """Lines of {id, caption, media_type, expected}; a bad line is an error, never skipped silently."""
    rows = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}:{number}: not JSON ({error.msg})") from error
        if "caption" not in row or "expected" not in row:
            raise ValueError(f"{path}:{number}: needs 'caption' and 'expected'")
        rows.append(row)
    return rows


def evaluate(rows: list[dict], extract: Callable[[dict], ExtractedProduct]) -> EvalReport:
    started = time.perf_counter()
    predictions = [extract(row) for row in rows]
    seconds = time.perf_counter() - started
    items = [
        score_item(str(row.get("id", n)), p.model_dump(mode="json"), row["expected"])
        for n, (row, p) in enumerate(zip(rows, predictions))
    ]
    return EvalReport(items=items, seconds=seconds)


def confusion(items: list[ItemScore]) -> Counter:
    return Counter((i.expected.get("category"), i.predicted.get("category")) for i in items if i.expected_product)


def format_report(report: EvalReport, worst: int = 8) -> str:
    acc = report.accuracy
    lines = [f"captions: {len(report.items)}   time: {report.seconds * 1000:.1f} ms", "", "metric               value   target"]
    for key in ("is_product", "price", "compare_at_price", "currency", "category", "name", "tags_f1", "variants_f1", "zero_edit"):
        target = TARGETS.get(key)
        mark = "" if target is None else ("  ok" if acc[key] >= target else "  BELOW TARGET")
        lines.append(f"{key:<20} {acc[key]:6.3f}   {'' if target is None else f'{target:.2f}'}{mark}")
    lines.append(
        f"high confidence (>= {HIGH_CONFIDENCE}): {acc['high_confidence_share']:.0%} of drafts, "
        f"{acc['high_confidence_zero_edit']:.0%} of them zero-edit"
    )
    lines += ["", "category confusion (expected -> predicted, errors only):"]
    errors = [(pair, n) for pair, n in confusion(report.items).most_common() if pair[0] != pair[1]]
    lines += [f"  {e} -> {p}: {n}" for (e, p), n in errors] or ["  none"]
    lines += ["", "worst cases:"]
    for item in sorted(report.items, key=lambda i: -i.errors)[:worst]:
        if item.errors == 0:
            break
        wrong = [f"{k}: {item.predicted.get(k)!r} != {item.expected.get(k)!r}" for k, ok in item.fields.items() if not ok]
        if item.variants_f1 < 1.0:
            wrong.append(f"variants F1 {item.variants_f1:.2f}")
        lines.append(f"  {item.id} (confidence {item.confidence:.2f}): " + "; ".join(wrong))
    return "\n".join(lines)
