"""Places sellers name in captions, and which currency each implies.

Used twice: a place decides the currency when the amount carries no marker
(`8,000/= Kampala` is UGX), and place words never become tags or names.
"""

from __future__ import annotations

import re

PLACES_BY_CURRENCY: dict[str, tuple[str, ...]] = {
    "KES": (
        "nairobi", "mombasa", "kisumu", "nakuru", "eldoret", "thika", "nyeri", "machakos", "meru", "kitale",
        "malindi", "naivasha", "nanyuki", "kericho", "kakamega", "kisii", "embu", "garissa", "kiambu", "ruiru",
        "kitengela", "rongai", "ngong", "juja", "kilifi", "lamu", "kajiado", "narok", "bungoma", "westlands",
        "kilimani", "kileleshwa", "karen", "lavington", "parklands", "eastleigh", "kasarani", "roysambu",
        "embakasi", "umoja", "donholm", "buruburu", "south b", "south c", "langata", "kahawa", "githurai",
        "syokimau", "athi river", "luthuli", "moi avenue", "moi ave", "tom mboya", "river road", "ngara",
        "gikomba", "toi market", "yaya", "sarit", "thika road", "trm", "kenya", "kenyan", "baringo",
    ),
    "UGX": (
        "kampala", "entebbe", "jinja", "mbarara", "gulu", "mukono", "wakiso", "ntinda", "wandegeya",
        "nakasero", "kololo", "kabalagala", "bugolobi", "naalya", "kireka", "owino", "kikuubo", "masaka",
        "lira", "mbale", "fort portal", "uganda", "ugandan", "kisementi", "najjera", "kansanga",
    ),
    "TZS": (
        "dar es salaam", "dar", "arusha", "mwanza", "dodoma", "zanzibar", "kariakoo", "moshi", "mbeya",
        "tanga", "morogoro", "sinza", "mikocheni", "masaki", "mbezi", "kinondoni", "tanzania", "tanzanian",
    ),
    "RWF": ("kigali", "rwanda", "musanze", "huye", "kimironko", "nyamirambo"),
    "ETB": ("addis ababa", "addis", "ethiopia", "bahir dar"),
}

_PHONE_PREFIX_CURRENCY = {"+254": "KES", "+256": "UGX", "+255": "TZS", "+250": "RWF", "+251": "ETB"}
_MOBILE_MONEY = {"m-pesa": "KES", "mpesa": "KES", "paybill": "KES", "lipa na": "KES", "momo": "UGX", "tigo pesa": "TZS"}

_PLACE_TO_CURRENCY = {place: cur for cur, places in PLACES_BY_CURRENCY.items() for place in places}
ALL_PLACES = frozenset(_PLACE_TO_CURRENCY)
_PLACE_RE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, ALL_PLACES), key=len, reverse=True)) + r")\b")
_MONEY_RE = re.compile(r"(" + "|".join(map(re.escape, _MOBILE_MONEY)) + r")")


def currency_from_places(lowered: str) -> str | None:
    """The currency of the first country the caption points at (place, phone code, mobile money)."""
    for prefix, currency in _PHONE_PREFIX_CURRENCY.items():
        if prefix in lowered:
            return currency
    found = _PLACE_RE.search(lowered)
    if found:
        return _PLACE_TO_CURRENCY[found.group(1)]
    money = _MONEY_RE.search(lowered)
    return _MOBILE_MONEY[money.group(1)] if money else None
