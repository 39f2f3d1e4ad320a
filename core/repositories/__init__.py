"""Queries: `select()` only, the Session first, `None` for a missing key."""
