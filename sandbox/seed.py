"""Seeded, deterministic accounts and posts: the same seed always gives the same shop window.

Ids look like Meta's (numeric strings of Meta's lengths), posts are newest first,
and the mix of IMAGE / CAROUSEL_ALBUM / VIDEO and the captions come from the seed.
"""

from __future__ import annotations

import random
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

from sandbox.config import SandboxConfig

CAPTIONS_FILE = Path(__file__).parent / "data" / "captions.txt"

SHOP_WORDS = ["duka", "kicks", "threads", "urembo", "nyumbani", "vitenge", "mitumba", "closet",
              "beauty", "hub", "store", "collections", "wear", "homes", "gadgets", "fabrics", "kitchen"]
PLACES = ["nairobi", "mombasa", "kisumu", "nakuru", "eldoret", "thika", "dar", "kampala", "arusha", "ngong"]
NAMES = ["mama_wanjiku", "amina", "otieno", "zawadi", "kamau", "neema", "achieng", "baraka", "njeri", "juma",
         "wairimu", "halima", "kiprono", "faith", "msee", "shiku"]
CATEGORIES = ["Clothing store", "Shopping & retail", "Health/beauty", "Home decor", "Electronics", "Kitchen/cooking"]


@dataclass
class Child:
    id: str
    media_type: str  # IMAGE or VIDEO
    has_media_url: bool = True


@dataclass
class Media:
    id: str
    owner_id: str
    media_type: str  # IMAGE, CAROUSEL_ALBUM or VIDEO
    caption: str | None
    timestamp: datetime
    shortcode: str
    children: list[Child] = field(default_factory=list)
    has_media_url: bool = True  # False for videos with licensed audio
    like_count: int = 0
    comments: list[dict] = field(default_factory=list)
    picture_id: str | None = None  # the CDN asset behind an IMAGE post once its photo was swapped

    @property
    def picture(self) -> str:
        """The name its `media_url` is drawn from (its own id until the photo is swapped)."""
        return self.picture_id or self.id

    @property
    def permalink(self) -> str:
        kind = "reel" if self.media_type == "VIDEO" else "p"
        return f"https://www.instagram.com/{kind}/{self.shortcode}/"


@dataclass
class Account:
    ig_user_id: str
    username: str
    name: str
    login: str  # "facebook" (reached through a Page) or "instagram" (no Page)
    page_id: str | None
    page_name: str | None
    fb_user_id: str | None
    impressions: int  # daily impressions: the rate budget is 4800 x this
    followers: int
    biography: str
    category: str
    media: list[Media] = field(default_factory=list)  # newest first


@dataclass
class FacebookUser:
    id: str
    name: str
    page_ids: list[str]


@dataclass
class World:
    accounts: dict[str, Account]
    fb_users: dict[str, FacebookUser]
    media: dict[str, Media]  # every post by id
    children: dict[str, tuple[Child, Media]]  # carousel child id -> (child, parent)
    pictures: dict[str, Media] = field(default_factory=dict)  # swapped-in photo of an IMAGE post -> post

    def has_picture(self, name: str) -> bool:
        """Is there a live image by this name (a post's own photo, a carousel slide's)?"""
        post = self.media.get(name) or self.pictures.get(name)
        return name in self.children or (post is not None and post.picture == name)

    def account_by_page(self, page_id: str) -> Account | None:
        return next((a for a in self.accounts.values() if a.page_id == page_id), None)


@lru_cache(maxsize=1)
def caption_corpus() -> tuple[str, ...]:
    lines = CAPTIONS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.replace("\\n", "\n") for line in lines if line.strip())


class IdMaker:
    """Numeric ids in Meta's shapes, unique within one world."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def make(self, prefix: str, digits: int) -> str:
        while True:
            value = prefix + "".join(self.rng.choices(string.digits, k=digits - len(prefix)))
            if value not in self.used:
                self.used.add(value)
                return value

    def media_id(self) -> str:
        return self.make(self.rng.choice(["178", "179", "180"]), 17)

    def shortcode(self) -> str:
        alphabet = string.ascii_letters + string.digits + "_-"
        return "C" + "".join(self.rng.choices(alphabet, k=10))


def build_world(config: SandboxConfig, now: datetime | None = None) -> World:
    """Make every account, Page, Facebook user and post from the config's seed."""
    rng = random.Random(config.seed)
    ids = IdMaker(rng)
    now = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    accounts: dict[str, Account] = {}
    for index in range(config.accounts):
        account = _make_account(index, rng, ids)
        accounts[account.ig_user_id] = account
    fb_users = _group_pages_into_users(list(accounts.values()), rng, ids)
    world = World(accounts=accounts, fb_users=fb_users, media={}, children={})
    for account in accounts.values():
        for post in make_posts(account.ig_user_id, config.posts_per_account, config, rng, ids, now):
            add_media(world, post, at_end=True)
    return world


