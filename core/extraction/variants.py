"""Variants a caption offers: sizes (incl. ranges), colours (English and Swahili), materials, models.

A single colour in the name ("Blue denim jacket") is a description, not a
choice; colours become variants only when listed after a colour word
(`Colours:`, `Rangi:`, `available in`) or as a list of two or more.
"""

from __future__ import annotations

import re

from core.extraction.schema import Variant

SWAHILI_COLORS = {
    "nyekundu": "red", "bluu": "blue", "samawati": "blue", "buluu": "blue", "njano": "yellow",
    "kijani": "green", "nyeusi": "black", "nyeupe": "white", "kahawia": "brown", "hudhurungi": "brown",
    "zambarau": "purple", "pinki": "pink", "waridi": "pink", "kijivu": "grey", "machungwa": "orange",
    "dhahabu": "gold", "fedha": "silver", "krimu": "cream",
}
ENGLISH_COLORS = (
    "black", "white", "red", "blue", "navy", "green", "yellow", "pink", "purple", "brown", "grey", "gray",
    "orange", "maroon", "beige", "cream", "tan", "gold", "silver", "teal", "mustard", "olive", "khaki",
    "burgundy", "turquoise", "lilac", "peach", "coral", "nude", "wine", "mint", "rose gold", "sky blue",
    "royal blue", "navy blue", "emerald", "ivory", "charcoal", "magenta", "lavender", "camel", "rust",
)
_COLOR_CANON = {"gray": "grey", "navy blue": "navy"}
_COLOR_WORDS = sorted(set(ENGLISH_COLORS) | set(SWAHILI_COLORS), key=len, reverse=True)
_COLOR_RE = re.compile(r"\b(" + "|".join(map(re.escape, _COLOR_WORDS)) + r")\b")
_COLOR_LEAD = re.compile(r"\b(colou?rs?|rangi|available\s+in|comes\s+in|shades?|in\s+colou?rs?)\b\s*[:\-]?")
_LIST_SEPARATOR = re.compile(r"[,/&+]|\b(?:and|na|or|au)\b")  # "nyekundu & pinki", "black and white"
_CLAUSE_END = re.compile(r"[.!?|;\n](?:\s|$)|\n|$")

MATERIALS = {
    "stainless steel": "stainless steel", "genuine leather": "leather", "leather": "leather",
    "cotton": "cotton", "sisal": "sisal", "wooden": "wood", "wood": "wood", "bamboo": "bamboo",
    "silk": "silk", "wool": "wool", "woollen": "wool", "linen": "linen", "suede": "suede", "velvet": "velvet",
    "ceramic": "ceramic", "glass": "glass", "brass": "brass", "copper": "copper", "rattan": "rattan",
    "cast iron": "cast iron", "aluminium": "aluminium", "aluminum": "aluminium", "canvas": "canvas",
    "polyester": "polyester", "chiffon": "chiffon", "satin": "satin", "marble": "marble", "clay": "clay",
    "mninga": "wood", "mbao": "wood", "ngozi": "leather", "pamba": "cotton",
}
_MATERIAL_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, MATERIALS), key=len, reverse=True)) + r")\b")

_LETTER = r"(?:xxs|xs|s|m|l|xl|xxl|xxxl|[2-5]xl)"
_SIZE_LEAD = re.compile(r"\b(sizes?|saizi|sz|size\s+range)\b\s*[:\-]?\s*", re.IGNORECASE)
_SIZE_TOKEN = re.compile(
    rf"\s*(?:(\d{{1,2}}(?:\.5)?)\s*(?:-|–|—|to|hadi|mpaka)\s*(\d{{1,2}}(?:\.5)?)|({_LETTER})\s*(?:-|–|—|to)\s*({_LETTER})\b"
    rf"|(\d{{1,2}}(?:\.5)?)(?![\d\w]|[,.]\d)|({_LETTER})\b|(small|medium|large|extra\s+large))\s*(?:,|/|&|and|na|\bor\b)?",
    re.IGNORECASE,
)
_LETTER_RUN = re.compile(rf"(?<![\w/])(?:{_LETTER})(?:\s*[,/]\s*|\s+)(?:{_LETTER})(?:(?:\s*[,/]\s*|\s+)(?:{_LETTER}))*(?![\w/])")
_WORD_SIZES = re.compile(r"\b(small|medium|large|extra\s+large)\b")
_BED_SIZE = re.compile(r"\b([3-7])\s?[x×]\s?([3-7])\b(?!\s?(?:cm|mm|m|ft|in))")
_MODEL_LIST = re.compile(
    r"\b(iphone|galaxy|pixel|redmi|tecno\s+spark|infinix\s+hot|airpods|ps)\s?(\d{1,2})((?:\s?[/,&]\s?\d{1,2})+)",
    re.IGNORECASE,
)
_MODEL_CANON = {"iphone": "iPhone", "galaxy": "Galaxy", "pixel": "Pixel", "redmi": "Redmi", "airpods": "AirPods", "ps": "PS"}


def extract_variants(caption: str) -> list[Variant]:
    """Sizes, colours, materials and model styles, in that order, without duplicates."""
    lowered = caption.lower()
    found: list[Variant] = []
    for option, values in (
        ("color", colors_offered(lowered)),
        ("size", sizes_offered(caption)),
        ("material", materials_named(lowered)),
        ("style", models_listed(caption)),
    ):
        found.extend(Variant(option=option, value=v) for v in values)
    return _dedupe(found)


