"""A short, Title Case product name from the caption's first words.

Sellers lead with the product ("Kitenge maxi dresses 😍 bei ni 3.5k"), so the
name is the first line cut at the first emoji, price or clause break, without
shop filler ("NEW IN", "Mzigo mpya"), prices, phone numbers or hashtags.
"""

from __future__ import annotations

import re
import unicodedata

from core.extraction.variants import MATERIALS

MAX_WORDS = 8
MAX_CHARS = 70

_LEADING_FILLER = re.compile(
    r"^\s*(?:(?:back\s+to\s+school|christmas|easter|black\s+friday|weekend|holiday|festive|eid|valentines?|"
    r"mega|special|closing|clearance)\s+(?:offers?|sales?|deals?|promo)|new\s+in|new\s+arrivals?|just\s+in|just\s+landed|restocked|back\s+in\s+stock|hot\s+deal|"
    r"flash\s+sale|sale|offer|promo|mzigo\s+mpya(?:\s+umefika)?|now\s+available|available\s+now|available|"
    r"fresh\s+stock|new\s+stock|brand\s+new|in\s+stock|limited\s+offer|get\s+yours|shop\s+now|dm\s+to\s+order|"
    r"(?:dm|inbox|call|whatsapp)\s+(?:us\s+)?for\s+(?:the\s+)?price|price\s+inbox|bei\s+inbox)\b[\s:!.,\-–]*",
    re.IGNORECASE,
)
_PRICE_PHRASE = re.compile(
    r"(?:\b\d+\s+for\s+)?(?:(?:ksh|kshs|kes|ugx|ushs|tsh|tzs|usd|sh|shs|bei(?:\s+ni)?|price|@|\$)\.?\s*[:\-]?\s*)"
    r"\d[\d,\.]*\s?k?\b(?:\s?/=|\s?/-)?(?:\s*only)?|\b\d[\d,\.]*\s?k?\s?(?:/=|/-|bob\b)|\b\d+\s+for\s+\d[\d,\.]*k?\b[!]*",
    re.IGNORECASE,
)
_MULTIPLIER = re.compile(r"\b\d+\s[x×]\s(?=\d)", re.IGNORECASE)
_MODEL_LIST_TAIL = re.compile(r"(?<![\d/])\s?\d{1,3}(?:/\d{1,3})+\b")
_BREAK = re.compile(r"[\n.!?,;|:(\[]|\s[-–—]\s|\s{2,}")
_QUOTED = re.compile(r"['\"‘“]([A-Za-z][^'\"’”]{2,40})['\"’”]")
_UNIT_TOKEN = re.compile(r"^\d+(?:\.\d+)?(?:g|kg|ml|l|ltr|litres?|cm|mm|inch|gb|tb|mah|w|pcs)$", re.IGNORECASE)
_SMALL_WORDS = {"of", "for", "with", "by", "and", "the", "a", "an", "in", "on", "ya", "na", "wa", "la", "za", "from", "to"}
_TRAILING_JUNK = {"only", "each", "at", "for", "and", "with", "now", "was", "from", "the", "bei", "ni", "price", "is", "in"}


def is_emoji(char: str) -> bool:
    if char in "\u200d\ufe0f":
        return True
    category = unicodedata.category(char)
    return category == "So" or (category == "Sk" and ord(char) > 0x2000) or 0x1F000 <= ord(char) <= 0x1FAFF


def strip_emojis(text: str) -> str:
    return "".join(" " if is_emoji(c) else c for c in text)


def extract_name(caption: str, unit_hint: str | None = None) -> str:
    """The product name, or "" when nothing usable leads the caption."""
    first_line = next((line for line in caption.splitlines() if _has_words(line)), "")
    segments = _segments_by_emoji(_drop_prices_and_filler(first_line))
    if not segments:
        return ""
    head = _clean(segments[0])
    if len(head.split()) <= 2 and len(segments) > 1:
        head = _with_continuation(head, _clean(segments[1]))
    quoted = _QUOTED.search(first_line)
    if quoted and quoted.group(1).lower() not in head.lower() and len(quoted.group(1).split()) <= 5:
        head = f"{quoted.group(1)} {head}"
    if unit_hint and unit_hint.lower() not in head.lower():
        head = f"{head} {unit_hint}"
    return title_case(_units_last(head))[:MAX_CHARS].strip()


def _has_words(line: str) -> bool:
    return bool(re.search(r"[A-Za-z]{3}", _LEADING_FILLER.sub("", strip_emojis(line).strip())))


def _drop_prices_and_filler(line: str) -> str:
    line = re.sub(r"#\w+", " ", line)
    line = _PRICE_PHRASE.sub(" \U0001F4B2 ", line)  # a price ends a segment like an emoji does
    line = _MULTIPLIER.sub("", line)
    line = _MODEL_LIST_TAIL.sub("", line)
    for _ in range(2):
        stripped = strip_emojis(line).strip()
        cleaned = _LEADING_FILLER.sub("", stripped)
        if cleaned == stripped:
            break
        line = cleaned
    return line


def _segments_by_emoji(line: str) -> list[str]:
    """Pieces of the line between emojis/prices, each cut at its first clause break."""
    pieces, current = [], []
    for char in line:
        if is_emoji(char):
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    segments = []
    for piece in pieces:
        cut = _BREAK.split(piece.strip(), maxsplit=1)[0].strip()
        if re.search(r"[A-Za-z]{2}", cut):
            segments.append(cut)
    return segments


def _clean(segment: str) -> str:
    words = segment.replace("—", " ").split()
    while words and words[-1].lower().strip(".,!") in _TRAILING_JUNK:
        words.pop()
    return " ".join(words[:MAX_WORDS])


def _with_continuation(head: str, tail: str) -> str:
    """Short heads borrow a describing phrase from after the emoji: a proper name or a material."""
    if not tail or len(tail.split()) > 4:
        return head
    proper = all(w[0].isupper() or w[0].isdigit() for w in tail.split())
    material = any(re.search(rf"\b{re.escape(m)}\b", tail.lower()) for m in MATERIALS)
    if not (proper or material):
        return head
    head_words = {w.lower() for w in head.split()}
    tail_words = [w for w in tail.split() if w.lower() not in head_words]
    if material and not proper:
        kept = [w for w in head.split() if w.lower() not in {t.lower() for t in tail.split()}]
        return " ".join(tail.split() + kept)
    return " ".join(tail_words + head.split())


def _units_last(name: str) -> str:
    words = name.split()
    units = [w for w in words if _UNIT_TOKEN.match(w)]
    others = [w for w in words if not _UNIT_TOKEN.match(w)]
    return " ".join(others + units) if others else name


def title_case(name: str) -> str:
    """Title Case that keeps brand casing (iPhone, JBL, FreePods) and units (500g, 20000mAh)."""
    words = name.split()
    shouting = sum(1 for w in words if w.isupper() and len(w) > 3) > len(words) / 2
    result = []
    for index, word in enumerate(words):
        result.append(_title_word(word, index == 0, shouting))
    return " ".join(result)


def _title_word(word: str, first: bool, shouting: bool) -> str:
    if any(c.isdigit() for c in word):
        return word
    if not first and word.lower() in _SMALL_WORDS:
        return word.lower()
    if shouting and word.isupper() and len(word) > 3:
        return word.capitalize()
    if any(c.isupper() for c in word[1:]) or (word.isupper() and len(word) <= 4):
        return word  # iPhone, FreePods, JBL, HP, AA
    return "-".join(part[:1].upper() + part[1:] for part in word.split("-"))
