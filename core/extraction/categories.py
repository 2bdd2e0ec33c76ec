"""Category from an English + Swahili product vocabulary (`vocabulary.py`); tags build on its matches (`tags.py`).

Longer phrases win over their parts ("smart watch" is a gadget, "watch" alone
is fashion; "yoga mat" is fitness, "mat" alone is home), and words in the
caption's first line count double because that is where sellers name the item.
Caption and vocabulary are both matched word by word in singular form, so
"belts", "avocados" and "water bottles" find "belt", "avocado" and "water bottle".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from core.extraction.vocabulary import PLURAL_ONLY, VOCABULARY

# A word, with its hyphenated parts ("t-shirt", "rwanda-made" is one word, as sellers mean it).
_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def singular(word: str) -> str:
    """Cheap singular for matching and tags: dresses -> dress, bags -> bag, glass stays."""
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def _match_form(word: str) -> str:
    return word if word in PLURAL_ONLY else singular(word)


def phrase_key(phrase: str) -> str:
    return " ".join(_match_form(word) for word in _TOKEN.findall(phrase))


_PHRASE_TO_CATEGORY: dict[str, tuple[str, int]] = {}
for _category, _words in VOCABULARY.items():
    for _phrase, _weight in _words.items():
        _key = phrase_key(_phrase)
        current = _PHRASE_TO_CATEGORY.get(_key)
        if current is None or current[1] < _weight:
            _PHRASE_TO_CATEGORY[_key] = (_category, _weight)
_LONGEST_PHRASE = max(len(key.split()) for key in _PHRASE_TO_CATEGORY)


def vocabulary_matches(lowered: str) -> list[tuple[int, int, str]]:
    """(start, end, phrase) of each vocabulary phrase, longest first at each word, in singular form
    on both sides ("water bottles" finds "water bottle"); a phrase's words are separated by spaces only."""
    tokens = list(_TOKEN.finditer(lowered))
    forms = [_match_form(t.group(0)) for t in tokens]
    # spaced_run[i]: how many words from i on are separated by nothing but spaces (a phrase cannot cross "," or "/")
    spaced_run = [1] * len(tokens)
    for j in range(len(tokens) - 2, -1, -1):
        if lowered[tokens[j].end():tokens[j + 1].start()].isspace():
            spaced_run[j] = spaced_run[j + 1] + 1
    found: list[tuple[int, int, str]] = []
    i = 0
    while i < len(tokens):
        for length in range(min(_LONGEST_PHRASE, spaced_run[i]), 0, -1):
            key = " ".join(forms[i:i + length]) if length > 1 else forms[i]
            if key in _PHRASE_TO_CATEGORY:
                found.append((tokens[i].start(), tokens[i + length - 1].end(), key))
                i += length - 1
                break
        i += 1
    return found


# "by Michelle Obama": a title by a named author.
_BY_AUTHOR = re.compile(r"\bby\s+[A-Z][a-z]+(?:\s+[A-Z][a-z]+)+")

@dataclass
class CategoryGuess:
    category: str | None
    confidence: float
    scores: dict[str, float]
    matched: list[str]  # vocabulary phrases in caption order, as the caption writes them
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # (start, end, phrase key), for tags


def categorize(caption: str, head_end: int | None = None) -> CategoryGuess:
    """The best-scoring category, with a confidence from its margin over the runner-up."""
    lowered = caption.lower()
    head_end = head_end if head_end is not None else first_line_end(lowered)
    scores: dict[str, float] = {}
    matched: list[str] = []
    spans = vocabulary_matches(lowered)
    for start, end, key in spans:
        category, weight = _PHRASE_TO_CATEGORY[key]
        boost = 2.0 if start < head_end else 1.0
        scores[category] = scores.get(category, 0.0) + weight * boost
        matched.append(lowered[start:end])  # as the caption writes it ("water bottles")
    if "Books & Media" in scores and _BY_AUTHOR.search(caption[:head_end + 40]):
        scores["Books & Media"] += 6  # "Kigogo novel by Pauline Kea"; "by Mama Shop" alone is a seller, not an author
    if not scores:
        return CategoryGuess("Other", 0.3, {}, [], spans)
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (best_score - runner_up) / best_score
    confidence = min(0.97, 0.45 + 0.35 * margin + 0.04 * min(best_score, 5))
    return CategoryGuess(best, round(confidence, 3), scores, matched, spans)


def product_strength(text: str) -> int:
    """The weight of the strongest product word in `text` (0 when it names no product)."""
    return max((_PHRASE_TO_CATEGORY[key][1] for _, _, key in vocabulary_matches(text.lower())), default=0)


def phrase_weight(key: str) -> int:
    """How strongly a vocabulary phrase (in `phrase_key` form) names a product; 0 when it is not one."""
    found = _PHRASE_TO_CATEGORY.get(key)
    return found[1] if found else 0


def phrase_category(key: str) -> str | None:
    found = _PHRASE_TO_CATEGORY.get(key)
    return found[0] if found else None


def vocabulary_keys() -> list[str]:
    return list(_PHRASE_TO_CATEGORY)


def first_line_end(lowered: str) -> int:
    """Where the first line ends (at most 80 characters in): where sellers name the item."""
    newline = lowered.find("\n")
    return min(newline if newline >= 0 else len(lowered), 80)
