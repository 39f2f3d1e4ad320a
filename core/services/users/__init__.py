"""Users: accounts, bulk user imports and departments."""
