"""Is this post selling something? Announcements, giveaways, memes, testimonials,
teasers, hiring posts and delivery notices are not products.

A price with a product word is strong evidence of a product; a non-product
signal (e.g. "GIVEAWAY", "we are hiring") outweighs a bare product word, since
such posts often mention products ("I received my sofa...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NON_PRODUCT_SIGNALS: dict[str, tuple[str, ...]] = {
    "giveaway": (r"\bgive\s?away\b", r"\btag\s+\d+\s+friends?\b", r"\bto\s+win\b", r"\bwinners?\b", r"\bcontest\b",
                 r"\bshindano\b"),
    "announcement": (r"\bwe\s+(?:will\s+be|are)\s+closed\b", r"\bclosed\s+(?:on|for|today|tomorrow)\b",
                     r"\bopening\s+hours\b", r"\bannouncement\b", r"\bnotice\b", r"\bholiday\b", r"\bwe\s+have\s+moved\b",
                     r"\bnew\s+location\b", r"\borders\s+resume\b", r"\btutafunga\b", r"\btumefunga\b",
                     r"\bhappy\s+(?:new\s+year|holidays|easter|eid|mothers|fathers|valentines?|independence|madaraka|jamhuri|mashujaa)"),
    "hiring": (r"\bwe\s*(?:'re|\s+are)\s+hiring\b", r"\bhiring\b", r"\bvacancy\b", r"\bjob\s+opening\b", r"\bsend\s+(?:your\s+)?cv\b",
               r"\bnafasi\s+ya\s+kazi\b"),
    "testimonial": (r"\bcustomer\s+(?:review|feedback)\b", r"\btestimonial\b", r"\bthank\s+you\s+for\s+trusting\b",
                    r"\breview\s*:", r"\bhappy\s+client\b", r"\bsatisfied\s+customer\b", r"\bfeedback\s+from\b"),
    "motivation": (r"\bmotivation\b", r"\bquote\s+of\s+the\s+day\b", r"\bblessed\s+(?:week|day|sunday|weekend)\b",
                   r"\bthrowback\b", r"#tbt\b", r"\bmeme\b", r"\bfun\s+fact\b", r"\bgood\s+morning\b", r"\bmondaymotivation\b",
                   r"\bwhen\s+your\b.*\b(?:lol|😂)", r"😂😂"),
    "teaser": (r"\bstay\s+tuned\b", r"\bcoming\s+soon\b", r"\bnew\s+stock\s+coming\b", r"\blaunching\s+soon\b",
               r"\bguess\s+what\b", r"\bsomething\s+(?:big|new)\s+is\s+coming\b", r"\bwatch\s+this\s+space\b",
               r"\binakuja\b", r"\bkaribuni\s+soon\b"),
    "delivery_notice": (r"\bdelivery\s+(?:info|information|schedule|rates|charges|fees|update|days)\b",
                        r"\bshipping\s+(?:info|rates|update)\b", r"\bwe\s+deliver\s+(?:to|countrywide|everywhere)\b.*\b\d+\s*,",
                        r"\borders\s+before\s+\d"),
    "thanks": (r"\bthank\s+you\s+[A-Z]", r"\bthanks?\s+(?:to\s+)?(?:everyone|all)\b", r"\bpop[-\s]?up\b.*\bwas\s+amazing\b",
               r"\bsee\s+you\s+(?:again|next)\b", r"\basanteni\b"),
}
_SIGNALS = {kind: re.compile("|".join(patterns), re.IGNORECASE) for kind, patterns in NON_PRODUCT_SIGNALS.items()}
_SELLING_WORDS = re.compile(
    r"\b(price|bei|order(?:\s+now)?|available|in\s+stock|sizes?|saizi|colou?rs?|rangi|warranty|original|"
    r"brand\s+new|dm\s+to\s+order|inbox\s+to\s+order|call\s+to\s+order|agiza|nunua|each|only)\b",
    re.IGNORECASE,
)


@dataclass
class ProductVerdict:
    is_product: bool
    confidence: float
    reason: str


def non_product_signals(caption: str) -> list[str]:
    return [kind for kind, pattern in _SIGNALS.items() if pattern.search(caption)]


def classify_post(caption: str, has_price: bool, asks_to_dm: bool, product_words: int) -> ProductVerdict:
    """Decide from the price, the product vocabulary and the non-product signals."""
    if not caption.strip():
        return ProductVerdict(False, 0.6, "empty caption")
    signals = non_product_signals(caption)
    selling = bool(_SELLING_WORDS.search(caption))
    strong_signal = [s for s in signals if s not in ("thanks",)]
    if strong_signal and not (has_price and product_words and not _dominant(strong_signal)):
        return ProductVerdict(False, 0.85 if not has_price else 0.6, f"looks like a {strong_signal[0].replace('_', ' ')}")
    if has_price and product_words:
        return ProductVerdict(True, 0.95 if not signals else 0.7, "price and product words")
    if has_price:
        return ProductVerdict(True, 0.7, "a price but no known product word")
    if asks_to_dm and product_words:
        return ProductVerdict(True, 0.85, "product words and 'DM for price'")
    if signals:
        return ProductVerdict(False, 0.75, f"looks like {signals[0]}")
    if product_words and selling:
        return ProductVerdict(True, 0.7, "product words and selling words, no price")
    if product_words:
        return ProductVerdict(True, 0.55, "product words only")
    return ProductVerdict(False, 0.6, "no price and no product words")


def _dominant(signals: list[str]) -> bool:
    """Signals that win even over a price: nobody sells a giveaway or a job."""
    return any(s in ("giveaway", "hiring", "testimonial", "delivery_notice") for s in signals)
