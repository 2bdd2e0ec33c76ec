"""Who logs in and the stores they act for."""
