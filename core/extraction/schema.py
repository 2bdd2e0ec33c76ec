"""The shape every extractor returns, and the fixed category taxonomy.

`ExtractedProduct.model_dump(mode="json")` is what the scan stores in
`product_draft.extracted_data`, so field names here are a contract shared with
drafts, review and evaluation (the labels in `shared/eval/*.jsonl` use the same
names).
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field, field_validator

CATEGORIES: tuple[str, ...] = (
    "Fashion & Apparel",
    "Electronics & Gadgets",
    "Beauty & Personal Care",
    "Home & Living",
    "Food & Beverages",
    "Sports & Fitness",
    "Toys & Games",
    "Books & Media",
    "Other",
)

Category = Literal[
    "Fashion & Apparel",
    "Electronics & Gadgets",
    "Beauty & Personal Care",
    "Home & Living",
    "Food & Beverages",
    "Sports & Fitness",
    "Toys & Games",
    "Books & Media",
    "Other",
]

# Below this a draft is flagged for manual review; at or above HIGH the review
# screen's "high confidence" filter shows it.
REVIEW_THRESHOLD = 0.5
HIGH_CONFIDENCE = 0.8

_ISO_CURRENCY = re.compile(r"^[A-Z]{3}$")


def _unit_interval(value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {value!r}")
    return value


# An AI's confidence: checked here rather than as JSON-schema minimum/maximum, so the schema we send stays
# within what every structured-output server accepts; an answer of 85 ("percent") is rejected, never trusted.
AIConfidence = Annotated[float, AfterValidator(_unit_interval), Field(description="0 to 1")]


class Variant(BaseModel):
    """One purchasable option value, e.g. size=M or color=red."""

    option: str
    value: str


class AIUsage(BaseModel):
    """One AI call, kept on the result so analytics can sum tokens and failures."""

    provider: Literal["openai", "gemini"]
    model: str
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: int = 0
    ok: bool = True
    error: str | None = None
    cached: bool = False


class ExtractedProduct(BaseModel):
    """What we believe a post is selling. Prices are in major units of `currency`."""

    is_product: bool
    name: str = ""
    description: str = ""
    price: float | None = None
    compare_at_price: float | None = None
    currency: str | None = None
    category: Category | None = None
    tags: list[str] = Field(default_factory=list)
    variants: list[Variant] = Field(default_factory=list)
    confidence: float = Field(default=0.0, ge=0.0, le=1.0)
    field_confidence: dict[str, float] = Field(default_factory=dict)
    extractor: str = "local"
    notes: list[str] = Field(default_factory=list)
    needs_review: bool = False
    usage: list[AIUsage] = Field(default_factory=list)

    @field_validator("currency")
    @classmethod
    def _iso_code(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip().upper()
        if not _ISO_CURRENCY.match(value):
            raise ValueError(f"currency must be an ISO 4217 code, got {value!r}")
        return value

    @field_validator("price", "compare_at_price")
    @classmethod
    def _non_negative(cls, value: float | None) -> float | None:
        if value is not None and value < 0:
            raise ValueError("prices cannot be negative")
        return value


class LLMExtraction(BaseModel):
    """The subset an LLM is asked to fill (strict structured output: no free-form dicts)."""

    is_product: bool
    name: str
    description: str
    price: float | None
    compare_at_price: float | None
    currency: str | None
    category: Category | None
    tags: list[str]
    variants: list[Variant]
    confidence: AIConfidence


class ImageCategory(BaseModel):
    """What the image model sees: a category and hints for tags and variants."""

    category: Category
    confidence: AIConfidence
    colors: list[str] = Field(default_factory=list)
    product_type: str = ""
