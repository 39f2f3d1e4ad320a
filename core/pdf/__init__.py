"""PDF building with reportlab: report tables, charts and the leadership pack layout."""
