"""The first scan of an account: requests, the worker's run, one post into a draft."""
