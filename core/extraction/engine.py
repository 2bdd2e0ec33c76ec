"""The one entry point other code calls: `build_extractor(settings).extract(...)`.

It runs the local rules always (they are the fallback), the OpenAI caption
reader and Gemini image categorizer when configured, merges the readings, and
caches results by caption + image + version so a re-scan never pays twice.
`extract` never raises for a bad caption or a failing AI: failures become notes
on a local result. `extract_many` runs AI calls concurrently within the limiter.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterable, Literal

from core.extraction.cache import ExtractionCache, MemoryCache, cache_key
from core.extraction.limiter import RateLimiter
from core.extraction.local import EXTRACTOR_VERSION, extract_local
from core.extraction.merge import merge
from core.extraction.ai_calls import AIFailure
from core.extraction.openai_extractor import OpenAICaptionExtractor
from core.extraction.schema import REVIEW_THRESHOLD, AIUsage, ExtractedProduct

if TYPE_CHECKING:  # google-genai is imported only when a Gemini key is set: the offline path never needs it
    from core.extraction.gemini_categorizer import GeminiImageCategorizer

log = logging.getLogger(__name__)

Mode = Literal["local", "openai", "auto"]
UsageCallback = Callable[[AIUsage], None]


@dataclass(frozen=True)
class ExtractionRequest:
    caption: str
    media_type: str = "IMAGE"
    image_bytes: bytes | None = None
    default_currency: str = "KES"


class Extractor:
    def __init__(
        self,
        caption_ai: OpenAICaptionExtractor | None = None,
        image_ai: GeminiImageCategorizer | None = None,
        cache: ExtractionCache | None = None,
        max_concurrency: int = 8,
        on_usage: UsageCallback | None = None,
    ) -> None:
        self.caption_ai = caption_ai
        self.image_ai = image_ai
        self.cache = cache if cache is not None else MemoryCache()
        self.max_concurrency = max_concurrency
        self.on_usage = on_usage

    @property
    def version(self) -> str:
        parts = [EXTRACTOR_VERSION]
        if self.caption_ai:
            parts.append(f"openai:{self.caption_ai.model}")
        if self.image_ai:
            parts.append(f"gemini:{self.image_ai.model}")
        return "+".join(parts)

    @property
    def uses_ai(self) -> bool:
        return self.caption_ai is not None or self.image_ai is not None

    def extract(
        self, caption: str, media_type: str, image_bytes: bytes | None = None, default_currency: str = "KES"
    ) -> ExtractedProduct:
        """The best reading we can afford; never raises for bad input or AI failures."""
        caption = caption if isinstance(caption, str) else ""
        local = _safe_local(caption, media_type, default_currency)
        if not self.uses_ai:
            return local
        key = cache_key(caption, image_bytes if self.image_ai else None, self.version, default_currency)
        cached = self.cache.get(key)
        if cached is not None:
            for usage in cached.usage:
                usage.cached = True
            return cached
        try:
            product = self._extract_with_ai(caption, local, image_bytes, default_currency)
        except Exception:  # a bug in reading or merging an AI answer must not lose the post
            log.exception("AI extraction failed unexpectedly")
            return _with_note(local, "the AI step failed unexpectedly; used the offline rules")
        if all(u.ok for u in product.usage):
            self.cache.put(key, product)
        return product

    def extract_many(self, items: Iterable[ExtractionRequest]) -> list[ExtractedProduct]:
        """Results in input order; AI calls overlap up to the concurrency limit and respect the rate."""
        items = list(items)
        if not self.uses_ai or len(items) < 2:
            return [self.extract(i.caption, i.media_type, i.image_bytes, i.default_currency) for i in items]
        with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
            return list(pool.map(lambda i: self.extract(i.caption, i.media_type, i.image_bytes, i.default_currency), items))

    def _extract_with_ai(
        self, caption: str, local: ExtractedProduct, image_bytes: bytes | None, default_currency: str
    ) -> ExtractedProduct:
        usages: list[AIUsage] = []
        notes: list[str] = []
        llm = image = None
        if self.caption_ai is not None and caption.strip():
            try:
                llm, usage = self.caption_ai.extract(caption, default_currency)
                usages.append(usage)
            except AIFailure as failure:
                usages.append(failure.usage)
                notes.append(f"OpenAI failed ({failure.error.kind}); used the offline rules")
        is_product = llm.is_product if llm is not None else local.is_product
        if self.image_ai is not None and image_bytes and is_product:
            try:
                image, usage = self.image_ai.categorize(image_bytes)
                usages.append(usage)
            except AIFailure as failure:
                usages.append(failure.usage)
                notes.append(f"Gemini failed ({failure.error.kind}); category from the caption only")
        product = merge(caption, local, llm, image)
        product.extractor = "+".join(
            ["openai" if llm is not None else "local"] + (["gemini"] if image is not None else [])
        )
        product.notes = notes + product.notes
        product.usage = usages
        product.needs_review = product.confidence < REVIEW_THRESHOLD
        for usage in usages:
            self._report(usage)
        return product

    def _report(self, usage: AIUsage) -> None:
        if self.on_usage is None:
            return
        try:
            self.on_usage(usage)
        except Exception:  # analytics must never break extraction
            log.exception("usage callback failed")


def _with_note(product: ExtractedProduct, note: str) -> ExtractedProduct:
    noted = product.model_copy(deep=True)
    noted.notes = [note, *noted.notes]
    return noted


def _safe_local(caption: str, media_type: str, default_currency: str) -> ExtractedProduct:
    try:
        return extract_local(caption, media_type, default_currency)
    except Exception:  # a rules bug must not lose the post: keep it for a person to fill in
        log.exception("local extractor failed")
        return ExtractedProduct(
            is_product=True, description=caption[:2000], confidence=0.0, extractor="local",
            notes=["the offline rules failed on this caption; fill it in by hand"], needs_review=True,
        )


def build_extractor(
    settings, mode: Mode = "auto", cache: ExtractionCache | None = None, on_usage: UsageCallback | None = None
) -> Extractor:
    """An Extractor from settings. "auto" uses whichever AI keys are set; "openai" requires its key."""
    if mode not in ("local", "openai", "auto"):
        raise ValueError(f"unknown extractor mode {mode!r}; use local, openai or auto")
    if mode == "local":
        return Extractor(cache=cache, max_concurrency=settings.ai_max_concurrency, on_usage=on_usage)
    if mode == "openai" and not settings.openai_api_key:
        raise ValueError("--extractor openai needs OPENAI_API_KEY to be set")
    limiter = RateLimiter(settings.ai_requests_per_minute, settings.ai_max_concurrency)
    common = dict(
        timeout=settings.ai_timeout_seconds, attempts=settings.ai_max_attempts, limiter=limiter,
    )
    caption_ai = (
        OpenAICaptionExtractor(settings.openai_api_key, settings.openai_model, settings.openai_base_url, **common)
        if settings.openai_api_key else None
    )
    image_ai = None
    if settings.gemini_api_key and mode == "auto":
        from core.extraction.gemini_categorizer import GeminiImageCategorizer

        image_ai = GeminiImageCategorizer(settings.gemini_api_key, settings.gemini_model, settings.gemini_base_url, **common)
    return Extractor(caption_ai, image_ai, cache, settings.ai_max_concurrency, on_usage)
