"""Tags: what a buyer would search for, read from the product words and the hashtags.

The first line names the product, so compounds are read there: a modifier and
its product word make one tag plus the product word ("maxi dresses" -> "maxi
dress", "dress"), a form word makes a new product ("perfume oil"), and two
product words stay two tags ("human hair", "wig"). The product's family
("shoes", "skincare"), the English word for a Swahili name, its material and a
few attributes ("natural", "refurbished") follow, then hashtags split into
words (#maasaisandals -> "maasai sandals"). Never tags: generic shop hashtags,
places, audiences, specs, accessories ("with carry bag") or what a product is
without ("no sugar added").
"""

from __future__ import annotations

import re

from core.extraction.categories import (
    first_line_end, phrase_category, phrase_key, phrase_weight, singular, vocabulary_keys,
)
from core.extraction.places import ALL_PLACES
from core.extraction.tag_vocabulary import (
    BRAND_FAMILIES, FABRICS, FAMILIES, FORM_HEADS, GENERIC_TAGS, HASHTAG_FILLER, LANGUAGES, MODEL_LINES,
    NOT_MODIFIERS, NOT_TAGS, PLURAL_NOUNS, TRANSLATIONS,
)
from core.extraction.variants import ENGLISH_COLORS, MATERIALS, SWAHILI_COLORS

MAX_TAGS = 5
Span = tuple[int, int, str]  # (start, end, vocabulary key) in the lowered caption

_WORD_BEFORE = re.compile(r"([a-z]+) $")
_WORD_AFTER = re.compile(r" ([a-z]+)\b")
_WORD = re.compile(r"[a-z]+")
_PLAIN_WORDS = re.compile(r"[a-z0-9 ]*")
_SPACED_HYPHEN = re.compile(r"(?<=[a-z]{3})-(?=[a-z]{3})")
# A Swahili verb (subject + tense prefix: "linauza", "tunauza", "nimeleta") before a noun is the sentence, not a kind.
_SWAHILI_VERB = re.compile(r"(?:ni|tu|wa|a|u|m|li|ya|ki|vi|zi|i|ku|hu)(?:na|li|ta|me|ki)[a-z]{2,}")
_HASHTAG = re.compile(r"#(\w+)")
_CAMEL_PART = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
# an accessory named after the product ("with carry bag", "free screen protector"), to the clause's end
_ACCESSORY = re.compile(r"\b(?:with|plus|comes\s+with|includ(?:es|ing)|bonus|free)\b(?!\s+(?:deliver|shipping))[^.,;!?|\n]*")
_NEGATED = re.compile(r"\b(?:no|without|bila|zero)\s+[a-z]+|\b[a-z]+[\s-]free\b")
_NATURAL = re.compile(r"\b(?:pure|raw|organic|unrefined|cold[\s-]pressed|100%\s+natural)\b")
_REFURBISHED = re.compile(r"\bex[\s-](?:uk|japan|usa|us|dubai|germany|europe)\b|\brefurb(?:ished)?\b|\bpre[\s-]?owned\b")

_FAMILY_OF = {phrase_key(word): family for family, words in FAMILIES.items() for word in words}
_TRANSLATION_OF = {phrase_key(word): english for word, english in TRANSLATIONS.items()}
_NOT_TAG_KEYS = frozenset(phrase_key(word) for word in NOT_TAGS)
_COMPACT_PHRASES = {key.replace(" ", "").replace("-", ""): key for key in vocabulary_keys()}
_COLORS = frozenset(ENGLISH_COLORS) | frozenset(SWAHILI_COLORS)
_PLACE_WORDS = tuple(sorted({place.replace(" ", "") for place in ALL_PLACES if len(place) > 3}))


