"""Places sellers name in captions, and which currency each implies.

Used twice: a place decides the currency when the amount carries no marker
(`8,000/= Kampala` is UGX), and place words never become tags or names.
"""

from __future__ import annotations

import re

# Countries, then (Kenya) all 47 counties, then towns and the shopping areas sellers name.
# Left out on purpose: place names that are everyday Swahili words ("maua" = flowers,
# "wote" = all, "posta" = post office) and towns on two borders (Busia is kept as Kenyan).
PLACES_BY_CURRENCY: dict[str, tuple[str, ...]] = {
    "KES": (
        "kenya", "kenyan",
        # the 47 counties
        "mombasa", "kwale", "kilifi", "tana river", "lamu", "taita taveta", "taita-taveta", "taveta", "garissa",
        "wajir", "mandera", "marsabit", "isiolo", "meru", "tharaka nithi", "tharaka-nithi", "embu", "kitui",
        "machakos", "makueni", "nyandarua", "nyeri", "kirinyaga", "murang'a", "muranga", "murang’a", "kiambu",
        "turkana", "west pokot", "samburu", "trans nzoia", "trans-nzoia", "uasin gishu", "elgeyo marakwet",
        "elgeyo-marakwet", "nandi", "baringo", "laikipia", "nakuru", "narok", "kajiado", "kericho", "bomet",
        "kakamega", "vihiga", "bungoma", "busia", "siaya", "kisumu", "homa bay", "migori", "kisii", "nyamira",
        "nairobi",
        # towns
        "thika", "eldoret", "kitale", "malindi", "watamu", "diani", "ukunda", "mtwapa", "voi", "naivasha",
        "nanyuki", "nyahururu", "gilgil", "molo", "njoro", "ruiru", "juja", "kikuyu", "limuru", "kitengela",
        "rongai", "ngong", "kiserian", "syokimau", "athi river", "mlolongo", "karatina", "kerugoya", "mwea",
        "chuka", "maua town", "nkubu", "mwingi", "emali", "namanga", "kapsabet", "iten", "kabarnet", "lodwar",
        "maralal", "moyale", "webuye", "mumias", "kimilili", "malaba", "bondo", "awendo", "litein", "sotik",
        "kilgoris", "ol kalou",
        # Nairobi areas and markets
        "westlands", "kilimani", "kileleshwa", "karen", "lavington", "parklands", "eastleigh", "kasarani",
        "roysambu", "embakasi", "umoja", "donholm", "buruburu", "south b", "south c", "langata", "kahawa",
        "githurai", "luthuli", "moi avenue", "moi ave", "tom mboya", "river road", "ngara", "gikomba",
        "toi market", "yaya", "sarit", "thika road", "trm", "kawangware", "kangemi", "kayole", "kibera",
        "pangani", "upper hill", "gigiri", "runda", "ruaka", "banana hill",
    ),
    "UGX": (
        "uganda", "ugandan",
        "kampala", "entebbe", "jinja", "mbarara", "gulu", "mukono", "wakiso", "masaka", "lira", "mbale",
        "fort portal", "arua", "soroti", "kasese", "hoima", "tororo", "iganga", "kabale", "mityana", "masindi",
        "mubende", "kitgum", "moroto", "bushenyi", "ntungamo", "rukungiri", "kisoro", "luwero", "mpigi", "njeru",
        "nansana", "kajjansi", "bweyogerere", "namugongo", "seeta",
        # Kampala areas and markets
        "ntinda", "wandegeya", "nakasero", "kololo", "kabalagala", "bugolobi", "naalya", "kireka", "owino",
        "kikuubo", "kisementi", "najjera", "kansanga", "kawempe", "makindye", "rubaga", "nakawa", "muyenga",
        "bukoto", "kyanja",
    ),
    "TZS": (
        "tanzania", "tanzanian",
        "dar es salaam", "dar", "dodoma", "arusha", "mwanza", "mbeya", "morogoro", "tanga", "moshi", "zanzibar",
        "stone town", "tabora", "kigoma", "iringa", "songea", "musoma", "shinyanga", "bukoba", "sumbawanga",
        "mtwara", "lindi", "singida", "babati", "geita", "njombe", "kahama", "korogwe", "bagamoyo", "kibaha",
        "pemba",
        # Dar es Salaam areas and markets
        "kariakoo", "sinza", "mikocheni", "masaki", "mbezi", "kinondoni", "ilala", "temeke", "ubungo",
        "kigamboni", "msasani", "oysterbay", "mwenge", "tegeta", "kimara",
    ),
    "RWF": (
        "rwanda", "rwandan",
        "kigali", "musanze", "ruhengeri", "huye", "butare", "rubavu", "gisenyi", "rusizi", "cyangugu", "muhanga",
        "nyagatare", "rwamagana", "karongi", "kibuye", "kayonza",
        # Kigali districts and areas
        "kicukiro", "gasabo", "nyarugenge", "kimironko", "nyamirambo", "remera", "kacyiru", "kimihurura", "gikondo",
    ),
    "ETB": ("addis ababa", "addis", "ethiopia", "ethiopian", "bahir dar", "hawassa", "mekelle", "dire dawa"),
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
