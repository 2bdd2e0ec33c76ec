"""Word lists behind the tags (`tags.py`): families, Swahili names, and words that are never tags.

Labellers tag a post the way a buyer would search for it: the product type
("maxi dress", "dress"), its family ("shoes", "skincare", "cookware"), the brand,
the material, and the English word for a Swahili product name. These lists hold
that knowledge for the whole vocabulary, so it is not tied to any one caption.
Words are written naturally; `tags.py` matches them in the vocabulary's singular form.
"""

from __future__ import annotations

# family tag -> product words (vocabulary phrases) that belong to it
FAMILIES: dict[str, tuple[str, ...]] = {
    "shoes": (
        "sandals", "shoes", "sneakers", "heels", "boots", "loafers", "clogs", "crocs", "slippers", "viatu", "kiatu",
        "ndala", "brogues", "stilettos", "wedges", "mules", "flip flops", "slides", "school shoes", "office shoes",
    ),
    "jewelry": (
        "necklace", "earrings", "bracelet", "anklet", "pendant", "brooch", "bangili", "hereni", "mkufu", "mikufu",
        "chain necklace", "cufflinks",
    ),
    "bag": ("handbag", "clutch", "tote", "purse", "sling bag", "crossbody", "mkoba", "mikoba", "laptop bag"),
    "underwear": ("boxers", "bra", "lingerie", "panties", "briefs"),
    "skincare": (
        "serum", "lotion", "toner", "cleanser", "moisturizer", "moisturiser", "sunscreen", "face wash", "face cream",
        "body cream", "body butter", "shea butter", "cocoa butter", "scrub", "face mask", "sheet mask",
        "niacinamide", "petroleum jelly", "vaseline", "losheni", "body oil",
    ),
    "haircare": ("hair oil", "shampoo", "conditioner", "mafuta ya nywele", "castor oil", "rosemary oil"),
    "makeup": (
        "lipstick", "lip gloss", "foundation", "concealer", "mascara", "eyeliner", "bronzer", "lip liner",
        "lashes", "eyelashes", "nail polish",
    ),
    "fragrance": ("perfume", "cologne", "body mist", "oud", "manukato", "marashi", "body spray"),
    "fitness": (
        "yoga mat", "resistance bands", "skipping rope", "jump rope", "ab roller", "exercise mat", "foam roller",
        "treadmill", "gym gloves", "push up",
    ),
    "weights": ("dumbbells", "kettlebell", "barbell", "weight plates"),
    "football": (
        "football boots", "shin guards", "mpira wa miguu", "arsenal", "chelsea", "man united", "liverpool",
        "barcelona", "real madrid",
    ),
    "cookware": ("sufuria", "cookware", "pan", "pot", "pressure cooker", "cast iron"),
    "bedding": ("duvet", "bedsheet", "bedsheets", "pillowcase", "blanket", "blanketi", "mattress", "godoro"),
    "home decor": (
        "wall clock", "vase", "wall art", "wall decor", "throw pillow", "cushion", "candle", "artificial flowers",
        "painting",
    ),
    "furniture": (
        "sofa", "couch", "coffee table", "dining table", "side table", "tv stand", "wardrobe", "shelf", "bookshelf",
        "stool", "dresser", "cabinet", "cupboard", "desk", "nightstand", "ottoman", "bean bag", "office chair",
        "kitanda", "kabati",
    ),
    "baking": ("cake", "cupcakes", "cookies", "muffins", "brownies", "doughnuts", "donuts", "keki"),
    "snacks": ("samosa", "mandazi", "maandazi", "crisps", "popcorn", "groundnuts", "karanga", "cashews"),
    "vegetables": ("sukuma", "kale", "cabbage", "spinach", "carrot", "onion", "mboga"),
    "fruits": ("avocado", "banana", "pineapple", "watermelon", "passion fruit", "matunda"),
    "toys": (
        "toy", "building blocks", "lego", "doll", "teddy", "teddy bear", "remote control car", "rc car",
        "rattle", "kite", "slime", "playset", "action figure", "toy car", "stuffed animal", "play dough",
        "water gun", "dollhouse", "midoli", "mdoli", "vichezeo", "kichezeo",
    ),
    "board game": ("chess", "ludo", "scrabble", "monopoly", "jenga"),
    "book": (
        "novel", "paperback", "hardcover", "textbook", "storybook", "story book", "biography", "memoir",
        "set book", "setbook", "workbook", "revision book", "kitabu", "vitabu", "riwaya", "hadithi",
    ),
    "dictionary": ("kamusi",),
    "smartphone": ("samsung", "tecno", "infinix", "oppo", "xiaomi", "redmi", "itel", "nokia", "iphone", "smartphone"),
    "laptop": ("elitebook", "thinkpad", "macbook"),
    "wireless": ("earbuds", "airpods"),
}

