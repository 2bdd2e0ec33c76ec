"""Image categorizing with the google-genai SDK (google-generativeai is end of life).

The image bytes come from our own media copy (Instagram's CDN addresses
expire). The answer is constrained by a JSON response schema and validated
again here; anything else is an AIError and the caller keeps the caption's
category.
"""

from __future__ import annotations

import importlib

from google import genai
from google.genai import errors as genai_errors
from google.genai import types
from pydantic import ValidationError

from core.extraction.ai_calls import AIError, measured_call
from core.extraction.limiter import RateLimiter
from core.extraction.schema import CATEGORIES, AIUsage, ImageCategory

def _transport_errors(*module_names: str) -> tuple[tuple[type, ...], tuple[type, ...]]:
    """(timeouts, transport errors) of whichever HTTP library the installed google-genai uses.

    google-genai 3.x depends on httpx2; 1.x and 2.x on httpx (httpx2 only as an extra).
    We import neither by name, so no google-genai version breaks this module.
    """
    timeouts: list[type] = [TimeoutError]
    transport: list[type] = []
    for name in module_names:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        timeouts.append(module.TimeoutException)
        transport.append(module.TransportError)
    return tuple(timeouts), tuple(transport)


_TIMEOUTS, _TRANSPORT_ERRORS = _transport_errors("httpx2", "httpx")

PROMPT = (
    "This is a product photo from an East African seller's Instagram post. "
    f"Pick the one category that fits the product: {', '.join(CATEGORIES)}. "
    "Colours (English words): if the photo shows the same product in several colours to choose from, list those "
    "colours; if it shows one item, list only its main colour. Give the product type in two or three words. "
    "Confidence is 0 to 1."
)


def sniff_mime_type(image: bytes) -> str:
    if image.startswith(b"\x89PNG"):
        return "image/png"
    if image[:4] == b"RIFF" and image[8:12] == b"WEBP":
        return "image/webp"
    return "image/jpeg"


class GeminiImageCategorizer:
    provider = "gemini"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        timeout: float = 20.0,
        attempts: int = 3,
        retry_wait: float = 0.5,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.model = model
        self.attempts = attempts
        self.retry_wait = retry_wait
        self.limiter = limiter
        options = types.HttpOptions(
            base_url=base_url, timeout=int(timeout * 1000), retry_options=types.HttpRetryOptions(attempts=1)
        )
        self._client = genai.Client(api_key=api_key, http_options=options)

    def __repr__(self) -> str:
        return f"GeminiImageCategorizer(model={self.model!r})"

    def categorize(self, image: bytes) -> tuple[ImageCategory, AIUsage]:
        usage = AIUsage(provider="gemini", model=self.model)
        return measured_call(usage, lambda: self._call(image, usage), self.limiter, self.attempts, self.retry_wait)

    def _call(self, image: bytes, usage: AIUsage) -> ImageCategory:
        config = types.GenerateContentConfig(
            response_mime_type="application/json", response_schema=ImageCategory, temperature=0
        )
        contents = [types.Part.from_bytes(data=image, mime_type=sniff_mime_type(image)), PROMPT]
        try:
            response = self._client.models.generate_content(model=self.model, contents=contents, config=config)
        except genai_errors.APIError as error:
            raise _classify_api_error(error) from error
        except _TIMEOUTS as error:
            raise AIError("timeout", "Gemini did not answer in time") from error
        except _TRANSPORT_ERRORS as error:
            raise AIError("connection", "could not reach Gemini") from error
        except (ValidationError, ValueError) as error:
            raise AIError("invalid_output", "Gemini's answer did not match the schema") from error
        _record_tokens(usage, response.usage_metadata)
        return _parsed(response)


def _parsed(response) -> ImageCategory:
    candidate = response.candidates[0] if response.candidates else None
    finish = getattr(candidate, "finish_reason", None)
    if finish is not None and str(getattr(finish, "value", finish)) in ("SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST"):
        raise AIError("refusal", "Gemini declined to describe this image")
    if isinstance(response.parsed, ImageCategory):
        return response.parsed
    text = response.text or ""
    if not text.strip():
        raise AIError("refusal", "Gemini returned no answer")
    try:
        return ImageCategory.model_validate_json(text)
    except ValidationError as error:
        raise AIError("invalid_output", "Gemini's answer did not match the schema") from error


def _classify_api_error(error: genai_errors.APIError) -> AIError:
    code = getattr(error, "code", 0) or 0
    if code == 429:
        return AIError("rate_limited", "Gemini answered 429")
    if code >= 500:
        return AIError("server_error", f"Gemini answered {code}")
    return AIError("rejected", f"Gemini answered {code}")


def _record_tokens(usage: AIUsage, metadata) -> None:
    if metadata is not None:
        usage.input_tokens += metadata.prompt_token_count or 0
        usage.output_tokens += metadata.candidates_token_count or 0
