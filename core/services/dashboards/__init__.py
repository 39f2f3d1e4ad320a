"""Dashboards: read models over the roll-ups, and the roll-ups writes keep current."""
