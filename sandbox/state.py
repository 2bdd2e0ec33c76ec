"""Everything one sandbox knows, in memory: the seeded world, tokens, clock, budget,
faults, call counters and the webhook emitter. One instance per app."""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass, field

from sandbox.budget import BudgetLedger
from sandbox.cdn import CdnSigner
from sandbox.clock import SandboxClock
from sandbox.config import SandboxConfig
from sandbox.faults import FaultBoard
from sandbox.seed import Account, IdMaker, World, build_world
from sandbox.tokens import LONG_LIVED, Token, TokenStore
from sandbox.webhooks import WebhookEmitter

FB_SCOPES = ["instagram_basic", "pages_show_list", "pages_read_engagement", "instagram_manage_comments",
             "business_management"]
IG_SCOPES = ["instagram_business_basic", "instagram_business_manage_comments"]


@dataclass
class Stats:
    """Graph calls since start (or the last reset): `total` calls (a multi-id read counts each id),
    `requests`, and both by endpoint and by account. OAuth code and token exchanges are not Graph
    calls and spend no budget, so they are counted apart, by endpoint, under `oauth`."""

    total: int = 0
    requests: int = 0
    by_endpoint: Counter = field(default_factory=Counter)
    by_account: Counter = field(default_factory=Counter)
    oauth: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record_oauth(self, endpoint: str) -> None:
        with self.lock:
            self.oauth[endpoint] += 1

    def record(self, endpoint: str, account: str | None, n: int = 1) -> None:
        with self.lock:
            self.total += n
            self.requests += 1
            self.by_endpoint[endpoint] += n
            if account:
                self.by_account[account] += n

    def record_per_account(self, endpoint: str, accounts: list[str | None]) -> None:
        """A multi-id read: one request, one call per id."""
        with self.lock:
            self.requests += 1
            self.total += len(accounts)
            self.by_endpoint[endpoint] += len(accounts)
            for account in accounts:
                if account:
                    self.by_account[account] += 1

    def snapshot(self) -> dict:
        with self.lock:
            return {"total": self.total, "requests": self.requests, "by_endpoint": dict(self.by_endpoint),
                    "by_account": dict(self.by_account), "oauth": dict(self.oauth)}

    def reset(self) -> None:
        with self.lock:
            self.total = self.requests = 0
            self.by_endpoint.clear()
            self.by_account.clear()
            self.oauth.clear()


class SandboxState:
    def __init__(self, config: SandboxConfig):
        self.config = config
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self.clock = SandboxClock()
        self.world: World = build_world(config, self.clock.now())
        self.rng = random.Random(config.seed * 7919 + 1)
        self.ids = IdMaker(self.rng)
        self.ids.used.update(self.world.media, self.world.children, self.world.accounts)
        self.tokens = TokenStore(secret=f"sandbox-token-secret:{config.seed}")
        self.budget = BudgetLedger(config.budget_override)
        self.faults = FaultBoard(config.seed)
        self.stats = Stats()
        self.cdn = CdnSigner(config.public_url, secret=f"sandbox-cdn:{config.seed}")
        self.webhooks = WebhookEmitter(config.webhook_url,
                                       {"facebook": config.fb_app_secret, "instagram": config.ig_app_secret},
                                       config.webhook_retry_seconds, config.webhook_batch_window_seconds,
                                       self.stopping)
        # object id (IG user or Page) -> {app id: subscribed fields}
        self.subscriptions: dict[str, dict[str, list[str]]] = {}
        self.page_tokens: dict[tuple[str, str], Token] = {}
        self.seeded_tokens: dict[str, Token] = {}
        self._seed_tokens()
        if config.auto_subscribe:
            for account in self.world.accounts.values():
                self.subscriptions[account.ig_user_id] = {self.app_for(account): ["comments", "mentions"]}

    def app_for(self, account: Account) -> str:
        return self.config.fb_app_id if account.login == "facebook" else self.config.ig_app_id

    def app_secret(self, app_id: str) -> str | None:
        return {self.config.fb_app_id: self.config.fb_app_secret,
                self.config.ig_app_id: self.config.ig_app_secret}.get(app_id)

    def _seed_tokens(self) -> None:
        """A long-lived token per account, issued two days ago, as if the seller connected then."""
        issued = self.clock.time() - 2 * 24 * 3600
        for account in self.world.accounts.values():
            if account.login == "facebook":
                subject = f"{account.fb_user_id}:{account.page_id}"
                token = self.tokens.issue("user", self.config.fb_app_id, account.fb_user_id, FB_SCOPES, issued,
                                          LONG_LIVED, long_lived=True, page_ids=[account.page_id],
                                          value=self.tokens.seeded_value("user", subject))
            else:
                token = self.tokens.issue("ig_user", self.config.ig_app_id, account.ig_user_id, IG_SCOPES, issued,
                                          LONG_LIVED, long_lived=True,
                                          value=self.tokens.seeded_value("ig_user", account.ig_user_id))
            self.seeded_tokens[account.ig_user_id] = token

    def page_token(self, user_token: Token, page_id: str) -> Token:
        """The Page token a user token yields; from a long-lived user token it does not expire."""
        key = (user_token.value, page_id)
        with self.lock:
            if key not in self.page_tokens:
                lifetime = None if user_token.long_lived else (user_token.expires_at or 0) - user_token.issued_at
                self.page_tokens[key] = self.tokens.issue(
                    "page", user_token.app_id, page_id, user_token.scopes, self.clock.time(), lifetime,
                    long_lived=user_token.long_lived,
                    value=self.tokens.seeded_value("page", key[0] + page_id) if user_token.long_lived else None)
            return self.page_tokens[key]

    def account_count(self, app_id: str) -> int:
        return sum(1 for a in self.world.accounts.values() if self.app_for(a) == app_id) or 1

    def is_subscribed(self, account: Account) -> bool:
        targets = [account.ig_user_id] + ([account.page_id] if account.page_id else [])
        app_id = self.app_for(account)
        return any(self.subscriptions.get(t, {}).get(app_id) for t in targets)
