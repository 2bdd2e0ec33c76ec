"""Connecting a store's Instagram account: OAuth, tokens, their upkeep."""