# Phone brands name the phone only when the post names no other product ("Samsung TV" is a TV).
BRAND_FAMILIES = frozenset({"smartphone"})

# Swahili (and Sheng) product words -> the English tag a buyer would search for; the Swahili word stays too.
TRANSLATIONS: dict[str, str] = {
    "viatu": "shoes", "kiatu": "shoes", "mkoba": "bag", "mikoba": "bag", "begi": "bag", "mabegi": "bag",
    "kitabu": "book", "vitabu": "book", "nguo": "clothes", "gauni": "dress", "magauni": "dress", "shati": "shirt",
    "mashati": "shirt", "suruali": "trousers", "kofia": "hat", "mkufu": "necklace", "mikufu": "necklace",
    "pete": "ring", "hereni": "earrings", "bangili": "bracelet", "koti": "coat", "makoti": "coat", "sketi": "skirt",
    "soksi": "socks", "sabuni": "soap", "asali": "honey", "unga": "flour", "mchele": "rice", "maziwa": "milk",
    "mayai": "eggs", "yai": "eggs", "nyama": "meat", "samaki": "fish", "matunda": "fruits", "tunda": "fruits",
    "mboga": "vegetables", "simu": "phone", "simu janja": "smartphone", "runinga": "tv", "spika": "speaker",
    "chaja": "charger", "pazia": "curtains", "mapazia": "curtains", "zulia": "carpet", "mazulia": "carpet",
    "godoro": "mattress", "magodoro": "mattress", "kikombe": "cup", "vikombe": "cups", "kijiko": "spoon",
    "vijiko": "spoon", "kisu": "knife", "visu": "knife", "ndoo": "bucket", "kitanda": "bed", "vitanda": "bed",
    "meza": "table", "kiti": "chair", "viti": "chair", "mkeka": "mat", "mikeka": "mat", "daftari": "notebook",
    "madaftari": "notebook", "kalamu": "pen", "manukato": "perfume", "marashi": "perfume",
    "mafuta ya nywele": "hair oil", "losheni": "lotion", "wigi": "wig", "kahawa": "coffee", "sukari": "sugar",
    "juisi": "juice", "mkate": "bread", "keki": "cake", "viazi": "potatoes", "mihogo": "cassava",
    "mahindi": "maize", "karanga": "groundnuts", "maharagwe": "beans", "midoli": "doll", "mdoli": "doll",
    "vichezeo": "toys", "kichezeo": "toys", "mpira": "ball", "kiondo": "basket", "kamusi": "dictionary",
    "riwaya": "novel", "hadithi": "story book", "blanketi": "blanket", "kabati": "cupboard", "soka": "football",
    "sahani": "plates", "kitambaa": "fabric", "mtandio": "scarf", "mitumba": "second hand", "mtumba": "second hand",
}

# Fabrics and materials are their own tag, never the first word of a compound ("denim", "jacket").
FABRICS = frozenset({"denim", "kitenge", "vitenge", "ankara", "kikoi", "kanga", "khanga", "shuka", "fleece"})

# Words after a product word that make a new product of it ("perfume oil" is not perfume).
FORM_HEADS = frozenset({"oil", "oils", "powder", "cream", "spray", "gel", "paste", "balm", "extract", "syrup", "flakes"})

