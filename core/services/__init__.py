"""Services: the Session first, the acting user next; they never commit."""
