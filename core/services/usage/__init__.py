"""Usage records: AI calls and Graph API budget readings."""
