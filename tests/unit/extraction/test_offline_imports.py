"""The offline extractor must run without google-genai ever being imported (it is needed only with a Gemini key)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROGRAM = """
import sys
from core.config import Settings
from core.extraction.engine import build_extractor
product = build_extractor(Settings(openai_api_key=None, gemini_api_key=None), mode="local").extract(
    "Leather sandals 1,500 bob", "IMAGE")
assert product.price == 1500, product
loaded = sorted(name for name in sys.modules if name.startswith("google.genai"))
print(",".join(loaded))
"""


def test_local_extraction_never_imports_the_gemini_sdk():
    result = subprocess.run([sys.executable, "-c", PROGRAM], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", result.stdout