def tags_for(caption: str, spans: list[Span], materials: list[str], limit: int = MAX_TAGS) -> list[str]:
    """Tags for one product caption; `spans` are its vocabulary matches (`CategoryGuess.spans`) and
    `materials` the materials it names (`variants.materials_named`)."""
    lowered = caption.lower()
    spans = _product_words(lowered, spans)
    head_end = first_line_end(lowered)
    tags = _TagList()
    products = _head_tags(lowered, [s for s in spans if s[0] < head_end] or spans[:1], tags)
    for key in products:
        tags.add(_TRANSLATION_OF.get(key))
    _add_families(products, tags)
    for material in materials:
        tags.add(material)
    _add_attributes(lowered, head_end, products, tags)
    for start, _, key in spans:
        if start >= head_end and phrase_weight(key) >= 3:
            tags.add(key)
    for hashtag in _HASHTAG.findall(caption):
        tags.add_hashtag(_hashtag_words(hashtag))
    return tags.items[:limit]


class _TagList:
    """Tags in priority order, each once (compared in singular, as reviewers read them)."""

    def __init__(self) -> None:
        self.items: list[str] = []
        self._seen: set[str] = set()
        self._words: set[str] = set()

    def add(self, tag: str | None, chosen: bool = False) -> None:
        """`chosen`: a family or the seller's own hashtag, so a word like "fitness" is meant as a tag."""
        if not tag:
            return
        tag = _display(tag)
        seen = singular(tag)
        if len(tag) < 2 or seen in self._seen or tag in GENERIC_TAGS or tag in ALL_PLACES:
            return
        if tag in NOT_TAGS and not chosen:  # "fitness" in "fitness tracking" describes; a family or #fitness is meant
            return
        self._seen.add(seen)
        self._words.update(singular(word) for word in tag.split())
        self.items.append(tag)

    def add_hashtag(self, words: list[str]) -> None:
        """A hashtag that only repeats tags already read (#denimjacket after "denim", "jacket") adds nothing."""
        if any(w in ALL_PLACES or w in GENERIC_TAGS for w in words) or _names_a_place("".join(words)):
            return
        content = [w for w in words if w not in HASHTAG_FILLER]
        if not content or all(singular(w) in self._words for w in content):
            return
        named = " ".join(content) if any(phrase_weight(phrase_key(w)) for w in content) else "".join(words)
        self.add(named, chosen=True)
        self.add(_TRANSLATION_OF.get(phrase_key(named)))


def _product_words(lowered: str, spans: list[Span]) -> list[Span]:
    """Vocabulary matches that can be tags: outside hashtags, accessories and negations, not mere descriptions."""
    first_end = spans[0][1] if spans else len(lowered)
    blocked = [m.span() for m in _ACCESSORY.finditer(lowered) if m.start() >= first_end]
    blocked += [m.span() for m in _NEGATED.finditer(lowered)]
    return [
        s for s in spans
        if lowered[s[0] - 1:s[0]] != "#" and s[2] not in _NOT_TAG_KEYS and not any(a <= s[0] < b for a, b in blocked)
    ]


def _head_tags(lowered: str, head: list[Span], tags: _TagList) -> list[str]:
    """Tags the first line's product words and their compounds; returns the product keys, for families."""
    products: list[str] = []
    for index, (start, end, key) in enumerate(head):
        follower = _WORD_AFTER.match(lowered, end)
        if follower and follower.group(1) in FORM_HEADS:  # "perfume oil" is a new product, not perfume
            tags.add(f"{key} {follower.group(1)}")
            continue
        previous = head[index - 1] if index and lowered[head[index - 1][1]:start].isspace() else None
        if _describes(key, previous) or _describes_a_later_word(lowered, key, end, head[index + 1:]):
            continue  # "beans" in "coffee beans", "maxi" in "maxi dresses", "beaded" in "beaded Maasai necklace"
        modifier = _modifier(lowered, start, previous)
        if modifier:
            tags.add(f"{modifier} {key}")
        tags.add(key)
        products.append(key)
        head_word = key.rsplit(" ", 1)[-1]
        if head_word != key and phrase_category(head_word) == phrase_category(key):
            tags.add(head_word)  # a wall clock is a clock
    return products


