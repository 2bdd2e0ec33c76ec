"""Use cases. Each takes a Session and the acting user; pages and the webhook app call only these."""