def colors_offered(lowered: str) -> list[str]:
    """Colours after a colour word, or a list of at least two colours (`,` `/` `&` `and` `na`)."""
    for lead in _COLOR_LEAD.finditer(lowered):
        segment = lowered[lead.end():]
        segment = segment[: _CLAUSE_END.search(segment).start()]
        colors = _colors_in(segment)
        if colors:
            return colors
    for clause in re.split(r"[.!?|;\n]", lowered):
        if not _LIST_SEPARATOR.search(clause):
            continue
        colors = _colors_in(clause)
        if len(colors) >= 2 and _looks_like_list(clause):
            return colors
    return []


def canonical_color(word: str) -> str | None:
    """`Navy Blue` -> navy, `nyekundu` -> red; None for words that are not a colour we list."""
    word = re.sub(r"\s+", " ", word.strip().lower())
    if word in SWAHILI_COLORS:
        return SWAHILI_COLORS[word]
    return _COLOR_CANON.get(word, word) if word in ENGLISH_COLORS else None


def _colors_in(segment: str) -> list[str]:
    colors = []
    for match in _COLOR_RE.finditer(segment):
        color = canonical_color(match.group(1))
        if color not in colors:
            colors.append(color)
    return colors


def _looks_like_list(clause: str) -> bool:
    """Colours separated by list separators with little else between them."""
    pieces = [p.strip() for p in _LIST_SEPARATOR.split(clause) if p.strip()]
    with_color = [p for p in pieces if _COLOR_RE.search(p)]
    return len(with_color) >= 2


def sizes_offered(caption: str) -> list[str]:
    """Sizes after a size word (lists and ranges), runs of letter sizes, or small/medium/large."""
    sizes: list[str] = []
    for lead in _SIZE_LEAD.finditer(caption):
        sizes.extend(_read_size_list(caption[lead.end():]))
    if not sizes:
        for run in _LETTER_RUN.finditer(caption):
            if run.group(0).isupper():
                sizes.extend(re.split(r"[\s,/]+", run.group(0).strip()))
    lowered = caption.lower()
    words = [m.group(1) for m in _WORD_SIZES.finditer(lowered)]
    if len(set(words)) >= 2 and not any(s.lower() in words for s in sizes):
        sizes.extend(dict.fromkeys(re.sub(r"\s+", " ", w) for w in words))
    for bed in _BED_SIZE.finditer(lowered):
        sizes.append(f"{bed.group(1)}x{bed.group(2)}")
    return list(dict.fromkeys(sizes))


def _read_size_list(text: str) -> list[str]:
    sizes: list[str] = []
    position = 0
    while True:
        match = _SIZE_TOKEN.match(text, position)
        if not match or match.end() == position:
            break
        position = match.end()
        num_lo, num_hi, let_lo, let_hi, num, letter, word = match.groups()
        if num_lo:
            sizes.extend(expand_numeric_range(num_lo, num_hi))
        elif let_lo:
            sizes.extend(expand_letter_range(let_lo, let_hi))
        elif num:
            sizes.append(num)
        elif letter:
            sizes.append(letter.upper())
        elif word:
            sizes.append(re.sub(r"\s+", " ", word.lower()))
    return sizes


MAX_DRESS_SIZE = 26


def expand_numeric_range(low: str, high: str) -> list[str]:
    """`36 to 42` -> 36..42; dress sizes `8-14` step by two, as UK/EA dress sizes (4-26) do.

    Waist and shoe sizes (`28-34`, `38-42`) go in ones."""
    lo, hi = float(low), float(high)
    if hi <= lo or hi - lo > 20 or lo != int(lo) or hi != int(hi):
        return [low, high]
    lo_i, hi_i = int(lo), int(hi)
    step = 2 if hi_i <= MAX_DRESS_SIZE and lo_i % 2 == 0 and hi_i % 2 == 0 else 1
    return [str(n) for n in range(lo_i, hi_i + 1, step)]


def expand_letter_range(low: str, high: str) -> list[str]:
    order = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"]
    canon = {"2XL": "XXL", "3XL": "XXXL"}
    lo, hi = canon.get(low.upper(), low.upper()), canon.get(high.upper(), high.upper())
    if lo in order and hi in order and order.index(lo) < order.index(hi):
        return order[order.index(lo): order.index(hi) + 1]
    return [low.upper(), high.upper()]


def materials_named(lowered: str) -> list[str]:
    found = []
    for match in _MATERIAL_RE.finditer(lowered):
        material = MATERIALS[match.group(1)]
        if material not in found:
            found.append(material)
    return found[:2]


def models_listed(caption: str) -> list[str]:
    """`iPhone 13/14/15` -> iPhone 13, iPhone 14, iPhone 15."""
    styles = []
    for match in _MODEL_LIST.finditer(caption):
        family = _MODEL_CANON.get(match.group(1).lower(), match.group(1).title())
        numbers = [match.group(2)] + re.findall(r"\d{1,2}", match.group(3))
        styles.extend(f"{family} {n}" for n in numbers)
    return styles


def _dedupe(variants: list[Variant]) -> list[Variant]:
    seen, unique = set(), []
    for variant in variants:
        key = (variant.option, variant.value.lower())
        if key not in seen:
            seen.add(key)
            unique.append(variant)
    return unique