# Words that never start a compound: claims, audiences, sizes and shop talk ("pure shea butter", "kids blocks").
NOT_MODIFIERS = frozenset({
    "new", "brand", "fresh", "pure", "original", "genuine", "quality", "premium", "luxury", "classic", "best",
    "super", "hot", "latest", "trendy", "stylish", "elegant", "beautiful", "cute", "nice", "affordable", "cheap",
    "homemade", "handmade", "handwoven", "organic", "natural", "authentic", "imported", "official", "special",
    "kids", "kid", "men", "mens", "women", "womens", "ladies", "lady", "girls", "boys", "baby", "babies", "unisex",
    "big", "small", "medium", "large", "mini", "giant", "size", "sizes", "set", "pair", "pairs", "piece", "pieces",
    "pcs", "only", "each", "per", "the", "and", "for", "with", "our", "your", "this", "these", "all", "any",
    "za", "ya", "wa", "la", "cha", "vya", "kwa", "na", "mpya", "bei", "offer", "sale", "home", "tu", "in",
    "kila", "hii", "hizi", "huu", "hapa", "sasa", "pia", "zote", "safi", "poa", "kali", "bora", "nzuri", "mzuri",
    "tamu", "duka", "letu", "yetu", "wetu", "yako", "sisi", "leo", "tuna", "kuna",
})

# Vocabulary words that describe rather than name a product: never a tag on their own.
NOT_TAGS = frozenset({
    "unisex", "glow", "toleo", "edition", "revision", "author", "series", "usb", "ssd", "ram", "mah", "wifi",
    "android", "gaming", "training", "battery", "cable", "outfit", "fashion", "beauty", "skin", "hair", "home",
    "kids", "kid", "water", "food", "drink", "meal", "lunch", "sports", "exercise", "running", "athletic",
    "swimming", "fitness", "storage", "kitchen", "bedroom", "living room", "spa", "gadget", "game",
})

# Output keeps the plural of nouns that have no singular in use ("jeans", not "jean").
PLURAL_NOUNS = frozenset({
    "jeans", "boxers", "crocs", "trousers", "shorts", "pants", "leggings", "pajamas", "sunglasses", "glasses",
    "tights", "joggers", "sweatpants", "chinos", "overalls", "dungarees", "scissors", "clothes", "dreadlocks",
    "lashes", "eyelashes", "braids", "weights", "sweets", "goods", "slides", "wedges", "mules", "earbuds",
    "headphones", "earphones", "airpods", "cookies", "snacks", "vegetables", "fruits", "toys", "cashews",
    "groundnuts", "lentils", "oats", "noodles", "spices", "doughnuts", "donuts", "brownies", "muffins",
})

# Model lines that sellers name after the brand ("Samsung Galaxy", "HP EliteBook").
MODEL_LINES = frozenset({
    "galaxy", "pixel", "spark", "camon", "pova", "freepods", "laserjet", "deskjet", "probook", "pavilion",
    "inspiron", "latitude", "ideapad", "chromebook", "surface", "playstation",
})

# Languages name what a dictionary or book is in ("Kamusi ya Kiswahili").
LANGUAGES = frozenset({"kiswahili", "swahili", "english", "french", "arabic", "german", "chinese", "spanish"})

# Hashtag parts that carry no product meaning: "#blousegoals" is "blouse", "#africanfashion" is nothing.
HASHTAG_FILLER = frozenset({
    "goals", "lover", "lovers", "life", "addict", "vibes", "love", "daily", "style", "styles", "fashion", "shop",
    "store", "ke", "ug", "tz", "rw", "official", "collection", "world", "queen", "king", "gang", "finds", "deals",
    "sale", "online", "african", "africa", "kenyan", "ugandan", "tanzanian", "local", "hub", "plug", "wear",
    "inspo", "of", "the", "day", "new", "best",
})

GENERIC_TAGS = frozenset({
    "shoplocal", "shop", "sale", "new", "newin", "newarrival", "newarrivals", "instagood", "love", "trending",
    "viral", "fashion", "style", "ootd", "kenya", "uganda", "tanzania", "africa", "african", "buy", "order",
    "offer", "deal", "deals", "discount", "quality", "original", "available", "delivery", "instock", "best",
    "fyp", "explore", "explorepage", "kids", "home", "food", "beauty", "hair", "skin", "shopping", "onlineshop",
    "onlineshopping", "supportlocal", "smallbusiness", "business", "kenyanbusiness", "madeinkenya", "water",
    "newcollection", "restock", "restocked", "backinstock", "giveaway", "promo", "bestseller", "affordable",
    "cheap", "wholesale", "retail", "like4like", "followme", "follow", "picoftheday", "photooftheday",
    "instadaily", "shopnow", "linkinbio", "dmtoorder", "dm", "limitedstock", "freedelivery", "mzigompya",
    "punguzo", "bei", "ofa", "nunua", "foryou", "foryoupage", "reels", "reelsinstagram", "tiktok", "weekend",
})