def _describes(key: str, neighbour: Span | None) -> bool:
    """A weak product word right next to a strong one describes it rather than naming a second product."""
    if key in FABRICS or phrase_weight(key) >= 3:
        return False
    return neighbour is not None and phrase_weight(neighbour[2]) >= 3


def _describes_a_later_word(lowered: str, key: str, end: int, later: list[Span]) -> bool:
    """A weak product word followed, within the same run of plain words, by a strong one."""
    strong = next((s for s in later if phrase_weight(s[2]) >= 3), None)
    return strong is not None and _describes(key, strong) and _PLAIN_WORDS.fullmatch(lowered, end, strong[0]) is not None


def _modifier(lowered: str, start: int, previous: Span | None) -> str | None:
    """The word just before a product word that says which kind it is ("maxi", "maasai", "solar"), if any."""
    if previous is not None:
        key = previous[2]
        return key if phrase_weight(key) <= 2 and key not in FABRICS and key not in NOT_MODIFIERS else None
    found = _WORD_BEFORE.search(lowered, max(0, start - 24), start)
    word = found.group(1) if found else ""
    if len(word) < 3 or word in NOT_MODIFIERS or word in NOT_TAGS or word in _COLORS or word in ALL_PLACES:
        return None
    if word in GENERIC_TAGS or word in LANGUAGES or word in MATERIALS or phrase_weight(word):
        return None
    if _SWAHILI_VERB.fullmatch(word):
        return None
    return word


def _add_families(products: list[str], tags: _TagList) -> None:
    names_other_product = any(_FAMILY_OF.get(key) not in BRAND_FAMILIES for key in products)
    for key in products:
        family = _FAMILY_OF.get(key)
        if family in BRAND_FAMILIES and names_other_product:
            continue  # "Samsung TV": a phone brand names the phone only when nothing else is named
        tags.add(family, chosen=True)


def _add_attributes(lowered: str, head_end: int, products: list[str], tags: _TagList) -> None:
    if _NATURAL.search(lowered):
        tags.add("natural")
    if _REFURBISHED.search(lowered):
        tags.add("refurbished")
    is_book = any(_FAMILY_OF.get(key) in ("book", "dictionary") for key in products)
    for word in _WORD.findall(lowered, 0, head_end + 40):
        if word in MODEL_LINES or (is_book and word in LANGUAGES):
            tags.add(word)


def _hashtag_words(hashtag: str) -> list[str]:
    """#KitengeDress -> [kitenge, dress]; #maasaisandals -> [maasai, sandals]; #handmade -> [handmade]."""
    if not hashtag.islower() and not hashtag.isupper():
        return [part.lower() for part in _CAMEL_PART.findall(hashtag)]
    word = hashtag.lower()
    if phrase_weight(phrase_key(word)) or word in GENERIC_TAGS:
        return [word]
    if word in _COMPACT_PHRASES:  # #footballboots
        return _COMPACT_PHRASES[word].split()
    for split in range(3, len(word) - 2):  # the longest known ending wins
        prefix, suffix = word[:split], word[split:]
        phrase = _COMPACT_PHRASES.get(suffix) or _COMPACT_PHRASES.get(singular(suffix))
        if phrase or suffix in HASHTAG_FILLER or prefix in HASHTAG_FILLER:
            return [prefix, *(phrase or suffix).split()]
    return [word]


def _names_a_place(hashtag: str) -> bool:
    """#nairobifashion, #shopkampala; but not #kitenge, which merely contains "iten"."""
    return hashtag.startswith(_PLACE_WORDS) or hashtag.endswith(_PLACE_WORDS)


def _display(tag: str) -> str:
    """Lower case, spaced compounds ("two-piece" -> "two piece"), singular last word unless plural-only."""
    tag = tag.lower()
    words = (_SPACED_HYPHEN.sub(" ", tag) if "-" in tag else tag).split()
    if words and words[-1] not in PLURAL_NOUNS:
        words[-1] = singular(words[-1])
    return " ".join(words)
