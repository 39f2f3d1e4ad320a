"""Logbook: entries, supervisor approvals and pending reminders."""
