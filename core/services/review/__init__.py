"""Reviewing drafts: the grid, edits, approval, expiry, notifications, products."""
