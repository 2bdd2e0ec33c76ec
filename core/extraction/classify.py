"""Is this post selling something? Announcements, giveaways, memes, testimonials,
teasers, hiring posts and delivery notices are not products.

Each signal is a kind of post, recognised by general phrasing rather than by
any one caption: a pattern, or a pair of patterns that must both appear (a
giveaway is "win"/"free" together with "follow"/"share"/"tag"; a milestone is
thanks together with followers/orders). A price with a product word is strong
evidence of a product and outweighs most signals, since shop notices mention
products too; giveaways, hiring posts and milestones win even over a price
("Win a hamper worth Ksh 5,000").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_THANKS = r"\b(?:shukrani|asante(?:ni)?|thank\s+you|thanks|grateful|tunashukuru)\b"
_CUSTOMER = r"\b(?:customers?|clients?|mteja|wateja|buyers?)\b"

# kind -> patterns; a tuple is a pair that must both match.
NON_PRODUCT_SIGNALS: dict[str, tuple] = {
    "giveaway": (
        r"\bgive\s?-?aways?\b", r"\bcontests?\b", r"\bshindano\b", r"\bwashindi\b", r"\bmshindi\b",
        r"\btag\s+\d+\s+(?:friends?|people|marafiki)\b", r"\bwinners?\s+(?:announced|will|to\s+be)\b",
        (r"\b(?:win|stand\s+a\s+chance|shinda|zawadi|free(?!\s+(?:deliver\w*|shipping|pick\s*-?up)))\b", r"\b(?:follow|share|tag|repost|comment)\b"),
    ),
    "announcement": (
        r"\b(?:we(?:'re|\s+are|\s+will\s+be)|shop\s+is|store\s+is|shop\s+will\s+be)\s+(?:closed|open)\b",
        r"\bclosed\s+(?:on|for|today|tomorrow|until|from)\b", r"\b(?:opening|business|working)\s+hours\b",
        r"\b(?:opens?|closes?)\s+(?:at|from)\s+\d", r"\btuta(?:funga|fungua)\b", r"\btumefunga\b",
        r"\borders\s+resume\b", r"\bwe(?:'ve|\s+have)?\s+(?:moved|relocated)\b", r"\bwe(?:'re|\s+are)\s+(?:moving|relocating)\b",
        r"\b(?:new\s+location|new\s+address|(?:moved|relocated)\s+to|tumehamia)\b",
        r"\b(?:number|line|till|paybill)\s+change\b", r"\bno\s+longer\s+in\s+use\b",
        r"\bold\s+(?:m-?pesa\s+)?(?:till|paybill|number|line)\b",
        r"\b(?:our|a)\s+new\s+(?:phone\s+|m-?pesa\s+|whatsapp\s+|contact\s+)?(?:number|line)\s+is\b",
        r"\bannouncement\b", r"\bnotice\b", r"\bstore\s+update\b", r"\bmeet\s+(?:the|our)\s+team\b", r"\bsold\s+out\b",
        r"\bholiday\b", r"\bhappy\s+[\w']+(?:\s+[\w']+)?\s+day\b", r"\bmerry\s+christmas\b", r"\beid\s+mubarak\b",
        r"\bhappy\s+(?:new\s+year|holidays|easter|eid|valentines?)\b", r"\bseason'?s\s+greetings\b",
    ),
    "hiring": (r"\bwe\s*(?:'re|\s+are)\s+hiring\b", r"\bhiring\b", r"\bvacanc(?:y|ies)\b", r"\bjob\s+opening\b",
               r"\bsend\s+(?:your\s+)?cv\b", r"\bnafasi\s+ya\s+kazi\b"),
    "testimonial": (
        r"\btestimonials?\b", r"\breview\s*:", r"\bfeedback\b", r"\bnimependa\b", r"\breviews?\s+from\b",
        (_CUSTOMER, r"\b(?:happy|satisfied|reviews?|love[sd]?|rocking|says?|said)\b"),
    ),
    "milestone": (
        r"\bmilestone\b", r"\banniversary\b", r"\btumefikisha\b", r"\b\d+(?:\.\d+)?k?\s+followers\b", r"\bfollowers\s+\d",
        (_THANKS, r"\b(?:followers|orders|support|years?\s+in\s+business)\b"),
    ),
    "motivation": (
        r"\bmotivation\b", r"\bquote\s+of\s+the\s+day\b", r"\bthrowback\b", r"#tbt\b", r"\bmemes?\b", r"\bfun\s+fact\b",
        r"\bhave\s+a\s+(?:blessed|great|lovely|wonderful|good|beautiful)\s+(?:day|week|weekend|sunday|evening|one)\b",
        r"\bgood\s+(?:morning|night)\b", r"\bpov\s*:", r"\bbe\s+like\b", r"#sellerlife\b", r"(?:😂|🤣){2}",
        r"\bwhen\s+(?:the|your|a|you)\b.*(?:😂|🤣|😩|\blol\b)",
    ),
    "teaser": (
        r"\bstay\s+tuned\b", r"\bcoming\s+(?:soon|this|next|on|tomorrow)\b", r"\b(?:is|are)\s+coming\b",
        r"\blaunching\s+(?:soon|on|this|next)\b", r"\bguess\s+what\b", r"\bsomething\s+(?:big|new|special)\b",
        r"\bwatch\s+this\s+space\b", r"\binakuja\b", r"\bloading\b", r"\bget\s+ready\b", r"\brestocking\b",
    ),
    "delivery_notice": (
        r"\bdeliver(?:y|ies)\s+(?:info|information|schedule|rates|charges|fees|update|days|notice|times)\b",
        r"\bshipping\s+(?:info|rates|update|schedule)\b", r"\bno\s+deliver(?:y|ies)\b",
        r"\b(?:delayed|late)\s+deliver(?:y|ies)\b", r"\borders\s+(?:placed|go\s+out|before|after)\b",
        r"\bpick\s*-?up\s+point\b", r"\bwe\s+deliver\s+(?:to|countrywide|everywhere)\b.*\b\d+\s*,",
    ),
    "thanks": (_THANKS, r"\bsee\s+you\s+(?:again|next|soon)\b", r"\b(?:was|were)\s+(?:amazing|awesome|incredible|a\s+blast)\b"),
}
# Kinds that win even over a price: nobody sells a giveaway, a job or a follower count.
DOMINANT_KINDS = frozenset({"giveaway", "hiring", "milestone"})
# Kinds too common in real listings to decide alone ("Thank you for shopping with us").
WEAK_KINDS = frozenset({"thanks"})


def _compile(patterns: tuple) -> list[tuple[re.Pattern, ...]]:
    """One alternation for a kind's single patterns (fast), plus each pair as two patterns."""
    singles = [p for p in patterns if isinstance(p, str)]
    pairs = [tuple(re.compile(part, re.IGNORECASE) for part in p) for p in patterns if isinstance(p, tuple)]
    return [(re.compile("|".join(f"(?:{p})" for p in singles), re.IGNORECASE),), *pairs]


_SIGNALS = {kind: _compile(patterns) for kind, patterns in NON_PRODUCT_SIGNALS.items()}
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
    return [kind for kind, patterns in _SIGNALS.items() if any(_all_match(p, caption) for p in patterns)]


def _all_match(parts: tuple[re.Pattern, ...], caption: str) -> bool:
    return all(part.search(caption) for part in parts)


def classify_post(caption: str, has_price: bool, asks_to_dm: bool, product_words: int) -> ProductVerdict:
    """Decide from the price, the product vocabulary and the non-product signals."""
    if not caption.strip():
        return ProductVerdict(False, 0.6, "empty caption")
    signals = non_product_signals(caption)
    selling = bool(_SELLING_WORDS.search(caption))
    strong_signal = [s for s in signals if s not in WEAK_KINDS]
    dominant = any(s in DOMINANT_KINDS for s in strong_signal)
    if strong_signal and not (has_price and product_words and not dominant):
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
