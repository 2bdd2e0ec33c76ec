"""Category and tags from an English + Swahili product vocabulary.

Longer phrases win over their parts ("smart watch" is a gadget, "watch" alone
is fashion; "yoga mat" is fitness, "mat" alone is home), and words in the
caption's first line count double because that is where sellers name the item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.extraction.places import ALL_PLACES

# weight 3: names the product itself; 2: strongly suggests the category; 1: a hint.
VOCABULARY: dict[str, dict[str, int]] = {
    "Fashion & Apparel": {
        "dress": 3, "dresses": 3, "maxi": 2, "kitenge": 3, "ankara": 3, "kanga": 3, "kikoi": 3, "shuka": 3,
        "jacket": 3, "denim": 2, "jeans": 3, "trouser": 3, "trousers": 3, "pants": 2, "shirt": 3, "shirts": 3,
        "t-shirt": 3, "tshirt": 3, "tee": 2, "blouse": 3, "skirt": 3, "sweater": 3, "hoodie": 3, "hoodies": 3,
        "sweatshirt": 3, "coat": 3, "suit": 3, "suits": 3, "blazer": 3, "kaftan": 3, "abaya": 3, "hijab": 3,
        "dera": 3, "gomesi": 3, "boxers": 3, "underwear": 3, "bra": 3, "lingerie": 3, "socks": 3, "shorts": 2,
        "sandals": 3, "sandal": 3, "shoes": 3, "shoe": 3, "sneakers": 3, "heels": 3, "boots": 2, "loafers": 3,
        "clogs": 3, "crocs": 3, "slippers": 3, "viatu": 3, "nguo": 3, "gauni": 3, "handbag": 3, "handbags": 3,
        "clutch": 3, "purse": 3, "tote": 2, "wallet": 3, "necklace": 3, "earrings": 3, "bracelet": 3,
        "jewelry": 3, "jewellery": 3, "anklet": 3, "beaded": 2, "watch": 2, "sunglasses": 3, "cap": 2,
        "hat": 2, "scarf": 3, "belt": 2, "two-piece": 3, "two piece": 3, "outfit": 2, "unisex": 1,
        "fashion": 1, "mtumba": 3, "pajamas": 3, "swimsuit": 3, "bag": 1, "bags": 1, "kimono": 3,
        "leggings": 3, "tracksuit": 2, "cardigan": 3, "vitenge": 3, "mitumba": 3, "ring": 1, "rings": 1,
    },
    "Electronics & Gadgets": {
        "phone": 3, "phones": 3, "smartphone": 3, "samsung": 3, "iphone": 3, "tecno": 3, "infinix": 3,
        "oppo": 3, "xiaomi": 3, "redmi": 3, "itel": 3, "nokia": 3, "laptop": 3, "laptops": 3, "elitebook": 3,
        "thinkpad": 3, "macbook": 3, "earbuds": 3, "earphones": 3, "headphones": 3, "airpods": 3,
        "speaker": 3, "bluetooth": 2, "power bank": 3, "powerbank": 3, "charger": 3, "cable": 2, "usb": 2,
        "smart watch": 4, "smartwatch": 4, "tv": 3, "television": 3, "subwoofer": 3, "woofer": 3,
        "camera": 3, "tablet": 3, "ipad": 3, "playstation": 3, "ps5": 3, "xbox": 3, "router": 3, "wifi": 2,
        "flash disk": 3, "memory card": 3, "ssd": 2, "hard disk": 3, "phone case": 4, "phone cases": 4,
        "phone cover": 4, "screen protector": 4, "mouse": 2, "keyboard": 2, "printer": 3, "projector": 3,
        "ram": 1, "mah": 2, "oraimo": 3, "jbl": 3, "sony": 2, "hisense": 3, "decoder": 3, "gadget": 2,
        "gadgets": 2, "fitness tracker": 3, "drone": 3, "ring light": 3, "soundbar": 3, "dell": 3,
        "lenovo": 3, "hp": 2, "simu": 3, "hotspot": 3, "modem": 3, "gaming": 1,
    },
    "Beauty & Personal Care": {
        "shea butter": 4, "serum": 3, "lotion": 3, "soap": 3, "perfume": 3, "fragrance": 3, "oud": 2,
        "cologne": 3, "body mist": 3, "wig": 3, "wigs": 3, "weave": 3, "braids": 3, "human hair": 3,
        "lashes": 3, "makeup": 3, "make up": 3, "lipstick": 3, "lip gloss": 3, "foundation": 2, "skincare": 3,
        "skin care": 3, "face wash": 3, "cleanser": 3, "toner": 3, "moisturizer": 3, "moisturiser": 3,
        "sunscreen": 3, "hair oil": 3, "shampoo": 3, "conditioner": 3, "nail": 2, "nails": 2,
        "deodorant": 3, "scrub": 3, "beard oil": 3, "vitamin c": 2, "niacinamide": 3, "hair": 1,
        "body oil": 3, "face cream": 3, "body cream": 3, "skin": 2, "beauty": 2, "glow": 1, "spa": 2,
        "sabuni": 3, "mafuta ya nywele": 3, "nywele": 2, "manukato": 3, "marashi": 3, "lip balm": 3,
        "henna": 3, "dreadlocks": 3, "cosmetics": 3, "aloe vera": 2, "body butter": 3, "eyeliner": 3,
    },
    "Home & Living": {
        "sufuria": 3, "cookware": 3, "pan": 2, "pans": 2, "pot": 2, "pots": 2, "duvet": 3, "duvets": 3,
        "bedsheet": 3, "bedsheets": 3, "bedding": 3, "pillow": 2, "pillows": 2, "cushion": 3, "cushions": 3,
        "curtain": 3, "curtains": 3, "carpet": 3, "rug": 3, "doormat": 3, "sofa": 3, "couch": 3, "chair": 2,
        "chairs": 2, "table": 2, "bed": 2, "mattress": 3, "wardrobe": 3, "shelf": 3, "wall clock": 4,
        "clock": 2, "decor": 3, "vase": 3, "lamp": 3, "bulb": 2, "kitchen": 2, "plates": 3, "cups": 2,
        "mugs": 3, "mug": 3, "cutlery": 3, "blender": 3, "kettle": 3, "jiko": 3, "thermos": 3, "flask": 2,
        "towel": 3, "towels": 3, "basket": 3, "baskets": 3, "kiondo": 3, "storage": 2, "organizer": 2,
        "mirror": 2, "frame": 2, "candle": 3, "candles": 3, "diffuser": 2, "furniture": 3, "dinner set": 3,
        "utensils": 3, "microwave": 3, "fridge": 3, "iron box": 3, "home": 1, "throw pillow": 3,
        "throw pillows": 3, "mosquito net": 3, "dispenser": 2, "sahani": 3, "vikombe": 3, "kitanda": 3,
        "meza": 2, "kiti": 2, "mkeka": 3, "pillowcases": 2, "bedroom": 2, "living room": 2, "cooker": 3,
        "air fryer": 3, "solar": 1, "lantern": 3, "coaster": 3, "tablecloth": 3,
    },
    "Food & Beverages": {
        "coffee": 3, "tea": 2, "chai": 2, "honey": 3, "asali": 3, "juice": 3, "cake": 3, "cakes": 3,
        "bread": 3, "flour": 3, "unga": 3, "chapati": 2, "mandazi": 3, "samosa": 3, "samosas": 3,
        "snacks": 3, "cookies": 3, "biscuits": 3, "chocolate": 2, "spices": 3, "masala": 3, "rice": 3,
        "mchele": 3, "beans": 2, "maize": 3, "sugar": 2, "milk": 3, "maziwa": 3, "yoghurt": 3, "yogurt": 3,
        "cheese": 3, "eggs": 3, "mayai": 3, "chicken": 2, "kuku": 2, "beef": 3, "meat": 3, "nyama": 3,
        "fish": 2, "samaki": 3, "fruits": 3, "matunda": 3, "mango": 2, "avocado": 2, "vegetables": 3,
        "mboga": 3, "peanut butter": 4, "jam": 2, "sauce": 2, "beer": 3, "smoothie": 3, "nuts": 2,
        "cashew": 3, "cashews": 3, "macadamia": 3, "groundnuts": 3, "sweets": 2, "pizza": 3, "burger": 3,
        "catering": 3, "baking": 2, "ghee": 3, "cooking oil": 3, "uji": 3, "porridge": 3, "tilapia": 3,
        "omena": 3, "food": 2, "chakula": 3, "snack": 3, "cupcakes": 3, "cookie": 3, "popcorn": 3,
        "drink": 2, "drinks": 2, "water": 1, "wine": 1, "pilau": 3, "biryani": 3, "kahawa": 3, "sukari": 3,
    },
    "Sports & Fitness": {
        "gym": 3, "fitness": 2, "workout": 3, "yoga": 3, "yoga mat": 5, "dumbbells": 4, "dumbbell": 4,
        "weights": 3, "kettlebell": 4, "resistance bands": 5, "resistance band": 5, "skipping rope": 4,
        "treadmill": 4, "jersey": 4, "jerseys": 4, "football": 3, "soccer": 3, "ball": 2, "arsenal": 3,
        "chelsea": 3, "man united": 3, "manchester": 2, "liverpool": 3, "barcelona": 3, "real madrid": 3,
        "cycling": 3, "bicycle": 3, "bike": 2, "running": 2, "jogging": 3, "sportswear": 3, "gym gloves": 5,
        "protein": 3, "whey": 4, "boxing": 3, "tennis": 3, "basketball": 3, "goggles": 2, "exercise": 2,
        "training": 1, "football boots": 5, "sports": 2, "mpira": 3, "ab roller": 4, "push up": 3,
        "gloves": 1, "swimming": 2, "athletic": 2, "marathon": 3, "rugby": 3, "golf": 3,
    },
    "Toys & Games": {
        "toy": 3, "toys": 3, "building blocks": 5, "lego": 4, "puzzle": 4, "jigsaw": 4, "doll": 3,
        "dolls": 3, "teddy": 3, "teddy bear": 4, "remote control car": 5, "rc car": 5, "board game": 4,
        "chess": 3, "ludo": 4, "scrabble": 4, "game": 2, "games": 2, "rattle": 3, "stuffed": 2, "kite": 3,
        "slime": 3, "playset": 4, "play set": 4, "kids": 1, "kid": 1, "vitu vya kuchezea": 4,
        "midoli": 4, "bajaji toy": 4, "balloons": 2, "uno": 3, "cards game": 3, "action figure": 4,
    },
    "Books & Media": {
        "book": 3, "books": 3, "novel": 4, "novels": 4, "paperback": 4, "hardcover": 4, "kitabu": 4,
        "vitabu": 4, "kamusi": 4, "dictionary": 4, "bible": 4, "quran": 4, "textbook": 4, "textbooks": 4,
        "revision": 2, "kcse": 2, "magazine": 3, "comic": 3, "comics": 3, "dvd": 3, "cd": 2, "vinyl": 3,
        "album": 2, "author": 3, "biography": 4, "memoir": 4, "storybook": 4, "hadithi": 3, "riwaya": 4,
        "audiobook": 4, "ebook": 4, "edition": 2, "toleo": 3, "series": 1,
    },
    "Other": {
        "school bag": 5, "school bags": 5, "backpack": 3, "backpacks": 3, "stationery": 4, "pens": 2,
        "car": 1, "car accessories": 4, "pet": 3, "dog": 2, "cat": 2, "garden": 2, "seedlings": 4,
        "hardware": 3, "tools": 2, "printing": 3, "uniform": 3, "uniforms": 3, "back to school": 3,
        "pencils": 3, "crayons": 2, "calculator": 3, "gas cylinder": 4, "cement": 4, "paint": 2,
    },
}

_PHRASE_TO_CATEGORY: dict[str, tuple[str, int]] = {}
for _category, _words in VOCABULARY.items():
    for _phrase, _weight in _words.items():
        current = _PHRASE_TO_CATEGORY.get(_phrase)
        if current is None or current[1] < _weight:
            _PHRASE_TO_CATEGORY[_phrase] = (_category, _weight)
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
    head_end = head_end if head_end is not None else _first_line_end(lowered)
    scores: dict[str, float] = {}
    matched: list[str] = []
    for match in _PHRASE_RE.finditer(lowered):
        phrase = match.group(1)
        category, weight = _PHRASE_TO_CATEGORY[phrase]
        boost = 2.0 if match.start() < head_end else 1.0
        scores[category] = scores.get(category, 0.0) + weight * boost
        matched.append(phrase)
    if _BY_AUTHOR.search(caption[:head_end + 40]):
        scores["Books & Media"] = scores.get("Books & Media", 0.0) + 6
    if not scores:
        return CategoryGuess("Other", 0.3, {}, [])
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    best, best_score = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    margin = (best_score - runner_up) / best_score
    confidence = min(0.97, 0.45 + 0.35 * margin + 0.04 * min(best_score, 5))
    return CategoryGuess(best, round(confidence, 3), scores, matched)


def _first_line_end(lowered: str) -> int:
    newline = lowered.find("\n")
    return min(newline if newline >= 0 else len(lowered), 80)


def singular(word: str) -> str:
    """Cheap singular for matching and tags: dresses -> dress, bags -> bag, glass stays."""
    if len(word) > 4 and word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tags_for(caption: str, matched: list[str], limit: int = 6) -> list[str]:
    """Product words the caption uses plus meaningful hashtags; never generic or place tags."""
    tags: list[str] = []
    for phrase in matched:
        _add_tag(tags, singular(phrase) if " " not in phrase else phrase)
    for hashtag in re.findall(r"#(\w+)", caption):
        word = hashtag.lower()
        if word in GENERIC_TAGS or any(place.replace(" ", "") in word for place in ALL_PLACES if len(place) > 3):
            continue
        _add_tag(tags, word)
    return tags[:limit]


_TAG_STOP = frozenset({"kids", "kid", "home", "fashion", "hair", "skin", "ram", "water", "gaming", "training", "series"})


def _add_tag(tags: list[str], tag: str) -> None:
    tag = tag.strip().lower()
    if len(tag) < 2 or tag in _TAG_STOP or tag in GENERIC_TAGS or tag in ALL_PLACES or tag in tags:
        return
    tags.append(tag)
