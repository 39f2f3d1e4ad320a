"""Reports: the report archive, exports and the leadership pack."""
