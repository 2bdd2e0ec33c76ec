"""Product extraction: local rules (offline default), OpenAI caption parsing, Gemini image
categorizing, merging and evaluation. Other code calls `core.extraction.engine.build_extractor`."""
