"""A short, Title Case product name from the caption's first line.

The first line is cut into segments at emojis, prices and clause breaks, without
shop filler ("NEW IN", "Mzigo mpya"), prices, ages, phone numbers or hashtags.
Sellers usually lead with the product ("Kitenge maxi dresses 😍 bei ni 3.5k"),
but often open with hype ("Bei poa!", "Order yours now!"), so the name is the
first segment that names a product (a vocabulary word of weight 3+), else the
one with the strongest product word; segments of pure hype are dropped.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from core.extraction.categories import product_strength
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
    r"(?:\b\d+\s+for\s+)?(?:(?:ksh|kshs|kes|ugx|ushs|tsh|tzs|rwf|frw|etb|usd|sh|shs|bei(?:\s+ni)?|price|@|\$)\.?\s*[:\-]?\s*)"
    r"\d[\d,\.]*\s?k?\b(?:\s?/=|\s?/-)?(?:\s*(?:only|tu|pekee|each))?"
    r"|\b\d[\d,\.]*\s?k?\s?(?:/=|/-|bob\b|ksh\b|kes\b|ugx\b|tzs\b|rwf\b|frw\b|usd\b)(?:\s*(?:only|tu|pekee|each))?"
    r"|\b\d+\s+for\s+\d[\d,\.]*k?\b[!]*",
    re.IGNORECASE,
)
# "for ages 3-6", "age 3+", "aged 2 to 5 years", "3-6 yrs": who it is for, not what it is.
_AGE_PHRASE = re.compile(
    r"\b(?:for\s+)?(?:ages?|aged)\s*\d+(?:\s*(?:-|–|to)\s*\d+)?\+?(?:\s*(?:years?|yrs?)(?:\s+old)?)?"
    r"|\b(?:for\s+)?\d+\s*(?:-|–|to)\s*\d+\s*(?:years?|yrs?)(?:\s+old)?",
    re.IGNORECASE,
)
# "Tote bags by Amani Crafts": the seller, not part of the product (kept for books: "Becoming by Michelle Obama").
_BY_SELLER = re.compile(r"\s+by\s+(?:@\w+|[A-Z]).*$")
_HYPE_WORDS = frozenset({
    "bei", "poa", "order", "yours", "now", "today", "sheng", "hii", "ni", "fiti", "sana", "kali", "tu", "only", "pekee",
    "wow", "hurry", "grab", "get", "limited", "stock", "sale", "offer", "deal", "deals", "hot", "new", "karibu",
    "hello", "hi", "hey", "habari", "fam", "guys", "year-end", "mega", "big", "best", "price", "prices", "cheap",
    "affordable", "quality", "original", "hapa", "leo", "sasa", "ndio", "hizi", "hizo", "za", "ya", "kwa", "and",
})
# A segment that lists options or contacts ("Sizes 8-16", "Colours"), never part of a name.
_OPTION_LEAD = re.compile(r"^(?:sizes?|saizi|colou?rs?|rangi|shades?|bei|price|call|whatsapp|delivery)\b", re.IGNORECASE)
_MULTIPLIER = re.compile(r"\b\d+\s[x×]\s(?=\d)", re.IGNORECASE)
_MODEL_LIST_TAIL = re.compile(r"(?<![\d/])\s?\d{1,3}(?:/\d{1,3})+\b")
_BREAK = re.compile(r"[\n!?,;|:(\[]|\.(?!\d)|(?<!\d)\.|\s[-–—]\s|\s{2,}")  # "1.5L" is not a break
_UNIT_TOKEN = re.compile(r"^\d+(?:\.\d+)?(?:g|kg|ml|l|ltr|litres?|cm|mm|inch|gb|tb|mah|w|pcs)$", re.IGNORECASE)
_SMALL_WORDS = {"of", "for", "with", "by", "and", "the", "a", "an", "in", "on", "ya", "na", "wa", "la", "za", "from", "to"}
_TRAILING_JUNK = {"only", "each", "at", "for", "and", "with", "now", "was", "from", "the", "bei", "ni", "price", "is", "in"}


@lru_cache(maxsize=4096)  # called for every character of every caption; captions use few distinct ones
def is_emoji(char: str) -> bool:
    if char in "\u200d\ufe0f":
        return True
    category = unicodedata.category(char)
    return category == "So" or (category == "Sk" and ord(char) > 0x2000) or 0x1F000 <= ord(char) <= 0x1FAFF


def strip_emojis(text: str) -> str:
    return "".join(" " if is_emoji(c) else c for c in text)


def extract_name(caption: str, unit_hint: str | None = None, is_book: bool = False) -> str:
    """The product name, or "" when nothing usable leads the caption.

    A book's name is its title, which no vocabulary knows, so for books the first
    segment wins and keeps its "by Author".
    """
    first_line = next((line for line in caption.splitlines() if _has_words(line)), "")
    pieces = _segments_by_emoji(_drop_prices_and_filler(first_line))
    if not pieces:
        return ""
    index = 0 if is_book else _product_segment([text for _, text in pieces])
    head = _clean(pieces[index][1], is_book)
    following = next((text for number, text in pieces[index + 1:] if number > pieces[index][0]), None)
    if following is not None and len(head.split()) <= 2:
        head = _with_continuation(head, _clean(following, is_book))  # across an emoji: "Perfume oil 💐 Oud Al Layl"
    if unit_hint and unit_hint.lower() not in head.lower():
        head = f"{head} {unit_hint}"
    return title_case(_units_last(head))[:MAX_CHARS].strip()


def _product_segment(segments: list[str]) -> int:
    """The first segment naming a product, else the one with the strongest product word, else the first."""
    strengths = [product_strength(segment) for segment in segments]
    naming = [i for i, strength in enumerate(strengths) if strength >= 3]
    if naming:
        return naming[0]
    return strengths.index(max(strengths))  # hype segments were dropped already; ties go to the first


def _is_hype(segment: str) -> bool:
    words = re.findall(r"[\w'-]+", segment.lower())
    return all(word in _HYPE_WORDS or word.isdigit() for word in words)


def _has_words(line: str) -> bool:
    return bool(re.search(r"[A-Za-z]{3}", _LEADING_FILLER.sub("", strip_emojis(line).strip())))


def _drop_prices_and_filler(line: str) -> str:
    line = re.sub(r"#\w+", " ", line)
    line = _PRICE_PHRASE.sub(" \U0001F4B2 ", line)  # a price ends a segment like an emoji does
    line = _AGE_PHRASE.sub(" ", line)
    line = _MULTIPLIER.sub("", line)
    line = _MODEL_LIST_TAIL.sub("", line)
    for _ in range(2):
        stripped = strip_emojis(line).strip()
        cleaned = _LEADING_FILLER.sub("", stripped)
        if cleaned == stripped:
            break
        line = cleaned
    return line


def _segments_by_emoji(line: str) -> list[tuple[int, str]]:
    """Every clause of the line between emojis/prices, each with the number of the emoji piece it is in."""
    pieces, current = [], []
    for char in line:
        if is_emoji(char):
            pieces.append("".join(current))
            current = []
        else:
            current.append(char)
    pieces.append("".join(current))
    segments = []
    for number, piece in enumerate(pieces):
        for clause in _BREAK.split(piece.strip()):
            if re.search(r"[A-Za-z]{2}", clause) and not _is_hype(clause):
                segments.append((number, clause.strip()))
    return segments


def _clean(segment: str, keep_by: bool = False) -> str:
    if not keep_by:
        segment = _BY_SELLER.sub("", segment)
    words = segment.replace("—", " ").split()
    while words and words[-1].lower().strip(".,!") in _TRAILING_JUNK:
        words.pop()
    return " ".join(words[:MAX_WORDS])


def _with_continuation(head: str, tail: str) -> str:
    """Short heads borrow a describing phrase from after the emoji: a proper name or a material."""
    if not tail or len(tail.split()) > 4 or _OPTION_LEAD.match(tail):
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
