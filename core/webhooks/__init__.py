"""Meta webhook deliveries as pure data: signature checks and payload splitting (no DB)."""