def _make_account(index: int, rng: random.Random, ids: IdMaker) -> Account:
    # Every third account has no Facebook Page and is reached only through Instagram Login.
    login = "instagram" if index % 3 == 2 else "facebook"
    base = f"{rng.choice(NAMES)}_{rng.choice(SHOP_WORDS)}" if index % 2 else f"{rng.choice(PLACES)}.{rng.choice(SHOP_WORDS)}"
    username = f"{base}{index}" if index >= 10 else base + ("" if index == 0 else str(index))
    display = base.replace("_", " ").replace(".", " ").title()  # the shop's name; the handle keeps the digits
    page = login == "facebook"
    return Account(
        ig_user_id=ids.make("178414", 17),
        username=username,
        name=display,
        login=login,
        page_id=ids.make("1", 15) if page else None,
        page_name=display if page else None,
        fb_user_id=None,
        impressions=rng.choice([40, 120, 350, 900, 2500, 8000]),
        followers=rng.randrange(150, 60_000),
        biography=f"{display} 🛍️ Quality at fair prices. Delivery countrywide. DM to order.",
        category=rng.choice(CATEGORIES),
    )


def _group_pages_into_users(accounts: list[Account], rng: random.Random, ids: IdMaker) -> dict[str, FacebookUser]:
    """The first Facebook user manages two Pages, so the dialog's Page picker has work to do."""
    with_pages = [a for a in accounts if a.page_id]
    users: dict[str, FacebookUser] = {}
    groups = [with_pages[:2]] + [[a] for a in with_pages[2:]] if with_pages else []
    for number, group in enumerate(groups):
        user = FacebookUser(id=ids.make("10", 15), name=f"{rng.choice(NAMES).replace('_', ' ').title()} {number}",
                            page_ids=[a.page_id for a in group])
        for account in group:
            account.fb_user_id = user.id
        users[user.id] = user
    return users


def make_posts(owner_id: str, count: int, config: SandboxConfig, rng: random.Random, ids: IdMaker,
               now: datetime) -> list[Media]:
    """`count` posts newest first, spread over the past year (the newest within the last day)."""
    year = 365 * 24 * 3600
    ages = sorted(rng.uniform(600, 86_400) if i == 0 else rng.uniform(600, year) for i in range(count))
    return [make_post(owner_id, now - timedelta(seconds=int(age)), config, rng, ids) for age in ages]


def make_post(owner_id: str, timestamp: datetime, config: SandboxConfig, rng: random.Random, ids: IdMaker,
              media_type: str | None = None, caption: str | None = "", children: int | None = None) -> Media:
    if media_type is None:
        roll = rng.random()
        media_type = ("CAROUSEL_ALBUM" if roll < config.carousel_share
                      else "VIDEO" if roll < config.carousel_share + config.video_share else "IMAGE")
    if caption == "":
        caption = None if rng.random() < 0.03 else rng.choice(caption_corpus())
    post = Media(id=ids.media_id(), owner_id=owner_id, media_type=media_type, caption=caption,
                 timestamp=timestamp, shortcode=ids.shortcode(), like_count=rng.randrange(0, 400))
    if media_type == "VIDEO":
        post.has_media_url = rng.random() > 0.3  # licensed audio: thumbnail only
    if media_type == "CAROUSEL_ALBUM":
        n = children or rng.randint(2, 10)
        post.children = [Child(id=ids.media_id(), media_type="VIDEO" if rng.random() < 0.1 else "IMAGE")
                         for _ in range(n)]
    return post


def add_media(world: World, post: Media, at_end: bool = False) -> None:
    """Index a post; new posts go on top of the owner's list (newest first)."""
    owner = world.accounts[post.owner_id]
    if at_end:
        owner.media.append(post)
    else:
        owner.media.insert(0, post)
    world.media[post.id] = post
    for child in post.children:
        world.children[child.id] = (child, post)


def remove_media(world: World, media_id: str) -> Media | None:
    post = world.media.pop(media_id, None)
    if post is None:
        return None
    world.accounts[post.owner_id].media.remove(post)
    for child in post.children:
        world.children.pop(child.id, None)
    world.pictures.pop(post.picture_id or "", None)
    return post


def replace_images(world: World, post: Media, count: int, ids: IdMaker) -> None:
    """Swap a post's photos, as a seller does when editing it: a carousel gets `count` new
    slides, each with a new media id (the old slides are gone, as on Instagram); an IMAGE post
    keeps its id and gets a new photo (a new picture behind its `media_url`)."""
    if post.media_type == "CAROUSEL_ALBUM":
        for child in post.children:
            world.children.pop(child.id, None)
        post.children = [Child(id=ids.media_id(), media_type="IMAGE") for _ in range(count)]
        for child in post.children:
            world.children[child.id] = (child, post)
        return
    world.pictures.pop(post.picture_id or "", None)
    post.picture_id = ids.media_id()
    world.pictures[post.picture_id] = post
