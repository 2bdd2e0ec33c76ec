"""Prices and currencies as East African sellers write them, and the numbers that are not prices.

Why rules and not just a regex for digits: captions are full of numbers that are
not prices (phone numbers, M-Pesa till and paybill numbers, sizes, weights,
model numbers, years, percentages, delivery fees). We first blank those out
("traps"), then read every remaining amount with the words around it, and keep
the earliest amount that carries evidence of being a price (a currency marker,
a price word like `bei`/`@`/`only`, or a variant label like `small 900`).

`price-parser` reads the amount text itself (thousand separators, decimals);
this module adds East African markers (`/=`, `bob`, `Ushs`, `2.5k`) around it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache

from price_parser import parse_price

# --- currencies ---------------------------------------------------------------

# Markers that name exactly one currency.
_CURRENCY_WORDS: dict[str, str] = {
    "ksh": "KES", "kshs": "KES", "kes": "KES", "bob": "KES", "kenya shillings": "KES",
    "ugx": "UGX", "ushs": "UGX", "ush": "UGX", "shs.ug": "UGX",
    "tsh": "TZS", "tshs": "TZS", "tzs": "TZS",
    "rwf": "RWF", "frw": "RWF", "rf": "RWF",
    "etb": "ETB", "birr": "ETB",
    "usd": "USD", "$": "USD", "us$": "USD", "dollars": "USD", "dollar": "USD",
    "eur": "EUR", "€": "EUR", "gbp": "GBP", "£": "GBP",
}
# Markers that say "this is money" but not whose (shared by KE, UG and TZ).
_AMBIGUOUS_MARKERS = ("sh", "shs", "/=", "/-", "=/", "shillings", "shilingi", "ksh/=")

_PREFIX_CURRENCY = re.compile(
    r"(?:^|[^a-z])(ksh|kshs|kes|ugx|ushs|ush|tsh|tshs|tzs|rwf|frw|etb|birr|usd|us\$|eur|gbp|sh|shs|[$€£])"
    r"\s*\.?\s*[:\-]?\s*$"
)
_SUFFIX_CURRENCY = re.compile(
    r"^\s*(/=|/-|=/|bob\b|ksh\b|kshs\b|kes\b|ugx\b|ushs\b|tsh\b|tzs\b|usd\b|rwf\b|frw\b|dollars?\b|"
    r"shillings\b|shilingi\b|sh\b|shs\b|\(kes\)|\(ugx\)|\(tzs\)|\(usd\))"
)
_PRICE_WORD_BEFORE = re.compile(
    r"(?:^|[^a-z])(bei(?:\s+(?:ni|yake|ya|ni\s+tu))?|price[sd]?(?:\s+(?:is|ni))?|cost[s]?|@|at|for|only|now|sasa|"
    r"kwa|offer|sale|each|rrp|from|was|before|to|ilikuwa|zamani|normally|usually)\s*[:\-=]?\s*$"
)
_PRICE_WORD_AFTER = re.compile(r"^\s*(now\b|sasa\b|was\b|instead\b|only|each|tu|pekee|per\b|a\s+piece|apiece|net|negotiable|nego|ono|!)")
# A variant label right before an amount ("small 900", "1kg @ 2000", "500ml 150").
_VARIANT_LABEL_BEFORE = re.compile(
    r"(?:^|[^a-z])(small|medium|large|big|mini|kids?|adults?|single|double|queen|king|"
    r"\d+(?:\.\d+)?\s?(?:kg|g|ml|l|ltr|litres?|liters?|pcs|pieces))\s*[:\-=]?\s*$"
)
# An optional currency marker between a price word and its amount ("was Ksh 3,000", "-> sh. 1,500").
_OPTIONAL_MARKER = r"\s*[:\-]?\s*(?:ksh|kshs|kes|ugx|ushs|tsh|tzs|usd|rwf|frw|sh|shs|[$])?\s*\.?\s*"
_COMPARE_WORD_BEFORE = re.compile(
    r"(?:^|[^a-z])(was|before|old\s+price|ilikuwa|zamani|normally|usually|originally|retail|rrp|from|"
    rf"badala\s+ya|instead\s+of){_OPTIONAL_MARKER}$"
)
# "2,000 ➡️ 1,500", "2000 -> 1500", "ya 2,500 sasa 1,800": an amount followed by a new one is the old price.
_ARROW = r"(?:->|-->|=>|→|⇒|➡️?|➔|>>)"
_COMPARE_AFTER = re.compile(rf"^\s*(?:/=|/-|bob|ksh|kshs|kes|ugx|ushs|tsh|tzs|usd|rwf|frw)?\s*[,.]?\s*"
                            rf"(?:{_ARROW}|\bnow\b|\bsasa\b){_OPTIONAL_MARKER}\d")
_ARROW_BEFORE = re.compile(rf"{_ARROW}{_OPTIONAL_MARKER}$")
# "Ksh 2 500", "UGX 1 250 000": a space as the thousands separator, only right after a currency marker.
_SPACED_THOUSANDS = re.compile(
    r"(?<![a-z])(?:ksh|kshs|kes|ugx|ushs|ush|tsh|tshs|tzs|rwf|frw|etb|usd|sh|shs)\s*\.?\s*(\d{1,3}(?: \d{3})+)(?![\d,])"
)
_THRESHOLD_BEFORE = re.compile(r"(?:^|[^a-z])(above|over|under|below|min(?:imum)?|upto|up\s+to|zaidi\s+ya)\s*[:\-]?\s*\S{0,5}\s*$")
_DELIVERY_WORDS = re.compile(
    r"\b(deliver(?:y|ies|ed)?|shipping|ship|transport|rider|fare|courier|pick\s*-?up|pickup|"
    r"g4s|wells\s+fargo|easy\s*coach|usafirishaji|kusafirisha|postage|boda|parcel|cbd\s+\d)\b"
)
_FREE_DELIVERY = re.compile(r"\bfree\s+(deliver\w*|shipping)|(deliver\w*|shipping)\s+(is\s+)?free\b")
_NO_PRICE_PHRASES = re.compile(
    r"\b(dm|inbox|pm|call|whatsapp|text|message)\s+(us\s+|me\s+)?(for|4)\s+(the\s+)?(price|pricing|bei|prices|details)\b"
    r"|\bprice\s*(on\s+request|inbox|in\s+(the\s+)?inbox|dm|via\s+dm)\b|\bbei\s+(inbox|dm|ni\s+inbox)\b"
    r"|\bask\s+for\s+(the\s+)?price\b"
)

# --- traps: numbers that are never prices, blanked before reading amounts -------------

_TRAP_PATTERNS = [
    # phone numbers: +254 712 345 678, 0712 345 678, 0772 123456, 0712345678
    r"\+\d{3}[\s-]?\d{2,3}[\s-]?\d{3}[\s-]?\d{3,4}",
    r"\b0[1-9]\d{2}[\s-]?\d{3}[\s-]?\d{3}\b",
    r"\b\d{10,13}\b",
    # M-Pesa till / paybill / account numbers
    r"\b(?:till|paybill|pay\s*bill|buy\s*goods|acc(?:ount)?|a/c|business)\b[\s.:#-]*(?:no\.?|number|num)?[\s.:#-]*\d[\d -]*\d",
    # percentages, times, dates, ratios, dimensions
    r"\d+(?:\.\d+)?\s?(?:%|percent\b)",
    r"\b\d{1,2}(?::\d{2})?\s?(?:am|pm|hrs?)\b",
    r"\b\d{1,2}:\d{2}\b",
    r"\b\d+:\d+\b",
    r"\b\d{1,2}(?:st|nd|rd|th)\b",
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    r"\b(?:19|20)\d{2}/\d{2}\b",
    r"\b\d+(?:\.\d+)?\s?[x×*]\s?\d+(?:\.\d+)?(?:\s?(?:cm|mm|m|ft|in|inch(?:es)?)\b)?",
    # ages and quantities: age 3+, 3+, set of 5, pack of 6, 2 x
    r"\bages?\s*\d+(?:\s*(?:-|–|to)\s*\d+)?\+?",
    r"\b\d+\+",
    r"\b(?:set|pack|box|bundle|pair|packet|dozen)\s+of\s+\d+",
    # size lists: sizes 36 to 42, saizi 8-14, size 40, sizes 38/39/40
    r"\b(?:sizes?|saizi|sz|size\s+range)\b[\s:.\-]*(?:(?:\d{1,2}(?:\.\d)?(?![,.]?\d)|xs|s|m|l|xl|xxl|xxxl|\dxl)\b\s*(?:[,/&]|-|–|to|and|na)?\s*)+",
    # counts of people and posts: 10k followers, followers 10k, 1,000 orders delivered
    r"\b\d[\d,.]*\s?k?\s+(?:followers|likes|views|subscribers|orders|customers|clients|wateja|members)\b",
    r"\b(?:followers|likes|views|subscribers)\s+\d[\d,.]*\s?k?\b",
    # model lists like iPhone 13/14/15
    r"\b\d{1,3}(?:/\d{1,3})+\b",
]
_TRAPS = re.compile("|".join(f"(?:{p})" for p in _TRAP_PATTERNS), re.IGNORECASE)

_AMOUNT = re.compile(
    # not inside a number ("1.5", "2,500"), but right after a marker's dot ("Ksh.2,500", "sh.1200")
    r"(?<![\d,])(?<!\d\.)(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d{1,3}(?:\.\d{3})+(?!\d)|\d+(?:\.\d+)?)(\s?k\b)?",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[.!?](?=\s|$)|\n|\||;|•")
_YEAR = re.compile(r"^(19[5-9]\d|20[0-4]\d)$")


@dataclass
class PriceCandidate:
    amount: float
    start: int
    end: int
    currency: str | None = None
    money_marker: bool = False  # a currency word or /= was attached
    price_word: bool = False  # bei, @, only, each, now, for, a variant label
    role: str = "price"  # "price" or "compare"


@dataclass
class PriceResult:
    price: float | None = None
    compare_at_price: float | None = None
    currency: str | None = None
    currency_source: str | None = None  # marker | caption | place | default
    evidence: str | None = None  # money | word | bare
    asks_to_dm: bool = False
    candidates: list[PriceCandidate] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@lru_cache(maxsize=64)  # the amounts and the currency check both mask the same lowered caption
def mask_traps(text: str) -> str:
    """The text with every non-price number pattern blanked (same length, so offsets hold)."""
    return _TRAPS.sub(lambda m: " " * (m.end() - m.start()), text)


def join_spaced_thousands(text: str) -> str:
    """`ksh 2 500` -> `ksh 2,500` (same length, so offsets hold); phone numbers are already masked."""
    def joined(match: re.Match) -> str:
        return match.group(0).replace(match.group(1), match.group(1).replace(" ", ","))
    return _SPACED_THOUSANDS.sub(joined, text)


def parse_amount(number: str, thousands_suffix: str | None) -> float | None:
    """`2,500` -> 2500, `3.5k` -> 3500, `1.350` -> 1350 (price-parser does the separators)."""
    separator = "," if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", number) else "."
    value = parse_price(number, decimal_separator=separator).amount
    if value is None:
        return None
    amount = Decimal(value)
    if thousands_suffix and thousands_suffix.strip():
        amount *= 1000
    return float(amount)


def find_price_candidates(caption: str) -> list[PriceCandidate]:
    """Every amount in the caption that is plausibly a price, with the evidence around it."""
    return [c for c in _read_amounts(caption) if isinstance(c, PriceCandidate)]


def skipped_amounts(caption: str) -> dict[float, str]:
    """Numbers the rules read and deliberately did not take as a price, with why (for checking an AI's pick)."""
    lowered = caption.lower()
    skipped: dict[float, str] = {}
    for trap in _TRAPS.finditer(lowered):
        for match in _AMOUNT.finditer(trap.group(0)):
            amount = parse_amount(match.group(1), match.group(2))
            if amount is not None:
                skipped.setdefault(amount, "a phone, till, size, date or count")
    for reading in _read_amounts(caption):
        if isinstance(reading, tuple):
            skipped.setdefault(*reading)
    return skipped


def _read_amounts(caption: str) -> list[PriceCandidate | tuple[float, str]]:
    """Each amount as a candidate, or as (amount, why it is not a price)."""
    masked = join_spaced_thousands(mask_traps(caption.lower()))
    readings = []
    for match in _AMOUNT.finditer(masked):
        amount = parse_amount(match.group(1), match.group(2))
        if amount is None or amount <= 0:
            continue
        reading = _read_candidate(masked, match, amount)
        readings.append(reading if isinstance(reading, PriceCandidate) else (amount, reading))
    return readings


def _read_candidate(text: str, match: re.Match, amount: float) -> PriceCandidate | str:
    """The candidate, or why this amount is not a price."""
    start, end = match.start(), match.end()
    before = text[max(0, start - 24):start]
    after = text[end:end + 16]
    prefix = _PREFIX_CURRENCY.search(before)
    glued_to_word = start > 0 and text[start - 1].isalpha() and not prefix
    if glued_to_word:
        return "a model number"  # A15, T500, G5
    suffix = _SUFFIX_CURRENCY.match(after)
    money = bool(prefix or suffix)
    if _is_delivery_fee(text, start, strong=money):
        return "a delivery fee"
    if not money and _followed_by_unit(after, bool(_PRICE_WORD_BEFORE.search(before))):
        return "a quantity or size"  # 500g, 3 bars, 30 pieces, 18 inches
    if _THRESHOLD_BEFORE.search(before):
        return "a threshold"  # "free delivery above 50k"
    if not money and not match.group(2) and _YEAR.match(match.group(1)) and not _PRICE_WORD_BEFORE.search(before):
        return "a year"
    word = bool(
        _PRICE_WORD_BEFORE.search(before) or _PRICE_WORD_AFTER.match(after) or _VARIANT_LABEL_BEFORE.search(before)
        or _ARROW_BEFORE.search(before)
    )
    if not money and not word and amount < 10:
        return "a small bare number"
    marker = (prefix.group(1) if prefix else "") or (suffix.group(1) if suffix else "")
    candidate = PriceCandidate(
        amount=amount, start=start, end=end, currency=_CURRENCY_WORDS.get(marker.strip("()")),
        money_marker=money, price_word=word,
    )
    if _COMPARE_WORD_BEFORE.search(before) or re.match(r"^\s*\)?\s*~~", after) or _COMPARE_AFTER.match(after):
        candidate.role = "compare"
    return candidate


_UNIT_WORDS = re.compile(
    r"^[ \t]+(pcs|pieces?|pairs?|bars?|packs?|sets?|kg|kgs|g|grams?|ml|l|ltrs?|litres?|liters?|inch(?:es)?|cm|mm|"
    r"m|metres?|meters?|ft|feet|hrs?|hours?|days?|weeks?|months?|years?|yrs?|people|persons?|friends?|sizes?|"
    r"colou?rs?|levels?|designs?|items?|units?|gb|tb|mah|w|watts?|v|volts?|seaters?|seats?|plates?|cups?|rolls?|"
    r"yards?|bottles?|tins?|boxes?|kids?|years?\s+old|litre|tabs?|capsules?|sachets?|strands?)\b"
)


def _followed_by_unit(after: str, price_word_before: bool) -> bool:
    """`500g`, `3 bars`, `1000 pieces`. After a price word (`@`, `bei`) only real units count."""
    if re.match(r"[a-z\"']", after):
        return not _PRICE_WORD_AFTER.match(after)
    if not re.match(r"[ \t]+[a-z]", after) or _PRICE_WORD_AFTER.match(after):
        return False
    return bool(_UNIT_WORDS.match(after)) or not price_word_before


def _is_delivery_fee(text: str, start: int, strong: bool) -> bool:
    """An amount after a delivery word in the same clause is a fee, not the product price."""
    clause_start = 0
    for brk in _CLAUSE_BREAK.finditer(text, 0, start):
        clause_start = brk.end()
    clause = text[clause_start:start]
    if strong:
        clause = " ".join(clause.split()[-3:])
    found = _DELIVERY_WORDS.search(clause)
    if not found:
        return False
    return not _FREE_DELIVERY.search(clause)


def choose_prices(candidates: list[PriceCandidate]) -> tuple[PriceCandidate | None, PriceCandidate | None]:
    """The selling price and the old price, if any.

    Earliest amount with evidence wins (sellers put the headline price first and
    list variant prices in order); bare amounts only count when nothing else does.
    """
    sellable = [c for c in candidates if c.role == "price"]
    compares = [c for c in candidates if c.role == "compare"]
    evidenced = [c for c in sellable if c.money_marker or c.price_word]
    pool = evidenced or sellable
    price = pool[0] if pool else None
    compare = None
    if price is not None and compares:
        higher = [c for c in compares if c.amount > price.amount]
        compare = higher[0] if higher else None
    elif price is None and compares:
        price = compares[0]  # "was 3,000" alone: still the only price we have
    return price, compare


def extract_prices(caption: str, place_currency: str | None, default_currency: str) -> PriceResult:
    """Price, old price and currency of a caption (pure; never raises)."""
    lowered = caption.lower()
    result = PriceResult(asks_to_dm=bool(_NO_PRICE_PHRASES.search(lowered)))
    result.candidates = find_price_candidates(caption)
    price, compare = choose_prices(result.candidates)
    if price is None:
        return result
    result.price = price.amount
    result.compare_at_price = compare.amount if compare else None
    result.evidence = "money" if price.money_marker else "word" if price.price_word else "bare"
    result.currency, result.currency_source = _pick_currency(lowered, price, compare, place_currency, default_currency)
    return result


def _pick_currency(
    lowered: str, price: PriceCandidate, compare: PriceCandidate | None, place: str | None, default: str
) -> tuple[str, str]:
    """Marker on the amount, then a marker anywhere, then places, then the store's default."""
    if price.currency:
        return price.currency, "marker"
    if compare is not None and compare.currency:
        return compare.currency, "marker"
    anywhere = currency_mentioned(lowered)
    if anywhere:
        return anywhere, "caption"
    if place:
        return place, "place"
    return default, "default"


_ANY_CURRENCY = re.compile(
    r"(?:^|[^a-z])(ksh|kshs|kes|bob|ugx|ushs|tsh|tshs|tzs|rwf|frw|usd|us\$|birr|etb|\$)(?=[^a-z]|$)"
)


def currency_mentioned(lowered: str) -> str | None:
    """The first unambiguous currency marker anywhere in the text."""
    masked = mask_traps(lowered)
    found = _ANY_CURRENCY.search(masked)
    return _CURRENCY_WORDS.get(found.group(1)) if found else None
