"""Attendance: file imports, import batches (undo) and eligibility."""
