"""Following an account after the scan: webhooks, the event job and polling."""
