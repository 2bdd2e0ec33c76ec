"""Category and tags from an English + Swahili product vocabulary (`vocabulary.py`).

Longer phrases win over their parts ("smart watch" is a gadget, "watch" alone
is fashion; "yoga mat" is fitness, "mat" alone is home), and words in the
caption's first line count double because that is where sellers name the item.
Caption and vocabulary are both matched in singular form, so "belts",
"avocados" and "water bottles" find "belt", "avocado" and "water bottle".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.extraction.places import ALL_PLACES
from core.extraction.vocabulary import PLURAL_ONLY, VOCABULARY

_WORD = re.compile(r"[a-z]+")


def singular(word: str) -> str:
    """Cheap singular for matching and tags: dresses -> dress, bags -> bag, glass stays."""
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def singular_text(lowered: str) -> str:
    """Every word in its singular form ("water bottles" -> "water bottle"), except true plurals ("shorts")."""
    return singular_with_origins(lowered)[0]


def singular_with_origins(lowered: str) -> tuple[str, list[int]]:
    """`singular_text`, plus for each of its offsets the offset in `lowered` (so a match maps back)."""
    pieces: list[str] = []
    origins: list[int] = []
    position = 0
    for match in _WORD.finditer(lowered):
        pieces.append(lowered[position:match.start()])
        origins.extend(range(position, match.start()))
        word = match.group(0)
        word = word if word in PLURAL_ONLY else singular(word)
        pieces.append(word)
        origins.extend(range(match.start(), match.start() + len(word)))
        position = match.end()
    pieces.append(lowered[position:])
    origins.extend(range(position, len(lowered) + 1))
    return "".join(pieces), origins


_PHRASE_TO_CATEGORY: dict[str, tuple[str, int]] = {}
for _category, _words in VOCABULARY.items():
    for _phrase, _weight in _words.items():
        _key = singular_text(_phrase)
        current = _PHRASE_TO_CATEGORY.get(_key)
        if current is None or current[1] < _weight:
            _PHRASE_TO_CATEGORY[_key] = (_category, _weight)
_PHRASE_RE = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(map(re.escape, _PHRASE_TO_CATEGORY), key=len, reverse=True)) + r")(?![\w-])"
)
# "by Michelle Obama": a title by a named author.
_BY_AUTHOR = re.compile(r"\bby\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")

GENERIC_TAGS = frozenset({
    "shoplocal", "shop", "sale", "new", "newin", "newarrival", "newarrivals", "instagood", "love", "trending",
    "viral", "fashion", "style", "ootd", "kenya", "uganda", "tanzania", "africa", "african", "buy", "order",
    "offer", "deal", "deals", "discount", "quality", "original", "available", "delivery", "instock", "best",
    "fyp", "explore", "explorepage", "kids", "home", "food", "beauty", "hair", "skin", "shopping", "onlineshop",
    "onlineshopping", "supportlocal", "smallbusiness", "business", "kenyanbusiness", "madeinkenya", "water",
})


@dataclass
class CategoryGuess:
    category: str | None
    confidence: float
    scores: dict[str, float]
    matched: list[str]  # vocabulary phrases in caption order, for tags


def categorize(caption: str, head_end: int | None = None) -> CategoryGuess:
    """The best-scoring category, with a confidence from its margin over the runner-up."""
    lowered = caption.lower()
    singular_lowered, origins = singular_with_origins(lowered)
    head_end = head_end if head_end is not None else _first_line_end(lowered)
    scores: dict[str, float] = {}
    matched: list[str] = []
    for match in _PHRASE_RE.finditer(singular_lowered):
        category, weight = _PHRASE_TO_CATEGORY[match.group(1)]
        start, end = origins[match.start()], origins[match.end() - 1] + 1
        boost = 2.0 if start < head_end else 1.0
        scores[category] = scores.get(category, 0.0) + weight * boost
        matched.append(_whole_words(lowered, start, end))  # as the caption writes it ("water bottles")
    if "Books & Media" in scores and _BY_AUTHOR.search(caption[:head_end + 40]):
        scores["Books & Media"] += 6  # "Kigogo novel by Pauline Kea"; "by Mama Shop" alone is a seller, not an author
    if not scores:
        return CategoryGuess("Other", 0.3, {}, [])
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (best_score - runner_up) / best_score
    confidence = min(0.97, 0.45 + 0.35 * margin + 0.04 * min(best_score, 5))
    return CategoryGuess(best, round(confidence, 3), scores, matched)


def product_strength(text: str) -> int:
    """The weight of the strongest product word in `text` (0 when it names no product)."""
    singular_lowered = singular_text(text.lower())
    return max((_PHRASE_TO_CATEGORY[m.group(1)][1] for m in _PHRASE_RE.finditer(singular_lowered)), default=0)


def _whole_words(text: str, start: int, end: int) -> str:
    while end < len(text) and text[end].isalpha():
        end += 1
    return text[start:end]


def _first_line_end(lowered: str) -> int:
    newline = lowered.find("\n")
    return min(newline if newline >= 0 else len(lowered), 80)


def tags_for(caption: str, matched: list[str], limit: int = 6) -> list[str]:
    """Product words the caption uses plus meaningful hashtags; never generic or place tags."""
    tags: list[str] = []
    for phrase in matched:
        _add_tag(tags, singular(phrase) if " " not in phrase else phrase)
    for hashtag in re.findall(r"#(\w+)", caption):
        word = hashtag.lower()
        if word in GENERIC_TAGS or _names_a_place(word):
            continue
        _add_tag(tags, word)
    return tags[:limit]


_PLACE_WORDS = tuple(sorted({place.replace(" ", "") for place in ALL_PLACES if len(place) > 3}))


def _names_a_place(hashtag: str) -> bool:
    """#nairobifashion, #shopkampala; but not #kitenge, which merely contains "iten"."""
    return hashtag.startswith(_PLACE_WORDS) or hashtag.endswith(_PLACE_WORDS)


_TAG_STOP = frozenset({
    "kids", "kid", "home", "fashion", "hair", "skin", "ram", "water", "gaming", "training", "series", "battery",
})


def _add_tag(tags: list[str], tag: str) -> None:
    tag = tag.strip().lower()
    if len(tag) < 2 or tag in _TAG_STOP or tag in GENERIC_TAGS or tag in ALL_PLACES or tag in tags:
        return
    tags.append(tag)
